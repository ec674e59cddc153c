"""Processors (R47) against an insider and a careless officer, from a review of the first version: a hidden agreement
put back beside its renewal, an officer's duty hidden at registration, a BSN in an agreement's reference, an ending
undone, which agreement the log names, what the register says, break-glass and supervision across organisations."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, ManualClock, register
from vault import (
    AccessDenied,
    BreakGlassReason,
    Category,
    Conflict,
    InvalidInput,
    NewAgreement,
    NewRecord,
    NotFound,
    Purpose,
    Registration,
    Role,
)

PRIVACY = actor("pia", "privacy_officer")
BUREAU = "bureau-x"


def _record(kluis: Harness, case: str = "C-1") -> str:
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


def _events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(b)) for b in rows]


def _mac(kluis: Harness, table: str, row_id: int) -> bytes:
    with kluis.engine.begin() as c:
        return bytes(c.execute(sa.text(f"SELECT mac FROM {table} WHERE id = :i"), {"i": row_id}).scalar_one())


def _set_mac(kluis: Harness, table: str, row_id: int, mac: bytes) -> None:
    with kluis.engine.begin() as c:
        c.execute(sa.text(f"UPDATE {table} SET mac = :m WHERE id = :i"), {"m": mac, "i": row_id})


def test_a_hidden_agreement_blocks_a_renewal_until_it_is_ended(timed: Harness, clock: ManualClock) -> None:
    """The DBA breaks the old agreement's MAC: the privacy officer cannot record a renewal beside it (it may hold
    again once the database is put back), and can end it all the same (ending only narrows)."""
    old = timed.vault.processors.record(
        PRIVACY, NewAgreement(processor=BUREAU, reference="VWO-OLD", roles=[Role.MEDICAL_ADVISER, Role.CLAIMS_HANDLER])
    ).agreement_id
    _set_mac(timed, "processing_agreements", old, b"\0" * 32)
    clock.advance(minutes=1)
    renewal = NewAgreement(processor=BUREAU, reference="VWO-NEW", roles=[Role.CLAIMS_HANDLER])
    with pytest.raises(Conflict):
        timed.vault.processors.record(PRIVACY, renewal)
    ended = timed.vault.processors.end(PRIVACY, old)
    assert ended.ended_at is not None and ended.sealed  # sealed again, as ended
    assert timed.vault.processors.record(PRIVACY, renewal).live


def test_an_ended_agreement_put_back_beside_its_renewal_lets_the_processor_act_in_no_role(
    timed: Harness, clock: ManualClock
) -> None:
    """The DBA restores the ended agreement whole (ended_at cleared, the old MAC back) next to the narrower renewal:
    two live, sealed agreements. Neither is trusted: no role counts, and both raise an integrity alert."""
    old = timed.vault.processors.record(
        PRIVACY, NewAgreement(processor=BUREAU, reference="VWO-OLD", roles=[Role.MEDICAL_ADVISER, Role.CLAIMS_HANDLER])
    ).agreement_id
    register(timed.vault, "dr.bakker", Role.MEDICAL_ADVISER, processor=BUREAU)
    timed.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.bakker", role=Role.MEDICAL_ADVISER)
    record = _record(timed)
    saved = _mac(timed, "processing_agreements", old)
    timed.vault.processors.end(PRIVACY, old)
    clock.advance(minutes=1)
    timed.vault.processors.record(
        PRIVACY, NewAgreement(processor=BUREAU, reference="VWO-NEW", roles=[Role.CLAIMS_HANDLER])
    )
    with timed.engine.begin() as c:
        c.execute(
            sa.text("UPDATE processing_agreements SET ended_at = NULL, ended_by = NULL, mac = :m WHERE id = :i"),
            {"m": saved, "i": old},
        )
    bakker = replace(actor("dr.bakker", "medical_adviser"), processor=BUREAU)
    with pytest.raises(NotFound):
        timed.vault.records.read(bakker, record, Purpose.CLAIM_ASSESSMENT)
    events = _events(timed)
    assert events[-1]["reason"] == "no_processing_agreement"
    alerts = sorted(e["target"] for e in events if e["event_type"] == "integrity.alert")
    assert alerts == [f"processing_agreement:{old}", f"processing_agreement:{old + 1}"]
    handler = replace(actor("henk", "claims_handler"), processor=BUREAU)
    with pytest.raises(NotFound):  # not even the role both agreements cover
        timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)


@pytest.mark.parametrize("processor", [None, BUREAU])
def test_an_officer_duty_hidden_at_registration_still_separates_duties(timed: Harness, processor: str | None) -> None:
    """DBA breaks olga's security-officer row MAC so the key admin's mixed-duty check skips it, olga is registered
    as an adviser, the DBA restores the MAC. For the controller's own token the standing lookup still refuses
    (separation_of_duties); for a processor token the officer row is filtered out and the adviser role counts."""
    if processor:
        timed.vault.processors.record(
            PRIVACY, NewAgreement(processor=BUREAU, reference="VWO-1", roles=[Role.MEDICAL_ADVISER])
        )
    duty = timed.vault.unit.register(REGISTRAR, Registration(user_id="olga", role=Role.SECURITY_OFFICER))
    saved = _mac(timed, "unit_members", duty)
    _set_mac(timed, "unit_members", duty, b"\0" * 32)
    register(timed.vault, "olga", Role.MEDICAL_ADVISER, processor=processor)
    timed.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="olga", role=Role.MEDICAL_ADVISER)
    _set_mac(timed, "unit_members", duty, saved)
    record = _record(timed)
    olga = replace(actor("olga", "medical_adviser"), processor=processor)
    with pytest.raises(NotFound):
        timed.vault.records.read(olga, record, Purpose.CLAIM_ASSESSMENT)
    assert _events(timed)[-1]["reason"] == "separation_of_duties"


def test_an_agreement_reference_never_carries_a_bsn_into_audit_events(timed: Harness) -> None:
    """R33: a BSN never appears in audit events; the agreement's reference is in every event of the processor's
    staff (actor.agreement), yet it is only checked against ^[\\w./ -]+$."""
    bsn = "111222333"  # passes the 11-test (fictional)
    try:
        timed.vault.processors.record(
            PRIVACY, NewAgreement(processor=BUREAU, reference=f"VWO {bsn}", roles=[Role.CLAIMS_HANDLER])
        )
    except (InvalidInput, ValueError):
        return
    _record(timed)
    handler = replace(actor("henk", "claims_handler"), processor=BUREAU)
    timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)
    leaked = [e["event_type"] for e in _events(timed) if bsn in json.dumps(e)]
    assert not leaked, f"BSN in audit events: {leaked}"


def test_an_ending_undone_by_clearing_ended_at_grants_nothing(timed: Harness) -> None:
    """Clearing ``ended_at`` alone breaks the MAC. (Putting the whole row back with its old MAC is the known limit of
    row MACs, docs/FORMATS.md; the audit log names the agreement's ending.)"""
    made = timed.vault.processors.record(
        PRIVACY, NewAgreement(processor=BUREAU, reference="VWO-1", roles=[Role.CLAIMS_HANDLER])
    )
    timed.vault.processors.end(PRIVACY, made.agreement_id)
    with timed.engine.begin() as c:
        c.execute(
            sa.text("UPDATE processing_agreements SET ended_at = NULL, ended_by = NULL WHERE id = :i"),
            {"i": made.agreement_id},
        )
    _record(timed)
    handler = replace(actor("henk", "claims_handler"), processor=BUREAU)
    with pytest.raises(NotFound):
        timed.vault.cases.view(handler, "C-1", Purpose.CLAIM_ASSESSMENT)


def test_the_audit_log_says_which_agreement_was_recorded_and_ended(timed: Harness) -> None:
    """The replay defence the docs rely on ('visible in the audit log') needs the end event to name the row; the
    events name only processor:roles, so two agreements with the same processor and roles are indistinguishable."""
    made = timed.vault.processors.record(
        PRIVACY, NewAgreement(processor=BUREAU, reference="VWO-1", roles=[Role.CLAIMS_HANDLER])
    )
    recorded = _events(timed)[-1]
    timed.vault.processors.end(PRIVACY, made.agreement_id)
    ended = _events(timed)[-1]
    assert (recorded["event_type"], ended["event_type"]) == ("agreement.record", "agreement.end")
    assert f"processing_agreement:{made.agreement_id}" in (ended["target"], ended["reference"]), ended["target"]
    assert "VWO-1" in json.dumps(recorded) or str(made.agreement_id) in json.dumps(recorded), recorded["target"]


def test_the_register_does_not_say_a_processors_member_counts_once_the_agreement_is_ended(timed: Harness) -> None:
    """MemberView.live ('counts' in `kluis unit list`) ignores the agreement: the key admin is told a bureau
    adviser counts while the standing lookup refuses every request (no_processing_agreement)."""
    made = timed.vault.processors.record(
        PRIVACY, NewAgreement(processor=BUREAU, reference="VWO-1", roles=[Role.MEDICAL_ADVISER])
    )
    register(timed.vault, "dr.bakker", Role.MEDICAL_ADVISER, processor=BUREAU)
    timed.vault.processors.end(PRIVACY, made.agreement_id)
    [member] = timed.vault.unit.members(REGISTRAR, "dr.bakker")
    assert not member.live


def test_a_processors_adviser_does_not_break_glass_into_any_of_the_controllers_cases(timed: Harness) -> None:
    timed.vault.processors.record(
        PRIVACY, NewAgreement(processor="bureau-x", reference="VWO-1", roles=[Role.MEDICAL_ADVISER])
    )
    register(timed.vault, "dr.bakker", Role.MEDICAL_ADVISER, processor="bureau-x")
    timed.vault.cases.refer(actor("anna", "claims_handler"), "C-9", "CUST-1", "Fictional: can the claimant work?")
    _record(timed, "C-9")  # a case nobody gave the bureau
    bakker = replace(actor("dr.bakker", "medical_adviser"), processor="bureau-x")
    with pytest.raises((AccessDenied, NotFound, InvalidInput)):
        timed.vault.break_glass.open(bakker, "C-9", BreakGlassReason.ADVISER_UNAVAILABLE, "fictional: urgent")


def test_a_bureaus_staff_member_is_not_supervised_by_another_processors_adviser(timed: Harness) -> None:
    for processor, role in (("bureau-x", Role.MEDICAL_STAFF), ("volmacht-y", Role.MEDICAL_ADVISER)):
        timed.vault.processors.record(PRIVACY, NewAgreement(processor=processor, reference="VWO-1", roles=[role]))
    register(timed.vault, "dr.y", Role.MEDICAL_ADVISER, processor="volmacht-y")
    with pytest.raises(InvalidInput):
        register(timed.vault, "tess", Role.MEDICAL_STAFF, supervisor="dr.y", processor="bureau-x")
