"""SQL for data keys. No crypto, no policy: rows in, rows out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from vault._kit import chunks, fetch_all
from vault.models import DataKeyRow


@dataclass(frozen=True, slots=True)
class KeyScope:
    """What one data key covers (docs/DECISIONS.md, "data-key granularity")."""

    subject_id: str
    category: str
    case_ref: str
    retention_class: str


@dataclass(frozen=True, slots=True)
class StoredDataKey:
    """A data key row as read: plain values, no ORM identity (these are read by the thousand in imports)."""

    id: str
    subject_id: str
    category: str
    case_ref: str | None
    retention_class: str
    kek_version: int
    wrapped: bytes | None
    seals: int


_COLUMNS = (
    DataKeyRow.id,
    DataKeyRow.subject_id,
    DataKeyRow.category,
    DataKeyRow.case_ref,
    DataKeyRow.retention_class,
    DataKeyRow.kek_version,
    DataKeyRow.wrapped,
    DataKeyRow.seals,
)
_DATA_KEYS_BY_ID = select(*_COLUMNS).where(DataKeyRow.id.in_(bindparam("ids", expanding=True)))  # every read


def _stored(row: Row[str, str, str, str | None, str, int, bytes | None, int] | tuple[Any, ...]) -> StoredDataKey:
    wrapped = None if row[6] is None else bytes(row[6])
    return StoredDataKey(row[0], row[1], row[2], row[3], row[4], int(row[5]), wrapped, int(row[7]))


def data_keys_for(session: Session, scopes: set[KeyScope]) -> dict[KeyScope, StoredDataKey]:
    """The stored key of each scope that has one. One indexed query per 500 subjects (their keys of these
    categories), filtered to the scopes in Python: building a four-column OR per scope costs more than it saves."""
    subjects = {scope.subject_id for scope in scopes}
    categories = sorted({scope.category for scope in scopes})
    found: dict[KeyScope, StoredDataKey] = {}
    for chunk in chunks(subjects):
        query = select(*_COLUMNS).where(DataKeyRow.subject_id.in_(chunk), DataKeyRow.category.in_(categories))
        for row in session.execute(query):
            stored = _stored(row)
            if stored.case_ref is None:
                continue  # a pre-scope key: it opens what it sealed, it seals nothing new
            scope = KeyScope(stored.subject_id, stored.category, stored.case_ref, stored.retention_class)
            if scope in scopes:
                found[scope] = stored
    return found


def data_keys_by_id(session: Session, key_ids: Iterable[str]) -> dict[str, StoredDataKey]:
    found: dict[str, StoredDataKey] = {}
    for chunk in chunks(key_ids):
        found.update({row[0]: _stored(row) for row in fetch_all(session, _DATA_KEYS_BY_ID, {"ids": chunk})})
    return found


def add_data_keys(session: Session, rows: Sequence[dict[str, object]]) -> None:
    if rows:
        session.execute(insert(DataKeyRow.__table__), list(rows))


def count_seals(session: Session, counts: dict[str, int]) -> None:
    """Atomic increments (several processes may seal under one key), as one executemany."""
    if not counts:
        return
    table = DataKeyRow.__table__
    statement = update(table).where(table.c.id == bindparam("key_id")).values(seals=table.c.seals + bindparam("sealed"))
    session.execute(statement, [{"key_id": key_id, "sealed": n} for key_id, n in counts.items()])


def data_keys_under(session: Session, category: str, below_version: int, limit: int) -> list[StoredDataKey]:
    query = (
        select(*_COLUMNS)
        .where(DataKeyRow.category == category, DataKeyRow.kek_version < below_version, DataKeyRow.wrapped.is_not(None))
        .order_by(DataKeyRow.id)
        .limit(limit)
    )
    return [_stored(row) for row in session.execute(query)]


def rewrap(session: Session, changes: Sequence[dict[str, object]]) -> None:
    """ORM bulk UPDATE by primary key: one executemany, no per-row session synchronisation."""
    if changes:
        session.execute(update(DataKeyRow), list(changes))


def legacy_data_keys(session: Session, limit: int) -> list[StoredDataKey]:
    query = (
        select(*_COLUMNS)
        .where(DataKeyRow.case_ref.is_(None), DataKeyRow.wrapped.is_not(None))
        .order_by(DataKeyRow.created_at, DataKeyRow.id)
        .limit(limit)
    )
    return [_stored(row) for row in session.execute(query)]


def subject_data_keys(session: Session, subject_id: str, category: str) -> list[StoredDataKey]:
    query = (
        select(*_COLUMNS)
        .where(DataKeyRow.subject_id == subject_id, DataKeyRow.category == category, DataKeyRow.wrapped.is_not(None))
        .order_by(DataKeyRow.id)
        .with_for_update()
    )
    return [_stored(row) for row in session.execute(query)]


def destroy(session: Session, key_ids: set[str], now: datetime) -> None:
    for chunk in chunks(key_ids):
        session.execute(update(DataKeyRow).where(DataKeyRow.id.in_(chunk)).values(wrapped=None, destroyed_at=now))
