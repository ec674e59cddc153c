"""Break-glass (DOMAIN R37), on the injected clock: a registered unit member without an assignment opens one case's
health records for a limited time, on a reason from a list plus their own words; every access through it is
flagged; the security officer sees the use at once, records whether it was justified, and a not-justified finding
blocks the next use until cleared."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import Harness, ManualClock, enrol, register
from vault import (
    AccessDenied,
    BreakGlassReason,
    Category,
    Conflict,
    InvalidInput,
    NewRecord,
    NotFound,
    Purpose,
    ReviewOutcome,
    Role,
)

HANDLER = actor("anna", "claims_handler")
ON_CALL = actor("dr.oncall", "medical_adviser")
SECURITY = actor("sara", "security_officer")
CRIMINAL = actor("cor", "criminal_data_officer")
WHY = "Assigned adviser ill; the subject waits for a decision today."


@pytest.fixture
def case(timed: Harness) -> str:
    """A referred case with a health record and a criminal record; dr.oncall is registered but not assigned."""
    timed.vault.cases.refer(HANDLER, "C-1", "CUST-1", "Fictional: can the claimant work?")
    enrol(timed.vault, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    importer = actor("op", "importer")
    for category, fields in ((Category.HEALTH, {"summary": "CANARY-BG"}), (Category.CRIMINAL, {"fact": "CANARY-CR"})):
        new = NewRecord(
            subject_ref="CUST-1",
            case_ref="C-1",
            category=category,
            kind="medical_report" if category is Category.HEALTH else "declared_fact",
            fields=fields,
            source="GP",
            purpose=Purpose.CLAIM_ASSESSMENT if category is Category.HEALTH else Purpose.ACCEPTANCE,
        )
        timed.vault.records.create(importer, new)
    register(timed.vault, "dr.oncall", Role.MEDICAL_ADVISER)
    return "C-1"


def _events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(b)) for b in rows]


def _health_record(kluis: Harness) -> str:
    with kluis.sessions() as session:
        return str(
            session.scalar(sa.text("SELECT id FROM records WHERE category = 'health' AND kind = 'medical_report'"))
        )


def test_break_glass_opens_reading_for_an_hour_flagged_and_alerts_at_once(
    timed: Harness, case: str, clock: ManualClock
) -> None:
    record = _health_record(timed)
    with pytest.raises(NotFound):  # not assigned: nothing
        timed.vault.records.read(ON_CALL, record, Purpose.CLAIM_ASSESSMENT)
    use = timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.ADVISER_UNAVAILABLE, WHY)
    assert use.ends_at == clock.now() + timedelta(minutes=60) and use.outcome is None and use.sealed
    opened = _events(timed)[-1]
    assert opened["event_type"] == "break_glass.open" and opened["break_glass"] is True
    assert opened["target"] == "reason:adviser_unavailable" and WHY not in json.dumps(_events(timed))
    assert [u.use_id for u in timed.vault.break_glass.uses(SECURITY)] == [use.use_id]  # the alert, at once

    clock.advance(minutes=59)
    assert timed.vault.records.read(ON_CALL, record, Purpose.CLAIM_ASSESSMENT).fields == {"summary": "CANARY-BG"}
    read = _events(timed)[-1]
    assert read["event_type"] == "record.read" and read["outcome"] == "allowed" and read["break_glass"] is True
    clock.advance(minutes=2)  # minute 61
    with pytest.raises(NotFound):
        timed.vault.records.read(ON_CALL, record, Purpose.CLAIM_ASSESSMENT)


def test_break_glass_reads_and_never_writes_nor_reaches_criminal_data(timed: Harness, case: str) -> None:
    timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.URGENT_DECISION, WHY)
    view = timed.vault.cases.view(ON_CALL, case, Purpose.CLAIM_ASSESSMENT)
    assert {r.category for r in view.records} == {"health"}  # the criminal record is not even listed
    assert _events(timed)[-1]["break_glass"] is True
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref=case,
        category=Category.HEALTH,
        kind="phone_note",
        fields={"note": "x"},
        source="phone",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    with pytest.raises(AccessDenied):
        timed.vault.records.create(ON_CALL, new)


def test_only_registered_unit_members_break_glass_and_only_where_they_have_no_access(timed: Harness, case: str) -> None:
    with pytest.raises(AccessDenied):  # a token role the register does not confirm
        timed.vault.break_glass.open(actor("dr.nobody", "medical_adviser"), case, BreakGlassReason.OTHER, WHY)
    assert _events(timed)[-1]["reason"] == "not_registered"
    register(timed.vault, "cor", Role.CRIMINAL_DATA_OFFICER)
    with pytest.raises(AccessDenied):  # the criminal-data officer has no break-glass (not configured)
        timed.vault.break_glass.open(CRIMINAL, case, BreakGlassReason.OTHER, WHY)
    with pytest.raises(Conflict):  # the assigned adviser needs none
        timed.vault.break_glass.open(actor("dr.jansen", "medical_adviser"), case, BreakGlassReason.OTHER, WHY)
    assert _events(timed)[-1]["reason"] == "already_assigned"
    with pytest.raises(NotFound):
        timed.vault.break_glass.open(ON_CALL, "NO-SUCH-CASE", BreakGlassReason.OTHER, WHY)
    assert _events(timed)[-1]["event_type"] == "break_glass.open" and _events(timed)[-1]["outcome"] == "denied"


def test_the_reason_and_the_period_are_checked(timed: Harness, case: str) -> None:
    with pytest.raises(InvalidInput):
        timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, "urgent")  # too short to explain
    with pytest.raises(InvalidInput):
        timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, "Subject 111222333 phoned, urgent")
    with pytest.raises(InvalidInput):  # capped (KLUIS_BREAK_GLASS_MAX_MINUTES, 120 by default)
        timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY, minutes=121)
    short = timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY, minutes=15)
    assert short.ends_at - short.opened_at == timedelta(minutes=15)


def test_a_not_justified_use_blocks_the_next_until_the_security_officer_clears_it(
    timed: Harness, case: str, clock: ManualClock
) -> None:
    use = timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY, minutes=10)
    with pytest.raises(AccessDenied):  # only the security officer reviews
        timed.vault.break_glass.review(actor("dr.jansen", "medical_adviser"), use.use_id, ReviewOutcome.JUSTIFIED, WHY)
    reviewed = timed.vault.break_glass.review(
        SECURITY, use.use_id, ReviewOutcome.NOT_JUSTIFIED, "No urgency found in the file."
    )
    assert reviewed.outcome is ReviewOutcome.NOT_JUSTIFIED and reviewed.reviewed_by == "sara"
    assert timed.vault.break_glass.uses(SECURITY) == []  # nothing pending any more
    with pytest.raises(Conflict):
        timed.vault.break_glass.review(SECURITY, use.use_id, ReviewOutcome.JUSTIFIED, "Changed my mind, sorry.")
    assert _events(timed)[-1]["reason"] == "already_reviewed"

    clock.advance(minutes=11)
    with pytest.raises(AccessDenied):
        timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY)
    assert _events(timed)[-1]["reason"] == "break_glass_blocked"
    assert timed.vault.break_glass.clear(SECURITY, "dr.oncall") == 1
    assert _events(timed)[-1]["event_type"] == "break_glass.clear"
    again = timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY)
    assert again.use_id != use.use_id
    history = timed.vault.break_glass.uses(SECURITY, pending_only=False, user_id="dr.oncall")
    assert [u.outcome for u in history] == [ReviewOutcome.NOT_JUSTIFIED, None] and history[0].cleared_at is not None


def test_closing_the_case_ends_a_break_glass_use(timed: Harness, case: str) -> None:
    record = _health_record(timed)
    timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY)
    timed.vault.cases.close(HANDLER, case)
    with pytest.raises(NotFound):
        timed.vault.records.read(ON_CALL, record, Purpose.CLAIM_ASSESSMENT)
    with pytest.raises(Conflict):
        timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY)
    assert _events(timed)[-1]["reason"] == "case_closed"


def test_a_break_glass_row_edited_in_the_database_grants_nothing(timed: Harness, case: str, clock: ManualClock) -> None:
    record = _health_record(timed)
    timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, WHY, minutes=10)
    with timed.engine.begin() as connection:  # a DBA lengthens the use
        connection.execute(
            sa.text("UPDATE case_assignments SET ends_at = :t WHERE relation = 'break_glass'"),
            {"t": clock.now() + timedelta(days=30)},
        )
    clock.advance(minutes=30)
    with pytest.raises(NotFound):
        timed.vault.records.read(ON_CALL, record, Purpose.CLAIM_ASSESSMENT)
    assert any(e["event_type"] == "integrity.alert" for e in _events(timed))
    assert timed.vault.break_glass.uses(SECURITY)[0].sealed is False


@pytest.mark.parametrize("formatted", ["111.222.333", "111 222 333", "111-222-333"])
def test_a_note_with_a_formatted_bsn_is_refused(timed: Harness, case: str, formatted: str) -> None:
    with pytest.raises(InvalidInput):
        timed.vault.break_glass.open(ON_CALL, case, BreakGlassReason.OTHER, f"Subject {formatted} phoned, urgent.")
