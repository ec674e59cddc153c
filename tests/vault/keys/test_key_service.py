"""The key admin's operations through the guard: status, rotation and the migration of pre-scope data keys."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import Harness, enrol
from vault import AccessDenied, Category, NewRecord, Purpose, Role

ADVISER = actor("dr.jansen", "medical_adviser")


def record(case: str, value: str) -> NewRecord:
    return NewRecord(
        subject_ref="CUST-1",
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": value, "note": f"{value}-note"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )


def events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(b)) for b in rows]


def test_a_data_key_covers_one_subject_category_and_case(kluis: Harness) -> None:
    for case in ("CLAIM-1", "CLAIM-2"):
        enrol(kluis.vault, case, "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    kluis.vault.records.create(ADVISER, record("CLAIM-1", "a"))
    kluis.vault.records.create(ADVISER, record("CLAIM-1", "b"))
    kluis.vault.records.create(ADVISER, record("CLAIM-2", "c"))
    with kluis.engine.connect() as connection:
        scopes = connection.execute(sa.text("SELECT case_ref, retention_class, seals FROM data_keys")).all()
    assert sorted(scopes) == [("CLAIM-1", "case_file", 4), ("CLAIM-2", "case_file", 2)]


def test_key_operations_are_the_key_admins_and_audited(kluis: Harness) -> None:
    security = actor("sec", "security_officer")
    for operation in (
        lambda: kluis.vault.keys.status(security),
        lambda: kluis.vault.keys.rotate(security, Category.HEALTH),
        lambda: kluis.vault.keys.migrate(security),
    ):
        with pytest.raises(AccessDenied):
            operation()
    denied = [e["event_type"] for e in events(kluis) if e["outcome"] == "denied"]
    assert denied == ["keys.status", "keys.rotate", "keys.migrate"]
    rotation = kluis.vault.keys.rotate(OPERATOR, Category.CRIMINAL)
    assert rotation.version == 2
    last_two = events(kluis)[-2:]
    assert [e["event_type"] for e in last_two] == ["keys.rotate", "keys.rotate"]
    assert last_two[0]["category"] == "criminal" and last_two[1]["reason"] == "completed"


def test_migration_reseals_pre_scope_keys_and_destroys_them(kluis: Harness) -> None:
    for case in ("CLAIM-1", "CLAIM-2"):
        enrol(kluis.vault, case, "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    first = kluis.vault.records.create(ADVISER, record("CLAIM-1", "first"))
    with kluis.engine.begin() as connection:  # make its key what 0003 leaves for keys made before the scope
        connection.execute(sa.text("UPDATE data_keys SET case_ref = NULL"))
        (legacy_id,) = connection.execute(sa.text("SELECT id FROM data_keys")).scalars()
    second = kluis.vault.records.create(ADVISER, record("CLAIM-2", "second"))
    status = {s.category: s for s in kluis.vault.keys.status(OPERATOR)}
    assert status[Category.HEALTH].in_use[0].pre_scope_keys == 1

    result = kluis.vault.keys.migrate(OPERATOR)

    assert (result.keys_migrated, result.fields_resealed) == (1, 2)
    assert kluis.vault.records.read(ADVISER, first.record_id, Purpose.CLAIM_ASSESSMENT).fields["summary"] == "first"
    assert kluis.vault.records.read(ADVISER, second.record_id, Purpose.CLAIM_ASSESSMENT).fields["note"] == "second-note"
    with kluis.engine.connect() as connection:
        wrapped = connection.scalar(sa.text("SELECT wrapped FROM data_keys WHERE id = :k"), {"k": legacy_id})
        in_use = set(connection.execute(sa.text("SELECT DISTINCT data_key_id FROM record_fields")).scalars())
    assert wrapped is None and legacy_id not in in_use
    assert kluis.vault.keys.migrate(OPERATOR).keys_migrated == 0  # repeatable: nothing left


def test_migration_keeps_a_pre_scope_key_that_still_seals_earlier_values(kluis: Harness) -> None:
    """R28 keeps what a change replaced under the key that sealed it: the migration re-seals the current fields and
    leaves that key live, so the history still opens, and a second run has nothing to do."""
    enrol(kluis.vault, "CLAIM-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    created = kluis.vault.records.create(ADVISER, record("CLAIM-1", "first"))
    with kluis.engine.begin() as connection:
        connection.execute(sa.text("UPDATE data_keys SET case_ref = NULL"))
        (legacy_id,) = connection.execute(sa.text("SELECT id FROM data_keys")).scalars()
    kluis.vault.records.update(ADVISER, created.record_id, Purpose.CLAIM_ASSESSMENT, {"summary": "second"})

    assert kluis.vault.keys.migrate(OPERATOR).keys_migrated == 1

    history = kluis.vault.records.history(ADVISER, created.record_id, Purpose.CLAIM_ASSESSMENT)
    assert history.current.fields["summary"] == "second" and history.versions[0].fields == {"summary": "first"}
    with kluis.engine.connect() as connection:
        wrapped = connection.scalar(sa.text("SELECT wrapped FROM data_keys WHERE id = :k"), {"k": legacy_id})
        in_use = set(connection.execute(sa.text("SELECT DISTINCT data_key_id FROM record_fields")).scalars())
    assert wrapped is not None and legacy_id not in in_use
    assert kluis.vault.keys.migrate(OPERATOR).keys_migrated == 0


def test_a_key_grant_runs_its_own_operation_once(kluis: Harness) -> None:
    from vault.access import Grant, Target, Work
    from vault.audit import About, EventType
    from vault.vocabulary import Action, Resource

    kept: list[Grant] = []

    def decide(work: Work) -> None:
        target = Target(Resource.KEYS, About(category="health"))
        kept.append(work.authorize(EventType.KEYS_ROTATE, Action.MANAGE, Purpose.ADMINISTRATION, target))

    kluis.vault._deps.guard.run(OPERATOR, decide)
    grant = kept[0]
    with pytest.raises(PermissionError):
        grant.migrate_legacy_keys()  # decided as a rotation
    assert grant.rotate_data_keys()[0] == 2
    with pytest.raises(PermissionError):
        grant.rotate_data_keys()  # used up


def test_a_reseal_leaves_a_field_that_moved_off_the_old_key_alone(kluis: Harness) -> None:
    """The migration's update names the old key: a field changed meanwhile (an update sealed it under another key)
    is not overwritten with the value read before."""
    from vault.access import _repository

    enrol(kluis.vault, "CLAIM-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    created = kluis.vault.records.create(ADVISER, record("CLAIM-1", "now"))
    with kluis.sessions() as session, session.begin():
        before = session.execute(
            sa.text("SELECT data_key_id, ciphertext FROM record_fields WHERE name='summary'")
        ).one()
        change: dict[str, object] = {
            "record_id": created.record_id,
            "name": "summary",
            "data_key_id": "k-new",
            "ciphertext": b"stale",
        }
        _repository.reseal_fields(session, "some-other-old-key", [change])
        after = session.execute(sa.text("SELECT data_key_id, ciphertext FROM record_fields WHERE name='summary'")).one()
    assert tuple(after) == tuple(before)


def _as_format_one(kluis: Harness) -> None:
    """Rewrite every stored field as format 1 sealed it (no organisation or case in its associated data)."""
    from vault.crypto import FieldContext

    guard = kluis.vault._deps.guard
    with kluis.sessions() as session, session.begin():
        rows = session.execute(
            sa.text(
                "SELECT f.record_id, f.name, f.data_key_id, f.ciphertext, r.category, r.subject_id, r.organisation, "
                "r.case_ref FROM record_fields f JOIN records r ON r.id = f.record_id"
            )
        ).all()
        for record_id, name, key_id, envelope, category, subject, organisation, case in rows:
            key = guard._data_keys.for_opening(session, [key_id])[key_id]
            value = key.open(
                FieldContext(record_id, name, category, subject, key_id, organisation, case), bytes(envelope)
            )
            old = bytes([1]) + key._aead.seal(
                value.encode(), FieldContext(record_id, name, category, subject, key_id).associated_data(1)
            )
            session.execute(
                sa.text("UPDATE record_fields SET ciphertext = :c WHERE record_id = :r AND name = :n"),
                {"c": old, "r": record_id, "n": name},
            )


def test_migration_reseals_format_one_fields_in_format_two_under_their_own_key(kluis: Harness) -> None:
    enrol(kluis.vault, "CLAIM-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    created = kluis.vault.records.create(ADVISER, record("CLAIM-1", "old"))
    _as_format_one(kluis)
    with kluis.engine.connect() as connection:
        keys_before = set(connection.execute(sa.text("SELECT data_key_id FROM record_fields")).scalars())
    assert kluis.vault.records.read(ADVISER, created.record_id, Purpose.CLAIM_ASSESSMENT).fields["summary"] == "old"

    result = kluis.vault.keys.migrate(OPERATOR)

    assert (result.keys_migrated, result.fields_resealed, result.fields_failed) == (0, 2, 0)
    with kluis.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT data_key_id, ciphertext FROM record_fields")).all()
    assert {bytes(c)[0] for _, c in stored} == {2} and {k for k, _ in stored} == keys_before  # same key, format 2
    assert kluis.vault.records.read(ADVISER, created.record_id, Purpose.CLAIM_ASSESSMENT).fields["note"] == "old-note"
    assert kluis.vault.keys.migrate(OPERATOR).fields_resealed == 0  # repeatable: nothing left
    assert events(kluis)[-1]["reason"] == "completed"


def test_a_tampered_format_one_field_is_left_and_reported(kluis: Harness) -> None:
    enrol(kluis.vault, "CLAIM-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    kluis.vault.records.create(ADVISER, record("CLAIM-1", "old"))
    _as_format_one(kluis)
    with kluis.engine.begin() as connection:
        envelope = bytes(connection.scalar(sa.text("SELECT ciphertext FROM record_fields WHERE name = 'note'")))
        connection.execute(
            sa.text("UPDATE record_fields SET ciphertext = :c WHERE name = 'note'"),
            {"c": envelope[:-1] + bytes([envelope[-1] ^ 1])},
        )
    result = kluis.vault.keys.migrate(OPERATOR)
    assert (result.fields_resealed, result.fields_failed) == (1, 1)
    assert events(kluis)[-1]["outcome"] == "failed" and events(kluis)[-1]["reason"] == "decryption_failed"
