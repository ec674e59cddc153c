"""SQL for subjects, records, their sealed fields and reference tokens. No policy, no crypto."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from vault._kit import chunks
from vault.models import Record, RecordField, Reference, Subject


# -- subjects ------------------------------------------------------------------------------------------------
def subject_ids(session: Session, organisation: str, subject_refs: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in chunks(subject_refs):
        query = select(Subject.subject_ref, Subject.id).where(
            Subject.organisation == organisation, Subject.subject_ref.in_(chunk)
        )
        found.update({ref: sid for ref, sid in session.execute(query)})
    return found


def add_subjects(session: Session, organisation: str, subject_refs: Iterable[str], now: datetime) -> dict[str, str]:
    created = {ref: str(uuid.uuid4()) for ref in subject_refs}
    if created:
        session.execute(
            insert(Subject.__table__),
            [
                {"id": sid, "organisation": organisation, "subject_ref": ref, "created_at": now}
                for ref, sid in created.items()
            ],
        )
    return created


# -- records -------------------------------------------------------------------------------------------------
def add_records(
    session: Session,
    records: Sequence[dict[str, object]],
    fields: Sequence[dict[str, object]],
    references: Sequence[dict[str, object]],
) -> None:
    # Core inserts on the tables: the ORM bulk layer costs more than the SQL here, and these rows have no
    # in-session objects to keep in sync.
    if records:
        session.execute(insert(Record.__table__), list(records))
        session.execute(insert(RecordField.__table__), list(fields))
        session.execute(insert(Reference.__table__), list(references))


def get_record(session: Session, organisation: str, record_id: str) -> tuple[Record, str] | None:
    row = session.execute(
        select(Record, Reference.token)
        .join(Reference, Reference.record_id == Record.id)
        .where(Record.id == record_id, Record.organisation == organisation)
    ).first()
    return (row[0], row[1]) if row else None


def get_record_by_reference(session: Session, organisation: str, token: str) -> tuple[Record, str] | None:
    row = session.execute(
        select(Record, Reference.token)
        .join(Reference, Reference.record_id == Record.id)
        .where(Reference.token == token, Reference.organisation == organisation)
    ).first()
    return (row[0], row[1]) if row else None


def replace_fields(session: Session, record_id: str, sealed: dict[str, tuple[str, bytes]], now: datetime) -> None:
    session.execute(delete(RecordField).where(RecordField.record_id == record_id, RecordField.name.in_(list(sealed))))
    session.execute(
        insert(RecordField.__table__),
        [{"record_id": record_id, "name": n, "data_key_id": k, "ciphertext": c} for n, (k, c) in sealed.items()],
    )
    session.execute(update(Record).where(Record.id == record_id).values(updated_at=now))


def case_records(
    session: Session, organisation: str, case_ref: str, categories: Sequence[str]
) -> list[tuple[Record, str]]:
    if not categories:
        return []
    query = (
        select(Record, Reference.token)
        .join(Reference, Reference.record_id == Record.id)
        .where(Record.organisation == organisation, Record.case_ref == case_ref, Record.category.in_(categories))
        .order_by(Record.created_at, Record.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]
