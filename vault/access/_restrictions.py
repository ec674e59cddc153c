"""Restriction of processing (art. 18, DOMAIN R30), as the guard applies it: which restrictions count for a
subject's data, and which exceptions let one purpose through.

Both fail toward the restriction: a restriction row whose seal fails (lifted or moved in the database) still
counts; an exception whose seal fails (inserted, widened or prolonged in the database) lets nothing through. A
restriction row deleted outright is what no seal can show; its placing is in the chained log (`restriction.place`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from vault.access._repository import ExceptionRow, RestrictionRow, exceptions_for, restrictions_of


def counting(
    session: Session,
    organisation: str,
    subject_ids: Iterable[str],
    category: str,
    sealed: Callable[[RestrictionRow], bool],
    unsealed: list[RestrictionRow],
) -> list[RestrictionRow]:
    """The restrictions on these subjects' data in the category that restrict now: the live ones, and any whose
    seal fails (``unsealed`` collects those, for an integrity alert) — on every case and in every category of the
    subject, since its case, category or organisation may be what was changed."""
    subjects = sorted(set(subject_ids))
    if not subjects:
        return []
    found: list[RestrictionRow] = []
    for row in restrictions_of(session, subjects):
        if not sealed(row):
            unsealed.append(row)
            found.append(replace(row, case_ref=None))
        elif row.organisation == organisation and row.category == category and row.lifted_at is None:
            found.append(row)
    return found


def excepted(
    session: Session,
    restrictions: Sequence[RestrictionRow],
    purpose: str,
    now: datetime,
    sealed: Callable[[ExceptionRow], bool],
    unsealed: list[ExceptionRow],
) -> list[ExceptionRow] | None:
    """The live, sealed exceptions for ``purpose`` that cover every one of ``restrictions`` (one each), or None
    when any restriction has none."""
    if not restrictions:
        return []
    by_restriction: dict[int, ExceptionRow] = {}
    for row in exceptions_for(session, [r.id for r in restrictions], purpose, now):
        if not sealed(row):
            unsealed.append(row)
        elif row.organisation == restrictions[0].organisation:
            by_restriction.setdefault(row.restriction_id, row)
    if any(r.id not in by_restriction for r in restrictions):
        return None
    return [by_restriction[r.id] for r in restrictions]
