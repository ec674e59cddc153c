"""SQL for processing agreements' writes and listings. Reading them for a decision is the access package's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from vault.access import AGREEMENT_COLUMNS, AgreementRow, agreement_row
from vault.models import ProcessingAgreement

Listed = tuple[AgreementRow, str, datetime, str | None]  # the row, recorded by, recorded at, ended by
_LISTED = (
    *AGREEMENT_COLUMNS,
    ProcessingAgreement.recorded_by,
    ProcessingAgreement.recorded_at,
    ProcessingAgreement.ended_by,
)


def lock_processor(session: Session, organisation: str, processor: str) -> None:
    """Serialise changes to one processor's agreements for this transaction, so that two privacy officers cannot
    each find no overlapping agreement and both record one. SQLite's write transactions are serial already."""
    if session.get_bind().dialect.name == "postgresql":
        key = f"kluis.processing_agreement:{organisation}:{processor}"
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def add(session: Session, row: dict[str, Any]) -> int:
    return int(session.execute(insert(ProcessingAgreement).returning(ProcessingAgreement.id), [row]).scalar_one())


def one(session: Session, organisation: str, agreement_id: int) -> Listed | None:
    query = (
        select(*_LISTED)
        .where(ProcessingAgreement.organisation == organisation, ProcessingAgreement.id == agreement_id)
        .with_for_update()
    )
    found = session.execute(query).first()
    return None if found is None else _listed(found)


def end(session: Session, agreement_id: int, now: datetime, ended_by: str, mac: bytes) -> None:
    statement = (
        update(ProcessingAgreement)
        .where(ProcessingAgreement.id == agreement_id)
        .values(ended_at=now, ended_by=ended_by, mac=mac)
    )
    session.execute(statement)


def listed(session: Session, organisation: str, processor: str | None = None) -> list[Listed]:
    """The controller's agreements (or one processor's), oldest first."""
    query = select(*_LISTED).where(ProcessingAgreement.organisation == organisation).order_by(ProcessingAgreement.id)
    if processor is not None:
        query = query.where(ProcessingAgreement.processor == processor)
    return [_listed(row) for row in session.execute(query)]


def _listed(row: Any) -> Listed:
    end = len(AGREEMENT_COLUMNS)  # who recorded and ended it follow the access row shape
    return agreement_row(row), row[end], row[end + 1], row[end + 2]
