"""What every vault service shares: its dependencies, the unit of work, and the requester's relation to a case.

Each operation runs in one transaction that holds the decision's audit event. Data leaves only after that
transaction commits; if it cannot commit, the caller gets AuditUnavailable and nothing else (fail closed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vault import repository
from vault.audit_event import Actor
from vault.audit_log import AuditLog
from vault.data_keys import DataKeys
from vault.db import make_sessionmaker, writer_lock
from vault.errors import AuditUnavailable
from vault.keys import KeyProvider
from vault.policy import Policy
from vault.vocabulary import Relation, Role


def utc_now() -> datetime:
    return datetime.now(UTC)


class ServiceBase:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        read_sessions: sessionmaker[Session] | None = None,
        keys: KeyProvider,
        policy: Policy,
        audit: AuditLog,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._engine: Engine = sessions.kw["bind"]
        # Long reads of the audit log must not take SQLite's write lock (see vault.db).
        self._read_sessions = read_sessions or make_sessionmaker(self._engine, read_only=True)
        self._policy = policy
        self._audit = audit
        self._keys = keys
        self._data_keys = DataKeys(keys)
        self._clock = clock

    @property
    def policy(self) -> Policy:
        return self._policy

    def use_policy(self, policy: Policy) -> None:
        """Swap in a newly loaded policy (one attribute assignment: requests see the old or the new, never a mix)."""
        self._policy = policy

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One unit of work. A storage failure anywhere, the commit included, means the access did not happen."""
        try:
            with writer_lock(self._engine), self._sessions() as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise AuditUnavailable("storage unavailable: the access was not recorded, so it did not happen") from exc

    def _relations(self, session: Session, actor: Actor, case_ref: str, now: datetime) -> dict[Role, Relation]:
        return repository.relations_to_case(
            session,
            organisation=actor.organisation,
            case_ref=case_ref,
            user_id=actor.user,
            roles=roles_of(actor),
            now=now,
        )


def roles_of(actor: Actor) -> list[Role]:
    """The actor's roles that Kluis knows; unknown role names grant nothing."""
    known = {role.value for role in Role}
    return [Role(name) for name in actor.roles if name in known]


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
