"""SQL for need-to-know assignments. Reading them for a decision is the access package's (vault/access)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from vault.access import ASSIGNMENT_COLUMNS, AssignmentRow, assignment_row
from vault.models import Case, CaseAssignment
from vault.vocabulary import Relation, Role


def add_assignment(
    session: Session,
    *,
    organisation: str,
    case_ref: str,
    user_id: str,
    role: Role,
    relation: Relation,
    starts_at: datetime,
    ends_at: datetime | None,
    created_by: str,
    mac: bytes,
) -> int:
    result = session.execute(
        insert(CaseAssignment).returning(CaseAssignment.id),
        [
            {
                "organisation": organisation,
                "case_ref": case_ref,
                "user_id": user_id,
                "role": role.value,
                "relation": relation.value,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "created_by": created_by,
                "mac": mac,
            }
        ],
    )
    return int(result.scalar_one())


_RETURNED = ASSIGNMENT_COLUMNS  # the access package's row shape (AssignmentRow)


def revoke_assignments(
    session: Session, *, organisation: str, case_ref: str, user_id: str, role: Role, now: datetime
) -> list[AssignmentRow]:
    """Mark the user's live assignments in this role on the case revoked; returns them as they now stand."""
    result = session.execute(
        update(CaseAssignment)
        .where(
            CaseAssignment.organisation == organisation,
            CaseAssignment.case_ref == case_ref,
            CaseAssignment.user_id == user_id,
            CaseAssignment.role == role.value,
            CaseAssignment.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(*_RETURNED)
    )
    return [assignment_row(row) for row in result]


def revoke_given_by(
    session: Session, *, organisation: str, case_ref: str, assigner: str, now: datetime
) -> list[AssignmentRow]:
    """Mark the live assignments an adviser gave others on the case revoked (the adviser's own has ended)."""
    result = session.execute(
        update(CaseAssignment)
        .where(
            CaseAssignment.organisation == organisation,
            CaseAssignment.case_ref == case_ref,
            CaseAssignment.created_by == assigner,
            CaseAssignment.user_id != assigner,
            CaseAssignment.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(*_RETURNED)
    )
    return [assignment_row(row) for row in result]


def set_macs(session: Session, macs: dict[int, bytes]) -> None:
    if not macs:
        return
    table = CaseAssignment.__table__
    statement = update(table).where(table.c.id == bindparam("b_id")).values(mac=bindparam("b_mac"))
    session.execute(statement, [{"b_id": key, "b_mac": mac} for key, mac in macs.items()])


def case_closed(session: Session, organisation: str, case_ref: str) -> bool:
    """Whether the case is closed, its row locked until this transaction ends (FOR UPDATE on PostgreSQL; SQLite's
    writers are serial): a close running at the same time waits, or is waited for, and is never missed."""
    query = select(Case.closed_at).where(Case.organisation == organisation, Case.case_ref == case_ref).with_for_update()
    return session.scalar(query) is not None


def assignments(
    session: Session,
    organisation: str,
    *,
    case_ref: str | None,
    user_id: str | None,
    live_at: datetime | None,
) -> list[tuple[AssignmentRow, str]]:
    """One case's or one user's assignments (live at ``live_at``, or all), with who made each."""
    query = select(*ASSIGNMENT_COLUMNS, CaseAssignment.created_by).where(CaseAssignment.organisation == organisation)
    if case_ref is not None:
        query = query.where(CaseAssignment.case_ref == case_ref)
    if user_id is not None:
        query = query.where(CaseAssignment.user_id == user_id)
    if live_at is not None:
        query = query.where(
            CaseAssignment.revoked_at.is_(None),
            CaseAssignment.starts_at <= live_at,
            or_(CaseAssignment.ends_at.is_(None), CaseAssignment.ends_at > live_at),
        )
    rows = session.execute(query.order_by(CaseAssignment.case_ref, CaseAssignment.starts_at, CaseAssignment.id))
    return [(assignment_row(row), str(row[10])) for row in rows]


def end_case_assignments(session: Session, *, organisation: str, case_ref: str, now: datetime) -> list[AssignmentRow]:
    """Mark every live assignment on the case revoked (closing it); returns them as they now stand."""
    result = session.execute(
        update(CaseAssignment)
        .where(
            CaseAssignment.organisation == organisation,
            CaseAssignment.case_ref == case_ref,
            CaseAssignment.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(*_RETURNED)
    )
    return [assignment_row(row) for row in result]


def due(
    session: Session, organisation: str, *, now: datetime, since: datetime
) -> list[tuple[AssignmentRow, str, datetime | None]]:
    """Live assignments (not break-glass uses) last confirmed, or begun, before ``since``."""
    query = (
        select(*_RETURNED, CaseAssignment.created_by, CaseAssignment.confirmed_at)
        .where(
            CaseAssignment.organisation == organisation,
            CaseAssignment.relation != "break_glass",
            CaseAssignment.revoked_at.is_(None),
            CaseAssignment.starts_at <= now,
            or_(CaseAssignment.ends_at.is_(None), CaseAssignment.ends_at > now),
            func.coalesce(CaseAssignment.confirmed_at, CaseAssignment.starts_at) < since,
        )
        .order_by(CaseAssignment.case_ref, CaseAssignment.id)
    )
    return [(assignment_row(row), str(row[10]), row[11]) for row in session.execute(query)]


def assignment(session: Session, organisation: str, assignment_id: int) -> tuple[AssignmentRow, str] | None:
    """One assignment, locked for this transaction."""
    query = (
        select(*_RETURNED, CaseAssignment.created_by)
        .where(CaseAssignment.organisation == organisation, CaseAssignment.id == assignment_id)
        .with_for_update()
    )
    found = session.execute(query).first()
    return None if found is None else (assignment_row(found), str(found[10]))


def confirm(session: Session, assignment_id: int, now: datetime) -> None:
    session.execute(update(CaseAssignment).where(CaseAssignment.id == assignment_id).values(confirmed_at=now))


def revoke_one(session: Session, assignment_id: int, now: datetime) -> list[AssignmentRow]:
    result = session.execute(
        update(CaseAssignment)
        .where(CaseAssignment.id == assignment_id, CaseAssignment.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(*_RETURNED)
    )
    return [assignment_row(row) for row in result]
