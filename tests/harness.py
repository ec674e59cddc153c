"""A running vault for tests, plus the database as an insider sees it: tests tamper through ``engine`` and
``sessions`` the way a database administrator could, and verify the stored chain without going through the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vault import Clock, Settings, Vault, Verification, open_vault
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
