"""SQL for subjects, records, their sealed fields and reference tokens. No policy, no crypto."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from vault._kit import chunks, fetch_all
from vault.models import Record, RecordField, RecordFieldVersion, Reference, Subject


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


class StoredRecord(NamedTuple):
    """A record's row as the services read it (its values live in record_fields, sealed)."""

    id: str
    organisation: str
    subject_id: str
    case_ref: str
    category: str
    kind: str
    source: str
    purpose: str
    status: str
    created_at: datetime
    retention_class: str


_RECORD_COLUMNS = (
    Record.id,
    Record.organisation,
    Record.subject_id,
    Record.case_ref,
    Record.category,
    Record.kind,
    Record.source,
    Record.purpose,
    Record.status,
    Record.created_at,
    Record.retention_class,
    Reference.token,
)
# Built once: every read of a record runs one of them.
_RECORD_BY_ID = (
    select(*_RECORD_COLUMNS)
    .join(Reference, Reference.record_id == Record.id)
    .where(Record.id == bindparam("record_id"), Record.organisation == bindparam("organisation"))
)
_RECORD_BY_REFERENCE = (
    select(*_RECORD_COLUMNS)
    .join(Reference, Reference.record_id == Record.id)
    .where(Reference.token == bindparam("token"), Reference.organisation == bindparam("organisation"))
)


def get_record(session: Session, organisation: str, record_id: str) -> tuple[StoredRecord, str] | None:
    return _record(fetch_all(session, _RECORD_BY_ID, {"record_id": record_id, "organisation": organisation}))


def get_record_by_reference(session: Session, organisation: str, token: str) -> tuple[StoredRecord, str] | None:
    return _record(fetch_all(session, _RECORD_BY_REFERENCE, {"token": token, "organisation": organisation}))


def _record(rows: list[tuple[Any, ...]]) -> tuple[StoredRecord, str] | None:
    """The row of _RECORD_COLUMNS: the record's columns in order, then its reference token."""
    return (StoredRecord(*rows[0][:-1]), str(rows[0][-1])) if rows else None


def replace_fields(
    session: Session,
    record_id: str,
    sealed: dict[str, tuple[str, bytes]],
    now: datetime,
    by: str,
    request_id: int | None = None,
) -> int:
    """New envelopes for these fields; the ones they replace are kept as the record's current version, which then
    counts on (R28). Returns the record's new version."""
    version = session.scalar(select(Record.version).where(Record.id == record_id).with_for_update())
    replaced = session.execute(
        select(RecordField.name, RecordField.data_key_id, RecordField.ciphertext).where(
            RecordField.record_id == record_id, RecordField.name.in_(list(sealed))
        )
    ).all()
    if replaced:
        session.execute(
            insert(RecordFieldVersion.__table__),
            [
                {
                    "record_id": record_id,
                    "version": version,
                    "name": name,
                    "data_key_id": key_id,
                    "ciphertext": bytes(envelope),
                    "replaced_at": now,
                    "replaced_by": by,
                    "request_id": request_id,
                }
                for name, key_id, envelope in replaced
            ],
        )
    session.execute(delete(RecordField).where(RecordField.record_id == record_id, RecordField.name.in_(list(sealed))))
    session.execute(
        insert(RecordField.__table__),
        [{"record_id": record_id, "name": n, "data_key_id": k, "ciphertext": c} for n, (k, c) in sealed.items()],
    )
    session.execute(update(Record).where(Record.id == record_id).values(updated_at=now, version=Record.version + 1))
    return int(version or 1) + 1


class FieldVersion(NamedTuple):
    """A value a change replaced, sealed as it was."""

    version: int
    name: str
    data_key_id: str
    ciphertext: bytes
    replaced_at: datetime
    replaced_by: str
    request_id: int | None


def field_versions(session: Session, record_id: str) -> list[FieldVersion]:
    query = (
        select(
            RecordFieldVersion.version,
            RecordFieldVersion.name,
            RecordFieldVersion.data_key_id,
            RecordFieldVersion.ciphertext,
            RecordFieldVersion.replaced_at,
            RecordFieldVersion.replaced_by,
            RecordFieldVersion.request_id,
        )
        .where(RecordFieldVersion.record_id == record_id)
        .order_by(RecordFieldVersion.version, RecordFieldVersion.name)
    )
    return [FieldVersion(r[0], r[1], r[2], bytes(r[3]), r[4], r[5], r[6]) for r in session.execute(query)]


def lock_record(session: Session, record_id: str) -> None:
    """The record's row, locked for this transaction (PostgreSQL; SQLite's writers are serial already)."""
    session.execute(select(Record.id).where(Record.id == record_id).with_for_update())


def statement_names(session: Session, record_id: str, prefix: str) -> list[str]:
    """The names of the record's fields that begin with ``prefix`` (the subject's statements)."""
    query = select(RecordField.name).where(
        RecordField.record_id == record_id, RecordField.name.startswith(prefix, autoescape=True)
    )
    return list(session.scalars(query))


class CaseRecord(NamedTuple):
    """What the case view shows of a record: its reference, never its id or values."""

    token: str
    category: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime
    subject_id: str  # whose: a restriction of theirs shows the record as restricted; never shown itself


_CASE_RECORDS = (  # built once: the case view runs it on every request
    select(
        Reference.token,
        Record.category,
        Record.kind,
        Record.status,
        Record.created_at,
        Record.updated_at,
        Record.subject_id,
    )
    .join(Reference, Reference.record_id == Record.id)
    .where(
        Record.organisation == bindparam("organisation"),
        Record.case_ref == bindparam("case_ref"),
        Record.category.in_(bindparam("categories", expanding=True)),
    )
    .order_by(Record.created_at, Record.id)
)


class SubjectRecord(NamedTuple):
    """What a subject's access report lists of a record held about them: never a value."""

    record_id: str
    case_ref: str
    category: str
    kind: str
    source: str  # the origin, e.g. "GP under consent C-17"
    purpose: str
    status: str
    created_at: datetime
    updated_at: datetime
    retention_class: str


def lock_subject(session: Session, subject_id: str) -> None:
    """The subject's row, locked for this transaction (PostgreSQL; SQLite's writers are serial already)."""
    session.execute(select(Subject.id).where(Subject.id == subject_id).with_for_update())


def subject_records(session: Session, organisation: str, subject_id: str) -> list[SubjectRecord]:
    query = (
        select(
            Record.id,
            Record.case_ref,
            Record.category,
            Record.kind,
            Record.source,
            Record.purpose,
            Record.status,
            Record.created_at,
            Record.updated_at,
            Record.retention_class,
        )
        .where(Record.organisation == organisation, Record.subject_id == subject_id)
        .order_by(Record.created_at, Record.id)
    )
    return [SubjectRecord._make(row) for row in session.execute(query)]


def case_records(session: Session, organisation: str, case_ref: str, categories: Sequence[str]) -> list[CaseRecord]:
    if not categories:
        return []
    params = {"organisation": organisation, "case_ref": case_ref, "categories": list(categories)}
    return [CaseRecord(*row) for row in fetch_all(session, _CASE_RECORDS, params)]
