"""The vault service on SQLite and PostgreSQL: decide, audit, then decrypt — and nothing leaves otherwise."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from tests.conftest import OPERATOR, actor
from tests.harness import Harness, drop_append_only_guard, enrol, verify_stored
from vault import (
    AccessDenied,
    Actor,
    AuditUnavailable,
    Category,
    DecryptionFailed,
    NewRecord,
    NotFound,
    Purpose,
    Role,
    VaultError,
)
from vault import audit as audit_log
from vault.models import Record, RecordField
from vault.models.audit import AuditEventRow

CANARY = "CANARY-HEALTH-7f3a9c"
ADVISER = actor("dr.jansen", "medical_adviser")
STAFF = actor("nurse.bakker", "medical_staff", responsible_user="dr.jansen")
OFFICER = actor("c.officer", "criminal_data_officer")
HANDLER = actor("claims.de.vries", "claims_handler")


def health_record(case: str = "CLAIM-1", subject: str = "CUST-1") -> NewRecord:
    return NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": CANARY, "physician": "Dr. Fictional"},
        source="GP under consent",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )


def events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        bodies = session.execute(sa.select(AuditEventRow.body).order_by(AuditEventRow.seq)).scalars()
        return [json.loads(b) for b in bodies]


def assign(kluis: Harness, who: str, role: Role, case: str = "CLAIM-1", **kwargs: Any) -> None:
    """Register the user in the role (again: a second registration is harmless) and assign them to the case."""
    enrol(kluis.vault, case, who, role, by=OPERATOR, **kwargs)


@pytest.fixture
def stored(kluis: Harness) -> str:
    assign(kluis, "dr.jansen", Role.MEDICAL_ADVISER)
    return kluis.vault.records.create(ADVISER, health_record()).record_id


def test_assigned_adviser_reads_and_the_read_is_audited_with_its_rule(kluis: Harness, stored: str) -> None:
    view = kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    assert view.fields == {"summary": CANARY, "physician": "Dr. Fictional"}
    last = events(kluis)[-1]
    assert last["event_type"] == "record.read" and last["outcome"] == "allowed"
    assert last["rule"] == "p, medical_adviser, health, read, health_purposes, case_member, allow"
    assert last["fields"] == ["physician", "summary"] and last["record_id"] == stored
    assert last["purpose"] == "claim_assessment" and last["sensitivity"] == "special-category"
    assert CANARY not in json.dumps(events(kluis))


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        (actor("dr.other", "medical_adviser"), NotFound),  # unassigned unit member: existence is not revealed
        (HANDLER, AccessDenied),  # the claims side sees the record in the case view, never its values
        (OFFICER, NotFound),
        (actor("sec", "security_officer"), NotFound),
        (actor("fg", "privacy_officer"), NotFound),
        (actor("keys", "key_admin"), NotFound),
        (actor("dr.jansen", "medical_adviser", "key_admin"), NotFound),  # separation of duties: deny overrides
    ],
    ids=["unassigned-adviser", "claims", "criminal-officer", "security", "privacy", "key-admin", "adviser+key-admin"],
)
def test_everyone_else_is_refused_and_the_denial_is_audited(
    kluis: Harness, stored: str, who: Actor, refusal: type[VaultError]
) -> None:
    with pytest.raises(refusal):
        kluis.vault.records.read(who, stored, Purpose.CLAIM_ASSESSMENT)
    last = events(kluis)[-1]
    assert last["outcome"] == "denied" and last["actor"]["user"] == who.user and last["fields"] == []
    assert last["record_id"] == stored  # the audit log knows what was attempted, the caller does not


def test_other_organisation_sees_no_such_record(kluis: Harness, stored: str) -> None:
    foreign = actor("dr.jansen", "medical_adviser", organisation="other-insurer")
    with pytest.raises(NotFound):
        kluis.vault.records.read(foreign, stored, Purpose.CLAIM_ASSESSMENT)
    assert events(kluis)[-1]["reason"] == "not_found"


def test_unknown_record_is_audited_as_denied(kluis: Harness) -> None:
    with pytest.raises(NotFound):
        kluis.vault.records.read(ADVISER, "not-a-uuid'; DROP TABLE records", Purpose.CLAIM_ASSESSMENT)
    last = events(kluis)[-1]
    assert last["outcome"] == "denied" and last["record_id"] is None


def test_staff_read_names_the_responsible_adviser(kluis: Harness, stored: str) -> None:
    assign(kluis, "nurse.bakker", Role.MEDICAL_STAFF)
    kluis.vault.records.read(STAFF, stored, Purpose.CLAIM_ASSESSMENT)
    assert events(kluis)[-1]["actor"]["responsible_user"] == "dr.jansen"


def test_expired_and_revoked_assignments_give_no_access(kluis: Harness, stored: str) -> None:
    past = datetime.now(UTC) - timedelta(days=10)
    assign(kluis, "dr.past", Role.MEDICAL_ADVISER, starts_at=past, ends_at=past + timedelta(days=1))
    with pytest.raises(NotFound):
        kluis.vault.records.read(actor("dr.past", "medical_adviser"), stored, Purpose.CLAIM_ASSESSMENT)
    kluis.vault.assignments.revoke(OPERATOR, case_ref="CLAIM-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    with pytest.raises(NotFound):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)


def test_assignment_to_one_case_gives_nothing_on_another(kluis: Harness, stored: str) -> None:
    assign(kluis, "dr.jansen", Role.MEDICAL_ADVISER, case="CLAIM-2")
    other = kluis.vault.records.create(ADVISER, health_record(case="CLAIM-2", subject="CUST-1")).record_id
    kluis.vault.assignments.revoke(OPERATOR, case_ref="CLAIM-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    assert kluis.vault.records.read(ADVISER, other, Purpose.CLAIM_ASSESSMENT).fields["summary"] == CANARY
    with pytest.raises(NotFound):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)


def test_only_key_admin_manages_assignments(kluis: Harness) -> None:
    with pytest.raises(AccessDenied):
        kluis.vault.assignments.assign(ADVISER, case_ref="CLAIM-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    assert events(kluis)[-1]["event_type"] == "assignment.create" and events(kluis)[-1]["outcome"] == "denied"


def test_unassigned_create_is_denied_and_stores_nothing(kluis: Harness) -> None:
    with pytest.raises(AccessDenied):
        kluis.vault.records.create(ADVISER, health_record())
    with kluis.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Record)) == 0
    assert events(kluis)[-1]["outcome"] == "denied"


def test_criminal_officer_reads_criminal_not_health(kluis: Harness, stored: str) -> None:
    assign(kluis, "c.officer", Role.CRIMINAL_DATA_OFFICER, case="APP-1")
    record = NewRecord(
        subject_ref="CUST-1",
        case_ref="APP-1",
        category=Category.CRIMINAL,
        kind="declared_fact",
        fields={"fact": "CANARY-CRIM"},
        source="applicant",
        purpose=Purpose.ACCEPTANCE,
    )
    created = kluis.vault.records.create(OFFICER, record)
    assert kluis.vault.records.read(OFFICER, created.record_id, Purpose.ACCEPTANCE).fields == {"fact": "CANARY-CRIM"}
    with pytest.raises(NotFound):
        kluis.vault.records.read(OFFICER, created.record_id, Purpose.CLAIM_ASSESSMENT)  # not an R22 purpose
    with pytest.raises(NotFound):
        kluis.vault.records.read(OFFICER, stored, Purpose.ACCEPTANCE)


# -- fail closed ----------------------------------------------------------------------------------------------
def test_audit_failure_releases_no_data(kluis: Harness, stored: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO audit_events", {}, Exception("disk I/O error"))

    monkeypatch.setattr(kluis.audit, "append", broken)
    with pytest.raises(AuditUnavailable) as raised:
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    assert CANARY not in repr(raised.value) and CANARY not in str(raised.value.__cause__)


def test_audit_table_unwritable_releases_no_data_and_stores_nothing(kluis: Harness, stored: str) -> None:
    with kluis.engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE audit_events RENAME TO audit_events_moved"))
    with pytest.raises(AuditUnavailable):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    with pytest.raises(AuditUnavailable):
        kluis.vault.records.create(ADVISER, health_record(subject="CUST-9"))
    with kluis.engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE audit_events_moved RENAME TO audit_events"))
        assert connection.scalar(sa.text("SELECT count(*) FROM records")) == 1  # the failed create left nothing


def test_database_refuses_update_and_delete_on_audit_tables(kluis: Harness, stored: str) -> None:
    for _ in range(10):  # so that both tables have rows (SQLite row triggers fire per row)
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    for statement in (
        "UPDATE audit_events SET actor = 'nobody'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_checkpoints",
    ):
        with pytest.raises(sa.exc.DBAPIError), kluis.engine.begin() as connection:
            connection.execute(sa.text(statement))
    with kluis.read_sessions() as session:
        key = kluis.public_key
        assert verify_stored(session, key, kluis.audit.checkpoint_interval).ok


def test_tampered_field_ciphertext_is_refused_and_audited_as_failed(kluis: Harness, stored: str) -> None:
    with kluis.sessions() as session, session.begin():
        field = session.get(RecordField, (stored, "summary"))
        assert field is not None
        field.ciphertext = field.ciphertext[:-1] + bytes([field.ciphertext[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    last = events(kluis)[-1]
    assert last["outcome"] == "failed" and last["reason"] == "decryption_failed"


def test_ciphertext_copied_to_another_record_does_not_open(kluis: Harness, stored: str) -> None:
    other = kluis.vault.records.create(ADVISER, health_record(subject="CUST-1")).record_id  # same subject, same DEK
    with kluis.sessions() as session, session.begin():
        source = session.get(RecordField, (stored, "summary"))
        target = session.get(RecordField, (other, "summary"))
        assert source is not None and target is not None
        target.ciphertext = source.ciphertext
    with pytest.raises(DecryptionFailed):
        kluis.vault.records.read(ADVISER, other, Purpose.CLAIM_ASSESSMENT)


# -- the audit chain in the database ---------------------------------------------------------------------------


def test_event_edited_in_the_database_is_found_at_its_seq(kluis: Harness, stored: str) -> None:
    for _ in range(12):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    drop_append_only_guard(kluis)
    with kluis.engine.begin() as connection:
        body = connection.scalar(sa.text("SELECT body FROM audit_events WHERE seq = 7"))
        forged = bytes(body).replace(b'"outcome":"allowed"', b'"outcome":"denied"')
        connection.execute(sa.text("UPDATE audit_events SET body = :b WHERE seq = 7"), {"b": forged})
    with kluis.read_sessions() as session:
        result = verify_stored(session, kluis.public_key, 10)
    assert not result.ok and result.problem == "altered" and result.first_bad_seq == 7


def test_event_deleted_in_the_database_is_found_at_its_seq(kluis: Harness, stored: str) -> None:
    for _ in range(12):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    drop_append_only_guard(kluis)
    with kluis.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_events WHERE seq = 9"))
    with kluis.read_sessions() as session:
        result = verify_stored(session, kluis.public_key, 10)
    assert not result.ok and result.problem == "removed" and result.first_bad_seq == 9


def test_checkpoints_are_signed_every_interval(kluis: Harness, stored: str) -> None:
    for _ in range(25):
        kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT)
    with kluis.read_sessions() as session:
        head = audit_log.head(session)
        signed = sorted(audit_log.checkpoints(session))
        # every 10 events, plus the first append's (no checkpoint yet, so one was due); the test runs well within
        # the 5 s after which a timed checkpoint would be due again
        assert signed == [1, *range(10, head.seq + 1, 10)]
        result = verify_stored(session, kluis.public_key, 10)
    assert result.ok and result.checkpoints == len(signed)


# -- keys ------------------------------------------------------------------------------------------------------
def test_kek_rotation_rewraps_data_keys_and_leaves_field_ciphertexts_alone(kluis: Harness, stored: str) -> None:
    with kluis.sessions() as session:
        before = {f.name: f.ciphertext for f in session.execute(sa.select(RecordField)).scalars()}
    rotation = kluis.vault.keys.rotate(OPERATOR, Category.HEALTH)
    assert rotation.version == 2 and rotation.rewrapped == 1
    with kluis.sessions() as session:
        after = {f.name: f.ciphertext for f in session.execute(sa.select(RecordField)).scalars()}
        versions = set(session.execute(sa.text("SELECT kek_version FROM data_keys")).scalars())
    assert after == before and versions == {2}
    assert kluis.vault.records.read(ADVISER, stored, Purpose.CLAIM_ASSESSMENT).fields["summary"] == CANARY


def test_field_seals_are_counted_per_data_key(kluis: Harness, stored: str) -> None:
    kluis.vault.records.create(ADVISER, health_record())
    with kluis.sessions() as session:
        assert session.scalar(sa.text("SELECT seals FROM data_keys")) == 4
