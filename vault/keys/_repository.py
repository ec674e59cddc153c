"""SQL for the key admin's status report: counts only, never a key."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from vault.models import DataKeyRow


def data_key_counts(session: Session) -> list[tuple[str, int, int, int, int]]:
    """(category, KEK version, live data keys, of which pre-scope, field seals) per KEK version in use."""
    legacy = func.sum(case((DataKeyRow.case_ref.is_(None), 1), else_=0))
    query = (
        select(
            DataKeyRow.category,
            DataKeyRow.kek_version,
            func.count(),
            func.coalesce(legacy, 0),
            func.coalesce(func.sum(DataKeyRow.seals), 0),
        )
        .where(DataKeyRow.wrapped.is_not(None))
        .group_by(DataKeyRow.category, DataKeyRow.kek_version)
        .order_by(DataKeyRow.category, DataKeyRow.kek_version)
    )
    return [(c, int(v), int(n), int(old), int(s)) for c, v, n, old, s in session.execute(query)]
