"""Searching the audit log for review (R43): filters, keyset pagination, per-user and per-subject overviews.

Results are the events as recorded (their stored canonical JSON), never re-derived, so what the security officer
reads is what the chain protects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vault.models import AuditEventRow

MAX_PAGE = 500


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

    def describe(self) -> str:
        """The filters, for the audit event of the search itself (identifiers only)."""
        parts = [
            f"{k}={v}"
            for k, v in (
                ("user", self.user),
                ("subject", self.subject),
                ("case", self.case_ref),
                ("category", self.category),
                ("outcome", self.outcome),
            )
            if v
        ]
        return ";".join(parts) or "all"


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


def search(session: Session, query: AuditQuery) -> AuditPage:
    limit = max(1, min(query.limit, MAX_PAGE))
    statement = select(AuditEventRow.seq, AuditEventRow.body)
    for column, value in (
        (AuditEventRow.actor, query.user),
        (AuditEventRow.subject, query.subject),
        (AuditEventRow.case_ref, query.case_ref),
        (AuditEventRow.category, query.category),
        (AuditEventRow.outcome, query.outcome),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.since is not None:
        statement = statement.where(AuditEventRow.occurred_at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEventRow.occurred_at < query.until)
    if query.before_seq is not None:
        statement = statement.where(AuditEventRow.seq < query.before_seq)
    rows = session.execute(statement.order_by(AuditEventRow.seq.desc()).limit(limit + 1)).all()
    events = [{"seq": seq, **json.loads(body)} for seq, body in rows[:limit]]
    return AuditPage(events, rows[limit - 1][0] if len(rows) > limit else None)


def overview(session: Session, *, user: str | None, subject: str | None) -> list[Tally]:
    if (user is None) == (subject is None):
        raise ValueError("an overview is per user or per subject")
    column, value = (AuditEventRow.actor, user) if user is not None else (AuditEventRow.subject, subject)
    statement = (
        select(
            AuditEventRow.category,
            AuditEventRow.event_type,
            AuditEventRow.outcome,
            func.count(),
            func.min(AuditEventRow.occurred_at),
            func.max(AuditEventRow.occurred_at),
        )
        .where(column == value)
        .group_by(AuditEventRow.category, AuditEventRow.event_type, AuditEventRow.outcome)
        .order_by(AuditEventRow.event_type, AuditEventRow.outcome)
    )
    return [Tally(c, t, o, int(n), first, last) for c, t, o, n, first, last in session.execute(statement)]
