"""SQL for subjects, records, sealed fields, data keys, references and case assignments. No policy, no crypto."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CursorResult, Row, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from vault.models import Advice, Case, CaseAssignment, DataKeyRow, PolicyRule, Record, RecordField, Reference, Subject
from vault.vocabulary import Relation, Role

_IN_CHUNK = 500  # bound the size of IN (...) lists


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    unique = list(set(items))
    for start in range(0, len(unique), _IN_CHUNK):
        yield unique[start : start + _IN_CHUNK]


# -- subjects ------------------------------------------------------------------------------------------------
def subject_ids(session: Session, organisation: str, subject_refs: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(subject_refs):
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


def replace_fields(session: Session, record_id: str, key_id: str, sealed: dict[str, bytes], now: datetime) -> None:
    session.execute(delete(RecordField).where(RecordField.record_id == record_id, RecordField.name.in_(list(sealed))))
    session.execute(
        insert(RecordField.__table__),
        [{"record_id": record_id, "name": n, "data_key_id": key_id, "ciphertext": c} for n, c in sealed.items()],
    )
    session.execute(update(Record).where(Record.id == record_id).values(updated_at=now))


def sealed_fields(session: Session, record_id: str) -> list[RecordField]:
    return list(session.execute(select(RecordField).where(RecordField.record_id == record_id)).scalars())


# -- data keys -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StoredDataKey:
    """A data key row as read: plain values, no ORM identity (these are read by the thousand in imports)."""

    id: str
    subject_id: str
    category: str
    kek_version: int
    wrapped: bytes | None
    seals: int


_DATA_KEY_COLUMNS = (
    DataKeyRow.id,
    DataKeyRow.subject_id,
    DataKeyRow.category,
    DataKeyRow.kek_version,
    DataKeyRow.wrapped,
    DataKeyRow.seals,
)


def _stored(row: Row[str, str, str, int, bytes | None, int]) -> StoredDataKey:
    return StoredDataKey(row[0], row[1], row[2], int(row[3]), None if row[4] is None else bytes(row[4]), int(row[5]))


def data_keys_for(session: Session, subject_ids: Iterable[str], category: str) -> dict[str, StoredDataKey]:
    found: dict[str, StoredDataKey] = {}
    for chunk in _chunks(subject_ids):
        query = select(*_DATA_KEY_COLUMNS).where(DataKeyRow.category == category, DataKeyRow.subject_id.in_(chunk))
        found.update({row[1]: _stored(row) for row in session.execute(query)})
    return found


def add_data_keys(session: Session, rows: Sequence[dict[str, object]]) -> None:
    if rows:
        session.execute(insert(DataKeyRow.__table__), list(rows))


def get_data_key(session: Session, key_id: str) -> StoredDataKey | None:
    row = session.execute(select(*_DATA_KEY_COLUMNS).where(DataKeyRow.id == key_id)).first()
    return _stored(row) if row else None


def count_seals(session: Session, counts: dict[str, int]) -> None:
    """Atomic increments (several processes may seal under one key), as one executemany."""
    if not counts:
        return
    table = DataKeyRow.__table__
    statement = update(table).where(table.c.id == bindparam("key_id")).values(seals=table.c.seals + bindparam("sealed"))
    session.execute(statement, [{"key_id": key_id, "sealed": n} for key_id, n in counts.items()])


def data_keys_under(session: Session, category: str, below_version: int, limit: int) -> list[StoredDataKey]:
    query = (
        select(*_DATA_KEY_COLUMNS)
        .where(DataKeyRow.category == category, DataKeyRow.kek_version < below_version, DataKeyRow.wrapped.is_not(None))
        .order_by(DataKeyRow.id)
        .limit(limit)
    )
    return [_stored(row) for row in session.execute(query)]


def rewrap(session: Session, changes: Sequence[dict[str, object]]) -> None:
    """ORM bulk UPDATE by primary key: one executemany, no per-row session synchronisation."""
    if changes:
        session.execute(update(DataKeyRow), list(changes))


def data_key_counts(session: Session) -> list[tuple[str, int, int, int]]:
    """(category, kek_version, live data keys, field seals) per KEK version in use."""
    query = (
        select(DataKeyRow.category, DataKeyRow.kek_version, func.count(), func.coalesce(func.sum(DataKeyRow.seals), 0))
        .where(DataKeyRow.wrapped.is_not(None))
        .group_by(DataKeyRow.category, DataKeyRow.kek_version)
        .order_by(DataKeyRow.category, DataKeyRow.kek_version)
    )
    return [(c, int(v), int(n), int(s)) for c, v, n, s in session.execute(query)]


# -- assignments (need-to-know per case) ---------------------------------------------------------------------
def add_assignment(
    session: Session,
    *,
    organisation: str,
    case_ref: str,
    user_id: str,
    role: Role,
    relation: Relation,
    starts_at: datetime,
    ends_at: datetime | None,
    created_by: str,
) -> int:
    result = session.execute(
        insert(CaseAssignment).returning(CaseAssignment.id),
        [
            {
                "organisation": organisation,
                "case_ref": case_ref,
                "user_id": user_id,
                "role": role.value,
                "relation": relation.value,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "created_by": created_by,
            }
        ],
    )
    return int(result.scalar_one())


def revoke_assignments(
    session: Session, *, organisation: str, case_ref: str, user_id: str, role: Role, now: datetime
) -> int:
    result = session.execute(
        update(CaseAssignment)
        .where(
            CaseAssignment.organisation == organisation,
            CaseAssignment.case_ref == case_ref,
            CaseAssignment.user_id == user_id,
            CaseAssignment.role == role.value,
            CaseAssignment.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    assert isinstance(result, CursorResult)  # an UPDATE always yields one
    return int(result.rowcount)


def relations_to_cases(
    session: Session, *, organisation: str, case_refs: Iterable[str], user_id: str, roles: Iterable[Role], now: datetime
) -> dict[str, dict[Role, Relation]]:
    """relations_to_case for many cases at once (bulk import): one query per 500 cases."""
    roles = list(roles)
    cases = set(case_refs)
    result = {case: dict.fromkeys(roles, Relation.NONE) for case in cases}
    if not roles:
        return result
    held = {role.value: role for role in roles}
    for chunk in _chunks(cases):
        query = select(CaseAssignment.case_ref, CaseAssignment.role, CaseAssignment.relation).where(
            CaseAssignment.user_id == user_id,
            CaseAssignment.organisation == organisation,
            CaseAssignment.case_ref.in_(chunk),
            CaseAssignment.revoked_at.is_(None),
            CaseAssignment.starts_at <= now,
            or_(CaseAssignment.ends_at.is_(None), CaseAssignment.ends_at > now),
            CaseAssignment.role.in_(list(held)),
        )
        for case, role_name, relation_name in session.execute(query):
            _merge(result[case], held[role_name], Relation(relation_name))
    return result


def _merge(relations: dict[Role, Relation], role: Role, relation: Relation) -> None:
    if relation is Relation.ASSIGNED or relations[role] is Relation.NONE:
        relations[role] = relation


def relations_to_case(
    session: Session, *, organisation: str, case_ref: str, user_id: str, roles: Iterable[Role], now: datetime
) -> dict[Role, Relation]:
    """Each held role's relation to the case: ASSIGNED beats DELEGATED beats NONE. One indexed lookup."""
    held = {role.value: role for role in roles}
    relations = dict.fromkeys(held.values(), Relation.NONE)
    query = select(CaseAssignment.role, CaseAssignment.relation).where(
        CaseAssignment.user_id == user_id,
        CaseAssignment.organisation == organisation,
        CaseAssignment.case_ref == case_ref,
        CaseAssignment.revoked_at.is_(None),
        CaseAssignment.starts_at <= now,
        or_(CaseAssignment.ends_at.is_(None), CaseAssignment.ends_at > now),
        CaseAssignment.role.in_(list(held)),
    )
    for role_name, relation_name in session.execute(query):
        _merge(relations, held[role_name], Relation(relation_name))
    return relations


# -- policy rules --------------------------------------------------------------------------------------------
def policy_rules(session: Session) -> list[tuple[str, ...]]:
    query = select(PolicyRule).order_by(PolicyRule.id)
    rows = session.execute(query).scalars()
    return [tuple(v for v in (r.ptype, r.v0, r.v1, r.v2, r.v3, r.v4, r.v5) if v) for r in rows]


def replace_policy_rules(session: Session, rules: Sequence[tuple[str, ...]]) -> None:
    session.execute(delete(PolicyRule))
    session.execute(
        insert(PolicyRule),
        [{"ptype": r[0], **{f"v{i}": v for i, v in enumerate(r[1:])}} for r in rules],
    )


# -- cases and advice ----------------------------------------------------------------------------------------
def get_case(session: Session, organisation: str, case_ref: str) -> Case | None:
    return session.get(Case, (organisation, case_ref))


def add_case(
    session: Session, organisation: str, case_ref: str, subject_id: str, referred_by: str, now: datetime
) -> None:
    session.execute(
        insert(Case.__table__),
        [
            {
                "organisation": organisation,
                "case_ref": case_ref,
                "subject_id": subject_id,
                "status": "referred",
                "referred_at": now,
                "referred_by": referred_by,
            }
        ],
    )


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


def advice_versions(session: Session, organisation: str, case_ref: str) -> list[Advice]:
    query = select(Advice).where(Advice.organisation == organisation, Advice.case_ref == case_ref)
    return list(session.execute(query.order_by(Advice.version)).scalars())


def add_advice(
    session: Session,
    *,
    id: str,
    organisation: str,
    case_ref: str,
    body: str,
    recipient: str,
    published_by: str,
    now: datetime,
) -> int:
    """The next version number; the unique (organisation, case, version) makes concurrent publishers retry."""
    latest = session.scalar(
        select(func.max(Advice.version)).where(Advice.organisation == organisation, Advice.case_ref == case_ref)
    )
    version = int(latest or 0) + 1
    session.execute(
        insert(Advice.__table__),
        [
            {
                "id": id,
                "organisation": organisation,
                "case_ref": case_ref,
                "version": version,
                "body": body,
                "recipient": recipient,
                "published_by": published_by,
                "published_at": now,
            }
        ],
    )
    return version
