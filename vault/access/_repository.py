"""SQL the access package reads: the requester's standing in the unit register, each held role's relation to a case,
and the stored policy rules."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, bindparam, case, delete, func, insert, literal, or_, select, tuple_, update
from sqlalchemy.orm import Session

from vault._kit import chunks, fetch_all
from vault.access._policy_files import Rule
from vault.access._target import SealedField
from vault.models import (
    CaseAssignment,
    DataKeyRow,
    Delegation,
    PolicyRule,
    ProcessingAgreement,
    Record,
    RecordField,
    RecordFieldVersion,
    Restriction,
    RestrictionException,
    UnitMember,
)


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """A live assignment as stored: its decisive columns and the MAC that seals them."""

    id: int
    organisation: str
    case_ref: str
    user_id: str
    role: str
    relation: str
    starts_at: datetime
    ends_at: datetime | None
    revoked_at: datetime | None
    mac: bytes | None


ASSIGNMENT_COLUMNS = (
    CaseAssignment.id,
    CaseAssignment.organisation,
    CaseAssignment.case_ref,
    CaseAssignment.user_id,
    CaseAssignment.role,
    CaseAssignment.relation,
    CaseAssignment.starts_at,
    CaseAssignment.ends_at,
    CaseAssignment.revoked_at,
    CaseAssignment.mac,
)


_LIVE_ASSIGNMENTS = select(*ASSIGNMENT_COLUMNS).where(  # built once: every decision about a case runs it
    CaseAssignment.user_id == bindparam("user_id"),
    CaseAssignment.organisation == bindparam("organisation"),
    CaseAssignment.case_ref.in_(bindparam("case_refs", expanding=True)),
    CaseAssignment.revoked_at.is_(None),
    CaseAssignment.starts_at <= bindparam("now"),
    or_(CaseAssignment.ends_at.is_(None), CaseAssignment.ends_at > bindparam("now")),
    CaseAssignment.role.in_(bindparam("roles", expanding=True)),
)


def assignment_rows(
    session: Session, *, organisation: str, user_id: str, case_refs: Iterable[str], roles: Sequence[str], now: datetime
) -> list[AssignmentRow]:
    """The user's live assignments on these cases: one indexed query per 500 cases."""
    found: list[AssignmentRow] = []
    if not roles:
        return found
    params = {"user_id": user_id, "organisation": organisation, "roles": list(roles), "now": now}
    for chunk in chunks(case_refs):
        found.extend(
            assignment_row(row) for row in fetch_all(session, _LIVE_ASSIGNMENTS, {**params, "case_refs": chunk})
        )
    return found


def assignment_row(row: Any) -> AssignmentRow:
    """An assignment from a row of AssignmentRow's columns, in order (extra columns after them are ignored)."""
    mac = None if row[9] is None else bytes(row[9])
    return AssignmentRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], mac)


def unsealed_assignments(session: Session) -> list[AssignmentRow]:
    """Assignments without a MAC (rows from before migration 0005)."""
    query = select(*ASSIGNMENT_COLUMNS).where(CaseAssignment.mac.is_(None)).order_by(CaseAssignment.id)
    return [assignment_row(row) for row in session.execute(query)]


def set_assignment_macs(session: Session, macs: dict[int, bytes]) -> None:
    if not macs:
        return
    table = CaseAssignment.__table__
    statement = update(table).where(table.c.id == bindparam("b_id")).values(mac=bindparam("b_mac"))
    session.execute(statement, [{"b_id": key, "b_mac": mac} for key, mac in macs.items()])


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A live registration in the unit register as stored: its decisive columns and the MAC that seals them."""

    id: int
    organisation: str
    user_id: str
    role: str
    credential: str | None
    credential_date: datetime | None
    verified_by: str | None
    supervisor: str | None
    starts_at: datetime
    ends_at: datetime | None
    status: str
    mac: bytes
    processor: str | None = None  # the processor the member works for (R47); None: the controller's own staff


MEMBER_COLUMNS = (
    UnitMember.id,
    UnitMember.organisation,
    UnitMember.user_id,
    UnitMember.role,
    UnitMember.credential,
    UnitMember.credential_date,
    UnitMember.verified_by,
    UnitMember.supervisor,
    UnitMember.starts_at,
    UnitMember.ends_at,
    UnitMember.status,
    UnitMember.mac,
    UnitMember.processor,
)
_SUPERVISORS = (
    select(UnitMember.supervisor)
    .where(
        UnitMember.organisation == bindparam("organisation"),
        UnitMember.user_id == bindparam("user_id"),
        UnitMember.supervisor.is_not(None),
    )
    .scalar_subquery()
)
# Built once: every unit of work of a requester with a data role runs it. The requester's live registrations and
# those of the advisers supervising them, in one round trip.
_LIVE_MEMBERS = select(*MEMBER_COLUMNS).where(
    UnitMember.organisation == bindparam("organisation"),
    or_(UnitMember.user_id == bindparam("user_id"), UnitMember.user_id.in_(_SUPERVISORS)),
    UnitMember.status == "active",
    UnitMember.starts_at <= bindparam("now"),
    or_(UnitMember.ends_at.is_(None), UnitMember.ends_at > bindparam("now")),
)


def live_members(session: Session, *, organisation: str, user_id: str, now: datetime) -> list[MemberRow]:
    """The user's registrations active at ``now``, and those of the advisers named as their supervisor."""
    rows = fetch_all(session, _LIVE_MEMBERS, {"organisation": organisation, "user_id": user_id, "now": now})
    return [member_row(row) for row in rows]


def member_row(row: Any) -> MemberRow:
    """A registration from a row of MemberRow's columns, in order (extra columns after them are ignored)."""
    return MemberRow(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], bytes(row[11]), row[12]
    )


@dataclass(frozen=True, slots=True)
class DelegationRow:
    """A delegation as stored: its decisive columns and the MAC that seals them."""

    id: int
    organisation: str
    delegator: str
    delegate: str
    case_ref: str | None
    starts_at: datetime
    ends_at: datetime
    revoked_at: datetime | None
    mac: bytes


DELEGATION_COLUMNS = (
    Delegation.id,
    Delegation.organisation,
    Delegation.delegator,
    Delegation.delegate,
    Delegation.case_ref,
    Delegation.starts_at,
    Delegation.ends_at,
    Delegation.revoked_at,
    Delegation.mac,
)
_LIVE_DELEGATIONS = select(*DELEGATION_COLUMNS).where(  # built once: every unit of an adviser about a case runs it
    Delegation.organisation == bindparam("organisation"),
    Delegation.delegate == bindparam("delegate"),
    Delegation.revoked_at.is_(None),
    Delegation.starts_at <= bindparam("now"),
    Delegation.ends_at > bindparam("now"),
)


def live_delegations(session: Session, *, organisation: str, delegate: str, now: datetime) -> list[DelegationRow]:
    rows = fetch_all(session, _LIVE_DELEGATIONS, {"organisation": organisation, "delegate": delegate, "now": now})
    return [delegation_row(row) for row in rows]


def delegation_row(row: Any) -> DelegationRow:
    """A delegation from a row of DelegationRow's columns, in order (extra columns after them are ignored)."""
    return DelegationRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], bytes(row[8]))


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """A processing agreement as stored: its decisive columns and the MAC that seals them."""

    id: int
    organisation: str
    processor: str
    reference: str
    roles: str  # sorted, comma-separated
    starts_at: datetime
    ends_at: datetime | None
    ended_at: datetime | None
    mac: bytes


AGREEMENT_COLUMNS = (
    ProcessingAgreement.id,
    ProcessingAgreement.organisation,
    ProcessingAgreement.processor,
    ProcessingAgreement.reference,
    ProcessingAgreement.roles,
    ProcessingAgreement.starts_at,
    ProcessingAgreement.ends_at,
    ProcessingAgreement.ended_at,
    ProcessingAgreement.mac,
)
_LIVE_AGREEMENTS = select(*AGREEMENT_COLUMNS).where(  # built once: every unit of a processor's staff runs it
    ProcessingAgreement.organisation == bindparam("organisation"),
    ProcessingAgreement.processor == bindparam("processor"),
    ProcessingAgreement.ended_at.is_(None),
    ProcessingAgreement.starts_at <= bindparam("now"),
    or_(ProcessingAgreement.ends_at.is_(None), ProcessingAgreement.ends_at > bindparam("now")),
)


def live_agreements(session: Session, *, organisation: str, processor: str, now: datetime) -> list[AgreementRow]:
    rows = fetch_all(session, _LIVE_AGREEMENTS, {"organisation": organisation, "processor": processor, "now": now})
    return [agreement_row(row) for row in rows]


def agreement_row(row: Any) -> AgreementRow:
    """An agreement from a row of AgreementRow's columns, in order (extra columns after them are ignored)."""
    return AgreementRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], bytes(row[8]))


def policy_rules(session: Session) -> list[Rule]:
    rows = session.execute(select(PolicyRule).order_by(PolicyRule.id)).scalars()
    return [tuple(v for v in (r.ptype, r.v0, r.v1, r.v2, r.v3, r.v4, r.v5) if v) for r in rows]


def replace_policy_rules(session: Session, rules: Sequence[Rule]) -> None:
    session.execute(delete(PolicyRule))
    session.execute(
        insert(PolicyRule),
        [{"ptype": r[0], **{f"v{i}": v for i, v in enumerate(r[1:])}} for r in rules],
    )


@dataclass(frozen=True, slots=True)
class StoredField:
    """A sealed field with the context its envelope is bound to (for re-sealing under another key)."""

    record_id: str
    name: str
    ciphertext: bytes
    category: str
    subject_id: str
    case_ref: str
    retention_class: str
    organisation: str


_SEALED_FIELDS = select(RecordField.name, RecordField.data_key_id, RecordField.ciphertext).where(
    RecordField.record_id == bindparam("record_id")
)  # built once: every record read runs it


def sealed_fields(session: Session, record_id: str) -> list[SealedField]:
    """A record's fields as stored now: name, data key, envelope."""
    rows = fetch_all(session, _SEALED_FIELDS, {"record_id": record_id})
    return [SealedField(name, key_id, bytes(envelope)) for name, key_id, envelope in rows]


def fields_under_key(session: Session, key_id: str) -> list[StoredField]:
    """The fields one data key sealed, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite's write
    transactions are serial): a concurrent update waits, and is not overwritten with a stale value."""
    query = (
        select(
            RecordField.record_id,
            RecordField.name,
            RecordField.ciphertext,
            Record.category,
            Record.subject_id,
            Record.case_ref,
            Record.retention_class,
            Record.organisation,
        )
        .join(Record, Record.id == RecordField.record_id)
        .where(RecordField.data_key_id == key_id)
        .with_for_update(of=RecordField)
    )
    return [StoredField(r[0], r[1], bytes(r[2]), r[3], r[4], r[5], r[6], r[7]) for r in session.execute(query)]


def reseal_fields(session: Session, old_key_id: str, changes: Sequence[dict[str, object]]) -> None:
    """Move fields from the old key to their new envelopes; a field no longer under the old key is left alone."""
    if not changes:
        return
    table = RecordField.__table__
    statement = (
        update(table)
        .where(
            table.c.record_id == bindparam("b_record"),
            table.c.name == bindparam("b_name"),
            table.c.data_key_id == bindparam("b_old"),
        )
        .values(data_key_id=bindparam("b_key"), ciphertext=bindparam("b_ciphertext"))
    )
    session.execute(
        statement,
        [
            {
                "b_record": c["record_id"],
                "b_name": c["name"],
                "b_old": old_key_id,
                "b_key": c["data_key_id"],
                "b_ciphertext": c["ciphertext"],
            }
            for c in changes
        ],
    )


def fields_still_under(session: Session, key_id: str) -> int:
    """How many fields, and kept earlier values (R28), the key still seals: a key that seals any is not destroyed
    by a migration (the history stays readable under it)."""
    current = select(func.count()).select_from(RecordField).where(RecordField.data_key_id == key_id)
    kept = select(func.count()).select_from(RecordFieldVersion).where(RecordFieldVersion.data_key_id == key_id)
    return int(session.scalar(current) or 0) + int(session.scalar(kept) or 0)


@dataclass(frozen=True, slots=True)
class FormatOneField:
    """A field still sealed in envelope format 1, with what re-sealing it under its own key in format 2 needs."""

    record_id: str
    name: str
    data_key_id: str
    ciphertext: bytes
    category: str
    subject_id: str
    organisation: str
    case_ref: str


def format_one_fields(session: Session, after: tuple[str, str], limit: int) -> list[FormatOneField]:
    """The next fields (after ``after`` in (record, name) order) whose envelope is format 1, locked for this
    transaction (FOR UPDATE on PostgreSQL; SQLite's write transactions are serial)."""
    query = (
        select(
            RecordField.record_id,
            RecordField.name,
            RecordField.data_key_id,
            RecordField.ciphertext,
            Record.category,
            Record.subject_id,
            Record.organisation,
            Record.case_ref,
        )
        .join(Record, Record.id == RecordField.record_id)
        .where(
            func.substr(RecordField.ciphertext, 1, 1) == literal(b"\x01", LargeBinary),
            tuple_(RecordField.record_id, RecordField.name) > tuple_(literal(after[0]), literal(after[1])),
        )
        .order_by(RecordField.record_id, RecordField.name)
        .limit(limit)
        .with_for_update(of=RecordField)
    )
    return [FormatOneField(r[0], r[1], r[2], bytes(r[3]), r[4], r[5], r[6], r[7]) for r in session.execute(query)]


def replace_envelopes(session: Session, changes: Sequence[tuple[str, str, bytes, bytes]]) -> None:
    """(record, name, old envelope, new envelope): the new one where the old one is still stored."""
    table = RecordField.__table__
    statement = (
        update(table)
        .where(
            table.c.record_id == bindparam("b_record"),
            table.c.name == bindparam("b_name"),
            table.c.ciphertext == bindparam("b_old"),
        )
        .values(ciphertext=bindparam("b_new"))
    )
    if changes:
        session.execute(
            statement, [{"b_record": r, "b_name": n, "b_old": old, "b_new": new} for r, n, old, new in changes]
        )


# -- restriction of processing (R30; decided on in vault/access/_restrictions.py) ----------------------------------
@dataclass(frozen=True, slots=True)
class RestrictionRow:
    """A restriction as stored: its decisive columns and the MAC that seals them."""

    id: int
    organisation: str
    subject_id: str
    category: str
    case_ref: str | None  # None: every case of the subject
    lifted_at: datetime | None
    mac: bytes | None

    def covers(self, case_ref: str) -> bool:
        return self.case_ref is None or self.case_ref == case_ref


@dataclass(frozen=True, slots=True)
class ExceptionRow:
    id: int
    organisation: str
    restriction_id: int
    kind: str
    purpose: str
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    mac: bytes | None


_RESTRICTION_COLUMNS = (
    Restriction.id,
    Restriction.organisation,
    Restriction.subject_id,
    Restriction.category,
    Restriction.case_ref,
    Restriction.lifted_at,
    Restriction.mac,
)
# Built once: every decryption runs it (an index lookup that finds nothing, for almost every subject).
# By subject only (pseudonyms are unique across organisations): a row whose organisation or category was changed in
# the database is still found, and fails its seal.
_OF_SUBJECTS = select(*_RESTRICTION_COLUMNS).where(Restriction.subject_id.in_(bindparam("subjects", expanding=True)))
_EXCEPTION_COLUMNS = (
    RestrictionException.id,
    RestrictionException.organisation,
    RestrictionException.restriction_id,
    RestrictionException.kind,
    RestrictionException.purpose,
    RestrictionException.starts_at,
    RestrictionException.ends_at,
    RestrictionException.ended_at,
    RestrictionException.mac,
)


def restriction_row(row: Any) -> RestrictionRow:
    mac = None if row[6] is None else bytes(row[6])
    return RestrictionRow(row[0], row[1], row[2], row[3], row[4], row[5], mac)


def exception_row(row: Any) -> ExceptionRow:
    mac = None if row[8] is None else bytes(row[8])
    return ExceptionRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], mac)


def restrictions_of(session: Session, subject_ids: list[str]) -> list[RestrictionRow]:
    """Every restriction row on these subjects, whatever its organisation, category or state says."""
    return [restriction_row(row) for row in fetch_all(session, _OF_SUBJECTS, {"subjects": subject_ids})]


def pre_scope_keys_seal(session: Session, key_ids: Sequence[str], case_refs: Sequence[str]) -> bool:
    """Whether any of these keys seals a field, or a value a change replaced (R28), of a record on these cases."""
    if not key_ids or not case_refs:
        return False
    current = (
        select(RecordField.record_id)
        .join(Record, Record.id == RecordField.record_id)
        .where(RecordField.data_key_id.in_(list(key_ids)), Record.case_ref.in_(list(case_refs)))
        .limit(1)
    )
    kept = (
        select(RecordFieldVersion.record_id)
        .join(Record, Record.id == RecordFieldVersion.record_id)
        .where(RecordFieldVersion.data_key_id.in_(list(key_ids)), Record.case_ref.in_(list(case_refs)))
        .limit(1)
    )
    return session.execute(current).first() is not None or session.execute(kept).first() is not None


def exceptions_for(session: Session, restriction_ids: list[int], purpose: str, now: datetime) -> list[ExceptionRow]:
    """The exceptions for ``purpose`` on these restrictions that are live by their columns (their seals are the
    caller's to check)."""
    query = select(*_EXCEPTION_COLUMNS).where(
        RestrictionException.restriction_id.in_(restriction_ids),
        RestrictionException.purpose == purpose,
        RestrictionException.ended_at.is_(None),
        RestrictionException.starts_at <= now,
        RestrictionException.ends_at > now,
    )
    return [exception_row(row) for row in session.execute(query)]


def locked_restriction(session: Session, organisation: str, restriction_id: int) -> RestrictionRow | None:
    """One restriction, locked for this transaction."""
    query = (
        select(*_RESTRICTION_COLUMNS)
        .where(Restriction.organisation == organisation, Restriction.id == restriction_id)
        .with_for_update()
    )
    rows = session.execute(query).all()
    return restriction_row(rows[0]) if rows else None


def locked_exception(session: Session, organisation: str, exception_id: int) -> ExceptionRow | None:
    """One exception, locked for this transaction."""
    query = (
        select(*_EXCEPTION_COLUMNS)
        .where(RestrictionException.organisation == organisation, RestrictionException.id == exception_id)
        .with_for_update()
    )
    rows = session.execute(query).all()
    return exception_row(rows[0]) if rows else None


def records_sealed_by(session: Session, subject_id: str, key_ids: Sequence[str]) -> set[str]:
    """The subject's records any of these keys (all of that subject's) seals a field of, or a value a change
    replaced (R28). Found through the subject's records, so no index on the fields' key is needed (imports write
    every field row; a retention run asks once per scope)."""
    if not key_ids:
        return set()
    current = (
        select(RecordField.record_id)
        .join(Record, Record.id == RecordField.record_id)
        .where(Record.subject_id == subject_id, RecordField.data_key_id.in_(list(key_ids)))
    )
    kept = (
        select(RecordFieldVersion.record_id)
        .join(Record, Record.id == RecordFieldVersion.record_id)
        .where(Record.subject_id == subject_id, RecordFieldVersion.data_key_id.in_(list(key_ids)))
    )
    return {str(r) for (r,) in session.execute(current.union(kept))}


def retention_candidates(
    session: Session, organisation: str, subject_ids: Sequence[str] | None
) -> list[tuple[Any, ...]]:
    """The organisation's records that a live data key still seals (of these subjects, or all), by case."""
    pre_scope = func.max(case((DataKeyRow.case_ref.is_(None), 1), else_=0))
    columns = (
        Record.id,
        Record.subject_id,
        Record.case_ref,
        Record.category,
        Record.kind,
        Record.retention_class,
        Record.updated_at,
    )
    query = (
        select(*columns, pre_scope)
        .join(RecordField, RecordField.record_id == Record.id)
        .join(DataKeyRow, DataKeyRow.id == RecordField.data_key_id)
        .where(Record.organisation == organisation, DataKeyRow.wrapped.is_not(None))
        .group_by(*columns)
        .order_by(Record.case_ref, Record.id)
    )
    if subject_ids is not None:
        query = query.where(Record.subject_id.in_(list(subject_ids)))
    return [tuple(row) for row in session.execute(query)]


def kek_versions_in_use(session: Session, category: str) -> list[int]:
    """The KEK versions that wrap a live data key of the category."""
    query = (
        select(DataKeyRow.kek_version)
        .where(DataKeyRow.category == category, DataKeyRow.wrapped.is_not(None))
        .distinct()
        .order_by(DataKeyRow.kek_version)
    )
    return [int(v) for v in session.scalars(query)]
