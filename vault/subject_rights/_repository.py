"""SQL for the data subject's requests, legal holds and erasures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from vault.models import Erasure, LegalHold, MedicalRelease, Restriction, RestrictionException, SubjectRequest
from vault.vocabulary import RequestStatus

OPEN = (RequestStatus.OPEN.value, RequestStatus.DEFERRED.value)


def add_request(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(SubjectRequest).returning(SubjectRequest.id), [row]).scalar_one())


def request(session: Session, organisation: str, request_id: int) -> SubjectRequest | None:
    """One request, locked for this transaction."""
    query = (
        select(SubjectRequest)
        .where(SubjectRequest.organisation == organisation, SubjectRequest.id == request_id)
        .with_for_update()
    )
    return session.execute(query).scalar_one_or_none()


def change_request(session: Session, request_id: int, **values: Any) -> None:
    session.execute(update(SubjectRequest).where(SubjectRequest.id == request_id).values(**values))


def requests(session: Session, organisation: str, *, open_only: bool, subject_id: str | None) -> list[SubjectRequest]:
    query = select(SubjectRequest).where(SubjectRequest.organisation == organisation).order_by(SubjectRequest.id)
    if open_only:
        query = query.where(SubjectRequest.status.in_(OPEN))
    if subject_id is not None:
        query = query.where(SubjectRequest.subject_id == subject_id)
    return list(session.execute(query).scalars())


def due_by(session: Session, organisation: str, day: date) -> list[SubjectRequest]:
    """Open requests whose deadline in force falls on or before ``day``, soonest first."""
    query = (
        select(SubjectRequest)
        .where(
            SubjectRequest.organisation == organisation,
            SubjectRequest.status.in_(OPEN),
            or_(
                SubjectRequest.extended_to <= day,
                SubjectRequest.extended_to.is_(None) & (SubjectRequest.due_on <= day),
            ),
        )
        .order_by(func.coalesce(SubjectRequest.extended_to, SubjectRequest.due_on), SubjectRequest.id)
    )
    return list(session.execute(query).scalars())


def add_hold(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(LegalHold).returning(LegalHold.id), [row]).scalar_one())


def hold(session: Session, organisation: str, hold_id: int) -> LegalHold | None:
    query = select(LegalHold).where(LegalHold.organisation == organisation, LegalHold.id == hold_id).with_for_update()
    return session.execute(query).scalar_one_or_none()


def holds(session: Session, organisation: str, subject_id: str | None) -> list[LegalHold]:
    query = select(LegalHold).where(LegalHold.organisation == organisation).order_by(LegalHold.id)
    if subject_id is not None:
        query = query.where(LegalHold.subject_id == subject_id)
    return list(session.execute(query).scalars())


def lift_hold(session: Session, hold_id: int, now: datetime, by: str, mac: bytes) -> None:
    session.execute(update(LegalHold).where(LegalHold.id == hold_id).values(lifted_at=now, lifted_by=by, mac=mac))


def seal_hold(session: Session, hold_id: int, mac: bytes) -> None:
    session.execute(update(LegalHold).where(LegalHold.id == hold_id).values(mac=mac))


def holds_counting(
    session: Session, organisation: str, subject_id: str, sealed: Callable[[LegalHold], bool]
) -> list[LegalHold]:
    """The subject's holds that defer an erasure: the live ones, and any whose seal fails (lifted or moved in the
    database), locked for this transaction."""
    query = (
        select(LegalHold)
        .where(LegalHold.organisation == organisation, LegalHold.subject_id == subject_id)
        .order_by(LegalHold.id)
        .with_for_update()
    )
    return [row for row in session.execute(query).scalars() if row.lifted_at is None or not sealed(row)]


def add_erasure(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(Erasure).returning(Erasure.id), [row]).scalar_one())


def erasures(session: Session, organisation: str, request_id: int) -> list[Erasure]:
    query = (
        select(Erasure)
        .where(Erasure.organisation == organisation, Erasure.request_id == request_id)
        .order_by(Erasure.id)
    )
    return list(session.execute(query).scalars())


def add_restriction(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(Restriction).returning(Restriction.id), [row]).scalar_one())


def change_restriction(session: Session, restriction_id: int, **values: Any) -> None:
    session.execute(update(Restriction).where(Restriction.id == restriction_id).values(**values))


def restriction(session: Session, organisation: str, restriction_id: int) -> Restriction | None:
    query = select(Restriction).where(Restriction.organisation == organisation, Restriction.id == restriction_id)
    return session.execute(query).scalar_one_or_none()


def restrictions(session: Session, organisation: str, subject_id: str | None) -> list[Restriction]:
    query = select(Restriction).where(Restriction.organisation == organisation).order_by(Restriction.id)
    if subject_id is not None:
        query = query.where(Restriction.subject_id == subject_id)
    return list(session.execute(query).scalars())


def add_exception(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(RestrictionException).returning(RestrictionException.id), [row]).scalar_one())


def change_exception(session: Session, exception_id: int, **values: Any) -> None:
    session.execute(update(RestrictionException).where(RestrictionException.id == exception_id).values(**values))


def exceptions(session: Session, restriction_ids: list[int]) -> list[RestrictionException]:
    if not restriction_ids:
        return []
    query = (
        select(RestrictionException)
        .where(RestrictionException.restriction_id.in_(restriction_ids))
        .order_by(RestrictionException.id)
    )
    return list(session.execute(query).scalars())


def add_release(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(MedicalRelease).returning(MedicalRelease.id), [row]).scalar_one())


def releases(
    session: Session, organisation: str, *, subject_id: str | None = None, request_id: int | None = None
) -> list[MedicalRelease]:
    query = select(MedicalRelease).where(MedicalRelease.organisation == organisation).order_by(MedicalRelease.id)
    if subject_id is not None:
        query = query.where(MedicalRelease.subject_id == subject_id)
    if request_id is not None:
        query = query.where(MedicalRelease.request_id == request_id)
    return list(session.execute(query).scalars())
