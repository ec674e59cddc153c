"""What the processing register reads of the data: the kinds of record held per category (never a value)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vault.models import Record


def kinds_held(session: Session, organisation: str, category: str) -> list[str]:
    query = (
        select(Record.kind)
        .where(Record.organisation == organisation, Record.category == category)
        .distinct()
        .order_by(Record.kind)
    )
    return [str(kind) for kind in session.scalars(query)]
