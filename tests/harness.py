"""A running vault for tests, plus the database as an insider sees it: tests tamper through ``engine`` and
``sessions`` the way a database administrator could, and verify the stored chain without going through the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from vault import Actor, Clock, Registration, Role, Settings, Vault, Verification, open_vault
from vault.audit import checkpoints, head, iter_events, verify_chain
from vault.audit._log import AuditLog


@dataclass
class Harness:
    """A running vault and the insider's handles on its database."""

    vault: Vault
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    audit: AuditLog
    public_key: bytes

    @property
    def settings(self) -> Settings:
        return self.vault.settings

    def close(self) -> None:
        self.vault.close()


def open_harness(settings: Settings, clock: Clock | None = None) -> Harness:
    vault = open_vault(settings, clock)
    deps = vault._deps  # the test's view from inside the trust boundary
    return Harness(vault, deps.engine, deps.sessions, deps.read_sessions, deps.guard._audit_log, vault.audit.public_key)


def drop_append_only_guard(kluis: Harness) -> None:
    """What an attacker with database superuser rights does first: the audit tables' append-only triggers go."""
    with kluis.engine.begin() as connection:
        if kluis.engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
            connection.execute(text("DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints"))
            connection.execute(text("DROP TRIGGER audit_events_archived_only ON audit_events"))
            connection.execute(text("DROP TRIGGER audit_checkpoints_archived_only ON audit_checkpoints"))
            connection.execute(text("DROP TRIGGER audit_archives_append_only ON audit_archives"))
        else:
            for table in ("audit_events", "audit_checkpoints", "audit_archives"):
                connection.execute(text(f"DROP TRIGGER {table}_no_update"))
                connection.execute(text(f"DROP TRIGGER {table}_no_delete"))


def verify_stored(session: Session, public_key: bytes, max_checkpoint_gap: int) -> Verification:
    """Verify the chain up to the head this session sees, without an audit event of its own."""
    top = head(session)
    return verify_chain(
        iter_events(session, upto=top.seq),
        checkpoints(session),
        public_key,
        max_checkpoint_gap=max_checkpoint_gap,
        expected_head=top.seq,
    )


class ManualClock:
    """A clock the test sets and moves (to the minute, for boundary tests)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


REGISTRAR = Actor(user="operator:registrar", roles=("key_admin",), organisation="default")
_CREDENTIALS = {
    Role.MEDICAL_ADVISER: "12345678901",  # an 11-digit BIG number (fictional)
    Role.MEDICAL_STAFF: "CA-2026-001",  # a confidentiality agreement's reference
    Role.CRIMINAL_DATA_OFFICER: "AUTH-2026-7",  # an authorisation's reference
}


def register(
    vault: Vault,
    user_id: str,
    role: Role,
    *,
    supervisor: str | None = None,
    by: Actor = REGISTRAR,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    processor: str | None = None,
) -> int:
    """Put a user in the unit register in one role, on a fictional credential (staff under ``supervisor``, by
    default dr.jansen, who must be registered already; a processor's staff under its agreement)."""
    if role is Role.MEDICAL_STAFF and supervisor is None:
        supervisor = "dr.jansen"
    registration = Registration(
        user_id=user_id,
        role=role,
        credential=_CREDENTIALS.get(role),
        credential_date=datetime(2026, 1, 5, tzinfo=UTC) if role in _CREDENTIALS else None,
        supervisor=supervisor,
        processor=processor,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    return vault.unit.register(by, registration)


def enrol(vault: Vault, case_ref: str, user_id: str, role: Role, *, by: Actor = REGISTRAR, **kwargs: Any) -> int:
    """Register a user in a data role (advisers first: staff need theirs) and assign them to a case."""
    register(vault, user_id, role, supervisor=kwargs.pop("supervisor", None))
    return vault.assignments.assign(by, case_ref=case_ref, user_id=user_id, role=role, **kwargs)
