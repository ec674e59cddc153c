"""The breach register's rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from vault.models import Breach


def add(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(Breach).returning(Breach.id), [row]).scalar_one())


def one(session: Session, organisation: str, breach_id: int, *, lock: bool = False) -> Breach | None:
    query = select(Breach).where(Breach.organisation == organisation, Breach.id == breach_id)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def listed(session: Session, organisation: str) -> list[Breach]:
    query = select(Breach).where(Breach.organisation == organisation).order_by(Breach.detected_at, Breach.id)
    return list(session.execute(query).scalars())


def change(session: Session, breach_id: int, values: dict[str, Any]) -> None:
    session.execute(update(Breach).where(Breach.id == breach_id).values(**values))
