"""SQL for the unit register's writes and listings. Reading it for a decision is the access package's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from vault.access import MEMBER_COLUMNS, MemberRow, member_row
from vault.models import UnitMember

Listed = tuple[MemberRow, datetime, str]  # a registration, when it last changed and by whom

_COLUMNS = (*MEMBER_COLUMNS, UnitMember.changed_at, UnitMember.changed_by)  # the access row shape, then who changed it


def lock_person(session: Session, organisation: str, user_id: str) -> None:
    """Serialise changes to one person's registrations for this transaction, so that two registrars cannot each
    check the other's row absent and both write (R7). PostgreSQL: a transaction advisory lock; SQLite's write
    transactions are serial already."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"kluis.unit_member:{organisation}:{user_id}"
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def add_member(session: Session, row: dict[str, Any]) -> int:
    result = session.execute(insert(UnitMember).returning(UnitMember.id), [row])
    return int(result.scalar_one())


def members(session: Session, organisation: str, user_id: str | None = None) -> list[Listed]:
    """Every registration of the organisation (or of one user), oldest first."""
    query = select(*_COLUMNS).where(UnitMember.organisation == organisation).order_by(UnitMember.id)
    if user_id is not None:
        query = query.where(UnitMember.user_id == user_id)
    return [_listed(row) for row in session.execute(query)]


def member(session: Session, organisation: str, member_id: int) -> Listed | None:
    """One registration, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite's writers are serial)."""
    query = (
        select(*_COLUMNS).where(UnitMember.organisation == organisation, UnitMember.id == member_id).with_for_update()
    )
    found = session.execute(query).first()
    return None if found is None else _listed(found)


def _listed(row: Any) -> Listed:
    end = len(MEMBER_COLUMNS)  # who changed it follows the access row shape
    return member_row(row), row[end], row[end + 1]


def change_status(
    session: Session, member_id: int, *, status: str, changed_at: datetime, changed_by: str, mac: bytes
) -> None:
    session.execute(
        update(UnitMember)
        .where(UnitMember.id == member_id)
        .values(status=status, changed_at=changed_at, changed_by=changed_by, mac=mac)
    )
