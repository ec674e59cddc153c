"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

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
