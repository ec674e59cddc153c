"""What the security officer asks of the audit log and what comes back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AuditQuery:
    user: str | None = None
    subject: str | None = None
    case_ref: str | None = None
    category: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_seq: int | None = None  # the cursor: events older than this
    limit: int = 100

    def about(self) -> str | None:
        """Whom the search concerned, for its own audit event: the identifier filters, never free text."""
        parts = [f"{k}:{v}" for k, v in (("user", self.user), ("subject", self.subject), ("case", self.case_ref)) if v]
        return ";".join(parts) or None


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[dict[str, object]]  # each with its "seq"
    next_cursor: int | None


@dataclass(frozen=True, slots=True)
class Tally:
    category: str | None
    event_type: str
    outcome: str
    count: int
    first: datetime
    last: datetime
