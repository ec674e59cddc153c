"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.orm import Session

IN_CHUNK = 500  # bound the size of IN (...) lists


def chunks(items: Iterable[str]) -> Iterator[list[str]]:
    """The distinct items in lists of at most IN_CHUNK, for IN (...) queries."""
    unique = list(set(items))
    for start in range(0, len(unique), IN_CHUNK):
        yield unique[start : start + IN_CHUNK]


def is_uuid(text: str) -> bool:
    """True for a canonical UUID string: ids from outside are checked before they reach SQL."""
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def fetch_all(
    session: Session, statement: Executable, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """A statement built once (at import, with bind parameters) run on the session's connection, in its
    transaction: no ORM layer and no statement construction per call. For the per-request reads."""
    return [tuple(row) for row in session.connection().execute(statement, params or {})]
