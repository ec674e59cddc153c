"""Schema migrations on both databases: 0003 scopes data keys and keeps the keys made before it as pre-scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from vault import Settings
from vault._kit import make_engine, migrate


def test_upgrading_to_the_key_scope_keeps_existing_keys_as_pre_scope(database_url: str) -> None:
    engine = make_engine(database_url, foreign_keys=False)
    try:
        migrate(engine, "0002")
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO subjects (id, organisation, subject_ref, created_at) VALUES ('s1', 'o', 'r', :t)"),
                {"t": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO data_keys (id, subject_id, category, kek_version, wrapped, seals, created_at) "
                    "VALUES ('k1', 's1', 'health', 1, :w, 3, :t)"
                ),
                {"w": b"wrapped", "t": now},
            )
            # a sealed field under that key: SQLite's batch rebuild of data_keys must not break its foreign key
            connection.execute(
                sa.text(
                    "INSERT INTO records (id, organisation, subject_id, case_ref, category, kind, source, purpose, "
                    "status, created_by, created_at, updated_at) VALUES ('r1', 'o', 's1', 'C-1', 'health', "
                    "'medical_report', 'GP', 'claim_assessment', 'active', 'u', :t, :t)"
                ),
                {"t": now},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO record_fields (record_id, name, data_key_id, ciphertext) VALUES ('r1', 'f', 'k1', :c)"
                ),
                {"c": b"sealed"},
            )
        migrate(engine)
        with engine.begin() as connection:
            row = connection.execute(sa.text("SELECT case_ref, retention_class, seals FROM data_keys")).one()
            assert tuple(row) == (None, "case_file", 3)
            # a second key for the same subject and category is now lawful, in another case
            connection.execute(
                sa.text(
                    "INSERT INTO data_keys (id, subject_id, category, case_ref, retention_class, kek_version, "
                    "wrapped, seals, created_at) VALUES ('k2', 's1', 'health', 'C-2', 'case_file', 1, :w, 0, :t)"
                ),
                {"w": b"wrapped", "t": now},
            )
        duplicate = sa.text(
            "INSERT INTO data_keys (id, subject_id, category, case_ref, retention_class, kek_version, "
            "wrapped, seals, created_at) VALUES ('k3', 's1', 'health', 'C-2', 'case_file', 1, :w, 0, :t)"
        )
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:  # one key per scope
            connection.execute(duplicate, {"w": b"wrapped", "t": now})
    finally:
        engine.dispose()


def test_the_service_engine_enforces_foreign_keys_after_a_migration(database_url: str) -> None:
    migrating = make_engine(database_url, foreign_keys=False)
    migrate(migrating)
    migrating.dispose()
    engine = make_engine(database_url)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO record_fields (record_id, name, data_key_id, ciphertext) VALUES ('x', 'f', 'y', :c)"
                ),
                {"c": b"z"},
            )
    finally:
        engine.dispose()


def test_the_upgrade_to_row_macs_seals_existing_assignments_once(settings: Settings) -> None:
    from datetime import timedelta

    from tests.conftest import OPERATOR, actor
    from tests.harness import open_harness, register
    from vault import Category, NewRecord, Purpose, Role, initialise

    engine = make_engine(settings.effective_database_url, foreign_keys=False)
    migrate(engine, "0004")
    with engine.begin() as connection:  # an assignment made before row MACs
        connection.execute(
            sa.text(
                "INSERT INTO case_assignments (organisation, case_ref, user_id, role, relation, starts_at, created_by) "
                "VALUES ('default', 'C-1', 'dr.a', 'medical_adviser', 'assigned', :t, 'op')"
            ),
            {"t": datetime.now(UTC) - timedelta(days=1)},
        )
    engine.dispose()
    initialise(settings, OPERATOR)  # migrates to head and seals it, audited
    kluis = open_harness(settings)
    try:
        new = NewRecord(
            subject_ref="S-1",
            case_ref="C-1",
            category=Category.HEALTH,
            kind="medical_report",
            fields={"summary": "x"},
            source="GP",
            purpose=Purpose.CLAIM_ASSESSMENT,
        )
        register(kluis.vault, "dr.a", Role.MEDICAL_ADVISER)  # since 0007 the register confirms the role too
        assert kluis.vault.records.create(actor("dr.a", "medical_adviser"), new)
        with kluis.engine.connect() as connection:
            sealed = connection.scalar(
                sa.text("SELECT count(*) FROM audit_events WHERE event_type = 'assignment.seal'")
            )
        assert sealed == 1
    finally:
        kluis.close()


def test_the_upgrade_to_head_seals_adopts_the_old_head_once_and_only_then(settings: Settings) -> None:
    from tests.conftest import OPERATOR, actor
    from tests.harness import open_harness
    from vault import AuditQuery, AuditUnavailable, initialise
    from vault.audit import link_hash

    initialise(settings, OPERATOR)
    engine = make_engine(settings.effective_database_url, foreign_keys=False)
    with engine.begin() as connection:  # as a log from before head seals looks after the upgrade
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0005'"))
        connection.execute(sa.text("ALTER TABLE audit_head DROP COLUMN mac"))
        connection.execute(sa.text("DROP TABLE breaches"))  # what 0020 adds
        if engine.dialect.name == "postgresql":  # what 0019 adds
            for table in ("audit_events", "audit_checkpoints"):
                connection.execute(sa.text(f"DROP TRIGGER {table}_archived_only ON {table}"))
                connection.execute(sa.text(f"DROP FUNCTION kluis_{table}_archived_only()"))
        else:
            connection.execute(sa.text("DROP TRIGGER audit_archives_no_update"))
            connection.execute(sa.text("DROP TRIGGER audit_archives_no_delete"))
            for table in ("audit_events", "audit_checkpoints"):  # back to 0001's, which name no archive
                connection.execute(sa.text(f"DROP TRIGGER {table}_no_delete"))
                connection.execute(
                    sa.text(
                        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, 'x'); END"
                    )
                )
        connection.execute(sa.text("DROP TABLE audit_archives"))
        connection.execute(sa.text("ALTER TABLE cases DROP COLUMN closure_mac"))  # what 0018 adds
        connection.execute(sa.text("ALTER TABLE records DROP COLUMN retention_class"))
        connection.execute(sa.text("DROP TABLE medical_releases"))  # what 0016 and 0017 add
        connection.execute(sa.text("DROP TABLE record_field_versions"))  # what 0015 adds
        connection.execute(sa.text("ALTER TABLE records DROP COLUMN version"))
        for table in ("restriction_exceptions", "restrictions"):  # what 0014 adds
            connection.execute(sa.text(f"DROP TABLE {table}"))
        for table in ("erasures", "legal_holds", "subject_requests"):  # what 0013 adds
            connection.execute(sa.text(f"DROP TABLE {table}"))
        connection.execute(sa.text("DROP TABLE processing_agreements"))  # what 0012 adds (and unit_members' column)
        connection.execute(sa.text("DROP TABLE delegations"))  # what 0011 adds
        connection.execute(sa.text("ALTER TABLE case_assignments DROP COLUMN confirmed_at"))  # what 0010 adds
        connection.execute(sa.text("DROP TABLE break_glass_uses"))  # what 0009 adds
        connection.execute(sa.text("DROP TABLE unit_members"))  # what 0007 adds, to be added again
        connection.execute(sa.text("ALTER TABLE cases DROP COLUMN closed_at"))
        connection.execute(sa.text("ALTER TABLE cases DROP COLUMN closed_by"))
        connection.execute(sa.text("DROP INDEX ix_audit_organisation_seq"))  # what 0008 adds, and fills from bodies
        connection.execute(sa.text("ALTER TABLE audit_events DROP COLUMN organisation"))
    engine.dispose()
    officer = actor("sec", "security_officer")
    initialise(settings, OPERATOR)  # migrates 0005 -> 0006 and adopts the head it finds, audited
    kluis = open_harness(settings)
    try:
        found = kluis.vault.audit.search(officer, AuditQuery(limit=500)).events  # 0008 filled in each organisation
        organisations = [e["actor"]["organisation"] for e in found if isinstance(e["actor"], dict)]
        assert len(organisations) == len(found) >= 3 and set(organisations) == {"default"}
        assert kluis.vault.audit.verify(officer).ok  # the filled-in column says what each body says
        with kluis.engine.begin() as connection:
            adopted = connection.scalar(
                sa.text("SELECT count(*) FROM audit_events WHERE event_type = 'audit.head_seal'")
            )
            # an event appended as Kluis would (its link right), the head moved over it, the seal removed
            last = connection.execute(
                sa.text("SELECT seq, hash, body FROM audit_events ORDER BY seq DESC LIMIT 1")
            ).one()
            seq, chained = last[0] + 1, link_hash(last[0] + 1, bytes(last[1]), bytes(last[2]))
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (seq, prev_hash, hash, body, occurred_at, actor, event_type, outcome, "
                    "organisation) SELECT :s, :p, :h, body, occurred_at, actor, event_type, outcome, organisation "
                    "FROM audit_events WHERE seq = :l"
                ),
                {"s": seq, "p": bytes(last[1]), "h": chained, "l": last[0]},
            )
            connection.execute(
                sa.text("UPDATE audit_head SET seq = :s, hash = :h, mac = NULL"), {"s": seq, "h": chained}
            )
        assert adopted == 2  # the log's creation and the upgrade
    finally:
        kluis.close()
    with pytest.raises(AuditUnavailable):  # already at 0006, and that head is not at a signed checkpoint
        initialise(settings, OPERATOR)


def test_init_seals_an_unsealed_head_that_sits_at_a_valid_checkpoint(settings: Settings) -> None:
    """The half-way upgrade: 0006 recorded, the head not yet sealed. A head at a signed checkpoint is provably
    Kluis's, so the next init seals it; nothing appended after the checkpoint could be."""
    from tests.conftest import OPERATOR, actor
    from tests.harness import open_harness
    from vault import initialise

    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    try:
        kluis.vault._deps.guard.seal_audit_head()  # a checkpoint at the head
    finally:
        kluis.close()
    engine = make_engine(settings.effective_database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_head SET mac = NULL"))
    engine.dispose()
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    try:
        assert kluis.vault.audit.verify(actor("sec", "security_officer")).ok
    finally:
        kluis.close()
