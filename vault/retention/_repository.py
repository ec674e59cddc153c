"""What a retention run reads beside the records: case closures, legal holds and open requests (metadata only)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import Case, LegalHold, Subject, SubjectRequest


def closed_cases(session: Session, organisation: str, case_refs: Sequence[str]) -> dict[str, Case]:
    """The closed cases among these, by reference."""
    if not case_refs:
        return {}
    query = select(Case).where(
        Case.organisation == organisation, Case.case_ref.in_(list(case_refs)), Case.status == "closed"
    )
    return {row.case_ref: row for row in session.execute(query).scalars()}


def holds(session: Session, organisation: str, subject_ids: Sequence[str], *, lock: bool) -> list[LegalHold]:
    """Every hold on these subjects, lifted or not (a lifted one whose seal fails still counts)."""
    query = select(LegalHold).where(LegalHold.organisation == organisation, LegalHold.subject_id.in_(subject_ids))
    return list(session.execute(query.with_for_update() if lock else query).scalars())


def requests(session: Session, organisation: str, subject_ids: Sequence[str]) -> list[SubjectRequest]:
    """Every request of these subjects (an open one, or one whose seal fails, defers their records)."""
    query = select(SubjectRequest).where(
        SubjectRequest.organisation == organisation, SubjectRequest.subject_id.in_(subject_ids)
    )
    return list(session.execute(query).scalars())


def lock_subjects(session: Session, subject_ids: Sequence[str]) -> None:
    """These subjects' rows, locked (PostgreSQL): a hold being placed or a record created for one of them waits for
    the run's unit of work, as it does for an erasure."""
    session.execute(
        select(Subject.id).where(Subject.id.in_(sorted(subject_ids))).order_by(Subject.id).with_for_update()
    )
