"""Rows that grant access carry a MAC: an assignment inserted, edited or un-revoked in the database grants nothing,
and the attempt raises an integrity alert (the insider issue's finding 4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import Harness, enrol, register
from vault import Category, NewRecord, NotFound, Purpose, Role

ADVISER = actor("dr.jansen", "medical_adviser")


def _events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(b)) for b in rows]


@pytest.fixture
def stored(kluis: Harness) -> str:
    enrol(kluis.vault, "CLAIM-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref="CLAIM-1",
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY-MAC"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    return kluis.vault.records.create(ADVISER, new).record_id


def test_an_assignment_inserted_in_the_database_grants_nothing_and_alerts(kluis: Harness, stored: str) -> None:
    intruder = actor("mallory", "medical_adviser")
    register(kluis.vault, "mallory", Role.MEDICAL_ADVISER)  # a registered adviser, not on this case
    with kluis.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO case_assignments (organisation, case_ref, user_id, role, relation, starts_at, created_by) "
                "VALUES ('default', 'CLAIM-1', 'mallory', 'medical_adviser', 'assigned', :t, 'dba')"
            ),
            {"t": datetime.now(UTC) - timedelta(hours=1)},
        )
    with pytest.raises(NotFound):
        kluis.vault.records.read(intruder, stored, Purpose.CLAIM_ASSESSMENT)
    alert = [e for e in _events(kluis) if e["event_type"] == "integrity.alert"]
    assert len(alert) == 1 and alert[0]["reason"] == "mac_invalid" and alert[0]["case_ref"] == "CLAIM-1"


def test_an_assignment_copied_to_another_user_grants_nothing(kluis: Harness, stored: str) -> None:
    with kluis.engine.begin() as connection:  # the real row's MAC, moved onto mallory
        connection.execute(sa.text("UPDATE case_assignments SET user_id = 'mallory'"))
    with pytest.raises(NotFound):
        kluis.vault.records.read(actor("mallory", "medical_adviser"), stored, Purpose.CLAIM_ASSESSMENT)


def test_a_revocation_undone_in_the_database_grants_nothing(kluis: Harness, stored: str) -> None:
    kluis.vault.assignments.revoke(OPERATOR, case_ref="CLAIM-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    with kluis.engine.begin() as connection:
        connection.execute(sa.text("UPDATE case_assignments SET revoked_at = NULL"))
    with pytest.raises(NotFound):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    assert _events(kluis)[-2]["event_type"] == "integrity.alert"


def test_an_end_date_moved_in_the_database_grants_nothing(kluis: Harness, stored: str) -> None:
    with kluis.engine.begin() as connection:
        connection.execute(sa.text("UPDATE case_assignments SET ends_at = :t"), {"t": datetime.now(UTC) + timedelta(1)})
    with pytest.raises(NotFound):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)


def test_sealed_assignments_still_grant_what_they_say(kluis: Harness, stored: str) -> None:
    assert kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT).fields == {"summary": "CANARY-MAC"}
    assert not [e for e in _events(kluis) if e["event_type"] == "integrity.alert"]


@pytest.mark.parametrize(
    ("column", "value", "reader"),
    [
        ("case_ref", "CLAIM-OTHER", actor("dr.other", "medical_adviser")),
        ("organisation", "other-insurer", actor("dr.other", "medical_adviser", organisation="other-insurer")),
    ],
    ids=["record-moved-to-another-case", "record-moved-to-another-organisation"],
)
def test_a_record_moved_in_the_database_opens_for_nobody_there(
    kluis: Harness, stored: str, column: str, value: str, reader: Any
) -> None:
    """Field format 2 binds organisation and case: the decision follows the edited row, the ciphertext does not."""
    from vault import DecryptionFailed

    assign_as = actor("operator:test", "key_admin", organisation=reader.organisation)
    register(kluis.vault, "dr.other", Role.MEDICAL_ADVISER, by=assign_as)
    kluis.vault.assignments.assign(
        assign_as, case_ref=value if column == "case_ref" else "CLAIM-1", user_id="dr.other", role=Role.MEDICAL_ADVISER
    )
    with kluis.engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE records SET {column} = :v"), {"v": value})
        if column == "organisation":
            connection.execute(sa.text('UPDATE "references" SET organisation = :v'), {"v": value})
    with pytest.raises(DecryptionFailed) as refused:
        kluis.vault.records.read(reader, stored, Purpose.CLAIM_ASSESSMENT)
    assert "CANARY-MAC" not in str(refused.value)
    last = _events(kluis)[-1]
    assert last["event_type"] == "record.read" and last["outcome"] == "failed"
    assert last["reason"] == "decryption_failed" and last["actor"]["user"] == "dr.other"
