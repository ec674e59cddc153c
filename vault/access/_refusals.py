"""Refused tokens, aggregated and limited per source, so unauthenticated traffic cannot grow the audit log without
bound (600 bad tokens were 600 events).

Per (source, reason) the first refusal of an interval is audited at once; the ones after it in the same interval
are counted, and written as one event with their count when the next interval's first refusal arrives (or when the
process flushes at shutdown). A source with more than ``limit`` refusals in an interval is refused outright (429)
until the interval ends: its attempts are still counted into the events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vault.access._guard import AccessGuard
from vault.audit import Reason

_MAX_TRACKED = 10_000  # sources x reasons kept in memory; the oldest are flushed beyond this


@dataclass
class _Window:
    started: float
    unwritten: int = 0  # refusals counted since the last event
    request_id: str | None = None


class TokenRefusals:
    def __init__(
        self,
        guard: AccessGuard,
        organisation: str,
        *,
        interval: float,
        limit: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._guard = guard
        self._organisation = organisation
        self._interval = interval
        self._limit = limit
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._windows: dict[tuple[str | None, Reason], _Window] = {}
        self._per_source: dict[str | None, tuple[float, int]] = {}

    def limited(self, client: str | None) -> bool:
        """True while the source has had more than ``limit`` refusals in the current interval."""
        with self._lock:
            started, count = self._per_source.get(client, (0.0, 0))
            return self._monotonic() - started < self._interval and count > self._limit

    def refuse(self, reason: Reason, *, client: str | None, request_id: str | None) -> None:
        """Count one refused attempt; audit it now if it opens an interval for its source and reason."""
        now = self._monotonic()
        to_write: list[tuple[str | None, Reason, int, str | None]] = []
        with self._lock:
            started, count = self._per_source.get(client, (now, 0))
            self._per_source[client] = (started, count + 1) if now - started < self._interval else (now, 1)
            key = (client, reason)
            window = self._windows.get(key)
            if window is None or now - window.started >= self._interval:
                pending = window.unwritten if window else 0
                to_write.append((client, reason, pending + 1, request_id))
                self._windows[key] = _Window(now)
            else:
                window.unwritten += 1
                window.request_id = request_id
            to_write.extend(self._evict())
        for source, code, total, last_request in to_write:
            self._guard.refuse_token(self._organisation, code, client=source, request_id=last_request, count=total)

    def flush(self) -> None:
        """Write the counted but unwritten refusals (at shutdown)."""
        with self._lock:
            pending = [(k, w) for k, w in self._windows.items() if w.unwritten]
            self._windows.clear()
            self._per_source.clear()
        for (source, code), window in pending:
            self._guard.refuse_token(
                self._organisation, code, client=source, request_id=window.request_id, count=window.unwritten
            )

    def _evict(self) -> list[tuple[str | None, Reason, int, str | None]]:
        if len(self._windows) <= _MAX_TRACKED:
            if len(self._per_source) > _MAX_TRACKED:
                self._per_source.clear()
            return []
        oldest = sorted(self._windows.items(), key=lambda item: item[1].started)[: len(self._windows) // 2]
        for key, _ in oldest:
            del self._windows[key]
        return [(source, code, w.unwritten, w.request_id) for (source, code), w in oldest if w.unwritten]
