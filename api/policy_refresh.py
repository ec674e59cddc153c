"""Keeping every worker's policy current without a pycasbin watcher.

Each worker compares the policy rows in the shared database with what it loaded at most every
``KLUIS_POLICY_REFRESH_SECONDS`` (≤ 5 s), on the request path, and swaps in the new policy when they differ. This
works the same across workers and hosts (the database is the one source), has no multi-worker gaps of its own, and
costs one small query per worker per interval. Assignments need nothing of the kind: they are read from the database
on every decision, so a revocation holds from the next request on, in every worker.
"""

from __future__ import annotations

import threading
import time

import structlog

from vault import repository
from vault.bootstrap import Kluis
from vault.policy import Policy

log = structlog.get_logger(__name__)


class PolicyRefresher:
    def __init__(self, kluis: Kluis, interval: float) -> None:
        self._kluis = kluis
        self._interval = interval
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    def maybe_refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < self._interval or not self._lock.acquire(blocking=False):
            return
        try:
            self._checked = now
            with self._kluis.read_sessions() as session:
                rules = repository.policy_rules(session)
            if rules != self._kluis.vault.policy.rules:
                policy = Policy(self._kluis.settings.effective_model_file.read_text(), rules)
                self._kluis.vault.use_policy(policy)
                self._kluis.policy = policy
                log.info("policy_reloaded", rules=len(rules))
        finally:
            self._lock.release()
