"""The current policy, kept in step with the database for every process that decides: HTTP workers, the CLI and
background jobs alike (no pycasbin watcher).

``current()`` compares the stored policy rules with the loaded ones at most every ``refresh_seconds`` and swaps in
the new policy when they differ (one attribute assignment: a decision sees the old policy or the new, never a mix).
The database is the one source, so this works the same across workers and hosts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vault.access import _repository as repository
from vault.access._policy import Policy
from vault.access._policy_files import Rule
from vault.errors import PolicyUnavailable

log = structlog.get_logger(__name__)


class PolicyStore:
    def __init__(
        self,
        read_sessions: sessionmaker[Session],
        model_text: str,
        explain_model_text: str,
        refresh_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read_sessions = read_sessions
        self._model_text = model_text
        self._explain_text = explain_model_text
        self._interval = refresh_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._policy: Policy | None = None
        self._checked = monotonic()

    def compile(self, rules: list[Rule]) -> Policy:
        """A policy over these rules with this store's models (not installed)."""
        return Policy(self._model_text, self._explain_text, rules)

    def current(self) -> Policy:
        """The policy to decide with; refuses (PolicyUnavailable) when the database holds none."""
        policy = self._policy
        if policy is None:
            return self._load()
        if self._monotonic() - self._checked >= self._interval and self._lock.acquire(blocking=False):
            try:
                self._checked = self._monotonic()
                rules = self.stored_rules()
                if rules != policy.rules:
                    policy = self._install(rules)
                    log.info("policy_reloaded", rules=len(rules))
            finally:
                self._lock.release()
        return policy

    def installed(self) -> Policy | None:
        """The policy loaded so far, without touching the database (None before the first decision)."""
        return self._policy

    def _load(self) -> Policy:
        with self._lock:
            if self._policy is None:
                rules = self.stored_rules()
                if not rules:
                    raise PolicyUnavailable("the database holds no policy; run `kluis init`")
                self._install(rules)
            assert self._policy is not None
            return self._policy

    def _install(self, rules: list[Rule]) -> Policy:
        policy = self.compile(rules)
        self._policy = policy
        self._checked = self._monotonic()
        return policy

    def stored_rules(self) -> list[Rule]:
        """The rules in the database now (empty before the first load)."""
        try:
            with self._read_sessions() as session:
                return repository.policy_rules(session)
        except SQLAlchemyError as exc:
            raise PolicyUnavailable("the database has no Kluis schema or policy; run `kluis init`") from exc
