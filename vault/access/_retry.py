"""Running a transaction again when it lost a race on a unique row (the first record of a new subject, the first
key of a scope): the loser's transaction rolled back whole, and the next attempt finds the winner's rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from vault.errors import AuditUnavailable

T = TypeVar("T")


def retrying_conflicts(work: Callable[[], T], retries: int) -> T:
    """``work()``, retried up to ``retries`` times while it fails on a unique-constraint conflict."""
    for attempt in range(retries + 1):
        try:
            return work()
        except AuditUnavailable as exc:  # the guard's transaction wraps storage errors, the conflict is the cause
            if attempt == retries or not isinstance(exc.__cause__, IntegrityError):
                raise
    raise AssertionError("unreachable")
