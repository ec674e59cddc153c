"""Least privilege on PostgreSQL: migrated by an owner role, served by a role that can only add to the audit log —
it cannot update, delete, truncate, disable triggers or skip them (the insider issue's finding 3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import enrol, open_harness
from vault import Category, NewRecord, Purpose, Role, grant_service_role, initialise


def _url(admin_url: str, user: str, schema: str) -> str:
    base = sa.engine.make_url(admin_url).set(username=user)
    return f"{base.render_as_string(hide_password=False)}?options=-csearch_path%3D{schema}"


@pytest.fixture
def roles(postgres_admin_url: str) -> Iterator[tuple[str, str]]:
    """(owner URL, service URL) on a fresh schema owned by a fresh owner role."""
    suffix = uuid.uuid4().hex[:8]
    owner, service, schema = f"kluis_owner_{suffix}", f"kluis_app_{suffix}", f"s_{suffix}"
    admin = sa.create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {owner} LOGIN")
        connection.exec_driver_sql(f"CREATE ROLE {service} LOGIN")
        connection.exec_driver_sql(f"CREATE SCHEMA {schema} AUTHORIZATION {owner}")
    try:
        yield _url(postgres_admin_url, owner, schema), _url(postgres_admin_url, service, schema)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            for role in (service, owner):
                connection.exec_driver_sql(f"DROP OWNED BY {role}")
                connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


@pytest.mark.postgres
def test_the_service_role_serves_and_cannot_change_or_silence_the_audit_log(
    tmp_path: Path, roles: tuple[str, str]
) -> None:
    owner_url, service_url = roles
    owner_settings = make_settings(tmp_path, owner_url)
    initialise(owner_settings, OPERATOR)
    schema = service_url.rsplit("%3D", 1)[1]
    service_role = sa.engine.make_url(service_url).username
    assert service_role is not None
    grant_service_role(owner_settings, service_role, schema, apply=True)

    service = open_harness(make_settings(tmp_path, service_url))  # same keys and data dir, the service's role
    try:
        enrol(service.vault, "C-1", "dr.a", Role.MEDICAL_ADVISER, by=OPERATOR)
        adviser = actor("dr.a", "medical_adviser")
        new = NewRecord(
            subject_ref="S-1",
            case_ref="C-1",
            category=Category.HEALTH,
            kind="medical_report",
            fields={"summary": "x"},
            source="GP",
            purpose=Purpose.CLAIM_ASSESSMENT,
        )
        created = service.vault.records.create(adviser, new)
        assert service.vault.records.read(adviser, created.record_id, Purpose.CLAIM_ASSESSMENT).fields == {
            "summary": "x"
        }
        service.vault.records.update(adviser, created.record_id, Purpose.CLAIM_ASSESSMENT, {"summary": "y"})
        history = service.vault.records.history(adviser, created.record_id, Purpose.CLAIM_ASSESSMENT)
        assert [v.fields for v in history.versions] == [{"summary": "x"}]
        assert service.vault.audit.verify(actor("sec", "security_officer")).ok
        for statement in (
            "UPDATE record_field_versions SET replaced_by = 'nobody'",  # what a change replaced stays as it was
            "DELETE FROM record_field_versions",
            "UPDATE audit_events SET actor = 'nobody'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
            "DELETE FROM audit_checkpoints",
            "ALTER TABLE audit_events DISABLE TRIGGER USER",
            "ALTER TABLE audit_events DISABLE TRIGGER ALL",
            "SET session_replication_role = replica",
            "DROP TRIGGER audit_events_append_only ON audit_events",
        ):
            with pytest.raises(sa.exc.DBAPIError) as refused, service.engine.begin() as connection:
                connection.exec_driver_sql(statement)
            assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)
    finally:
        service.close()


def test_the_grants_are_printable_and_name_only_what_the_service_needs() -> None:
    from vault._kit import service_grants

    statements = service_grants("kluis_app")
    kept = (
        'public."audit_events", public."audit_checkpoints", public."audit_archives", public."record_field_versions", '
        'public."medical_releases"'
    )
    assert f"GRANT SELECT, INSERT ON {kept} TO kluis_app" in statements
    assert not [s for s in statements if "audit_events" in s and ("UPDATE" in s or "DELETE" in s) and "GRANT" in s]
    with pytest.raises(ValueError):
        service_grants("app; DROP TABLE records")
