"""SQL for break-glass uses: their reasons and reviews. The access itself is an assignment row (vault/assignments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.orm import Session

from vault.access import ASSIGNMENT_COLUMNS, AssignmentRow, assignment_row
from vault.models import BreakGlassUse, Case, CaseAssignment
from vault.vocabulary import ReviewOutcome

Listed = tuple[AssignmentRow, Any]  # the assignment row and the use's row


def case_state(session: Session, organisation: str, case_ref: str) -> tuple[str, datetime | None] | None:
    """The case's subject and when it closed (None: open), or None when the unit does not know the case."""
    query = select(Case.subject_id, Case.closed_at).where(Case.organisation == organisation, Case.case_ref == case_ref)
    found = session.execute(query).first()
    return None if found is None else (str(found[0]), found[1])


def add_use(session: Session, row: dict[str, object]) -> None:
    session.execute(insert(BreakGlassUse), [row])


def open_findings(session: Session, organisation: str, user_id: str) -> int:
    """The user's uses reviewed as not justified and not cleared since."""
    query = (
        select(func.count())
        .select_from(BreakGlassUse)
        .where(
            BreakGlassUse.organisation == organisation,
            BreakGlassUse.user_id == user_id,
            BreakGlassUse.outcome == ReviewOutcome.NOT_JUSTIFIED.value,
            BreakGlassUse.cleared_at.is_(None),
        )
    )
    return int(session.scalar(query) or 0)


def uses(
    session: Session,
    organisation: str,
    *,
    use_id: int | None = None,
    user_id: str | None = None,
    pending_only: bool = False,
    lock: bool = False,
) -> list[Listed]:
    query = (
        select(*ASSIGNMENT_COLUMNS, BreakGlassUse)
        .join(BreakGlassUse, BreakGlassUse.id == CaseAssignment.id)
        .where(BreakGlassUse.organisation == organisation)
        .order_by(BreakGlassUse.opened_at, BreakGlassUse.id)
    )
    if use_id is not None:
        query = query.where(BreakGlassUse.id == use_id)
    if user_id is not None:
        query = query.where(BreakGlassUse.user_id == user_id)
    if pending_only:
        query = query.where(BreakGlassUse.outcome.is_(None))
    if lock:
        query = query.with_for_update(of=BreakGlassUse)
    return [(assignment_row(row), row[10]) for row in session.execute(query)]


def review(session: Session, use_id: int, *, outcome: str, reviewed_by: str, reviewed_at: datetime, note: str) -> None:
    session.execute(
        update(BreakGlassUse)
        .where(BreakGlassUse.id == use_id, BreakGlassUse.outcome.is_(None))
        .values(outcome=outcome, reviewed_by=reviewed_by, reviewed_at=reviewed_at, review_note=note)
    )


def clear(session: Session, organisation: str, user_id: str, *, cleared_by: str, cleared_at: datetime) -> int:
    result = session.execute(
        update(BreakGlassUse)
        .where(
            BreakGlassUse.organisation == organisation,
            BreakGlassUse.user_id == user_id,
            BreakGlassUse.outcome == ReviewOutcome.NOT_JUSTIFIED.value,
            BreakGlassUse.cleared_at.is_(None),
        )
        .values(cleared_by=cleared_by, cleared_at=cleared_at)
    )
    return int(cast("CursorResult[Any]", result).rowcount or 0)  # an UPDATE's result is a cursor result
