"""SQL for data keys. No crypto, no policy: rows in, rows out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from vault._kit import chunks, fetch_all
from vault.models import DataKeyRow, Subject


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


_KEYS = DataKeyRow.__table__  # the table itself: a Core executemany (the ORM will not bulk-update with a WHERE)
_REWRAP = (
    update(_KEYS)
    .where(_KEYS.c.id == bindparam("b_id"), _KEYS.c.kek_version == bindparam("b_old"))
    .values(kek_version=bindparam("b_version"), wrapped=bindparam("b_wrapped"))
)


def rewrap(session: Session, changes: Sequence[dict[str, object]]) -> None:
    """One executemany; each row only if it is still under the version it was read at, so a rotation running at
    the same time that moved it further is never undone (and its key never left under a version retired since)."""
    if changes:
        session.execute(
            _REWRAP,
            [
                {"b_id": c["id"], "b_old": c["old"], "b_version": c["kek_version"], "b_wrapped": c["wrapped"]}
                for c in changes
            ],
        )


def kek_lock(session: Session, *, exclusive: bool) -> None:
    """Creating a data key (shared) and retiring KEK versions (exclusive) meet here, for the transaction: no key is
    wrapped under a version while its retirement makes its final check. PostgreSQL: an advisory lock; SQLite's write
    transactions are serial already."""
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        session.execute(select(lock(func.hashtextextended("kluis.kek", 0))))


def legacy_data_keys(session: Session, limit: int) -> list[StoredDataKey]:
    query = (
        select(*_COLUMNS)
        .where(DataKeyRow.case_ref.is_(None), DataKeyRow.wrapped.is_not(None))
        .order_by(DataKeyRow.created_at, DataKeyRow.id)
        .limit(limit)
    )
    return [_stored(row) for row in session.execute(query)]


def subject_data_keys(session: Session, subject_id: str, category: str, *, lock: bool = True) -> list[StoredDataKey]:
    query = (
        select(*_COLUMNS)
        .where(DataKeyRow.subject_id == subject_id, DataKeyRow.category == category, DataKeyRow.wrapped.is_not(None))
        .order_by(DataKeyRow.id)
    )
    if lock:
        query = query.with_for_update()
    return [_stored(row) for row in session.execute(query)]


def share_subjects(session: Session, subject_ids: set[str]) -> None:
    """The subjects' rows, share-locked for this transaction (PostgreSQL; SQLite's writers are serial)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for chunk in chunks(subject_ids):
        session.execute(select(Subject.id).where(Subject.id.in_(chunk)).with_for_update(read=True))


def live_among(session: Session, key_ids: set[str]) -> set[str]:
    """Those of these data keys that are not destroyed."""
    found: set[str] = set()
    for chunk in chunks(key_ids):
        query = select(DataKeyRow.id).where(DataKeyRow.id.in_(chunk), DataKeyRow.wrapped.is_not(None))
        found.update(session.execute(query).scalars())
    return found


def destroy(session: Session, key_ids: set[str], now: datetime) -> None:
    for chunk in chunks(key_ids):
        session.execute(update(DataKeyRow).where(DataKeyRow.id.in_(chunk)).values(wrapped=None, destroyed_at=now))
