"""SQL for delegations' writes and listings. Reading them for a decision is the access package's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from vault.access import DELEGATION_COLUMNS, DelegationRow, delegation_row
from vault.models import Delegation

_COLUMNS = DELEGATION_COLUMNS  # the access package's row shape (DelegationRow)


def add(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(Delegation).returning(Delegation.id), [row]).scalar_one())


def one(session: Session, organisation: str, delegation_id: int) -> DelegationRow | None:
    query = (
        select(*_COLUMNS)
        .where(Delegation.organisation == organisation, Delegation.id == delegation_id)
        .with_for_update()
    )
    found = session.execute(query).first()
    return None if found is None else delegation_row(found)


def revoke(session: Session, delegation_id: int, now: datetime, mac: bytes) -> None:
    session.execute(update(Delegation).where(Delegation.id == delegation_id).values(revoked_at=now, mac=mac))


def listed(session: Session, organisation: str, user_id: str | None) -> list[DelegationRow]:
    query = select(*_COLUMNS).where(Delegation.organisation == organisation).order_by(Delegation.id)
    if user_id is not None:
        query = query.where(or_(Delegation.delegator == user_id, Delegation.delegate == user_id))
    return [delegation_row(row) for row in session.execute(query)]
