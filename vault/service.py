"""The vault service: the one path every caller takes — decide, audit, then (and only then) decrypt.

Each operation runs in one transaction that holds the decision's audit event. Data leaves only after that
transaction commits; if it cannot commit, the caller gets AuditUnavailable and nothing else (fail closed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vault import repository
from vault.audit_event import ActionCode, Actor, AuditEvent
from vault.audit_log import AuditLog
from vault.crypto import DataKey, FieldContext
from vault.data_keys import DataKeys
from vault.errors import (
    AccessDenied,
    AuditUnavailable,
    DecryptionFailed,
    InvalidInput,
    KeyUnavailable,
    NotFound,
)
from vault.keys import KeyProvider
from vault.models import Record, RecordField
from vault.policy import Decision, Policy
from vault.records import CreatedRecord, NewRecord, RecordView
from vault.references import new_reference
from vault.vocabulary import Action, Category, Purpose, Relation, Resource, Role

_CONFLICT_RETRIES = 2


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Per input position: the created record, or None where the policy denied it (the denial is audited)."""

    created: list[CreatedRecord | None]

    @property
    def denied(self) -> list[int]:
        return [i for i, item in enumerate(self.created) if item is None]


class Vault:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        keys: KeyProvider,
        policy: Policy,
        audit: AuditLog,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._policy = policy
        self._audit = audit
        self._data_keys = DataKeys(keys)
        self._clock = clock

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """One unit of work. A storage failure anywhere, the commit included, means the access did not happen."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise AuditUnavailable("storage unavailable: the access was not recorded, so it did not happen") from exc

    # -- records ---------------------------------------------------------------------------------------------
    def create_record(self, actor: Actor, record: NewRecord) -> CreatedRecord:
        created = self.create_records(actor, [record]).created[0]
        if created is None:
            raise AccessDenied("not allowed to create this record")
        return created

    def create_records(self, actor: Actor, records: Sequence[NewRecord]) -> BatchResult:
        """Decide each record, seal the allowed ones, store them and their audit events in one transaction.

        Two writers creating the first record of the same new subject race on its unique subject and data-key rows;
        the loser's transaction rolls back whole and is run again, and then finds the winner's rows.
        """
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                return self._create_records_once(actor, records)
            except AuditUnavailable as exc:
                if attempt == _CONFLICT_RETRIES or not isinstance(exc.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")

    def _create_records_once(self, actor: Actor, records: Sequence[NewRecord]) -> BatchResult:
        now = self._clock()
        roles = _roles(actor)
        with self._transaction() as session:
            relations = repository.relations_to_cases(
                session,
                organisation=actor.organisation,
                case_refs={r.case_ref for r in records},
                user_id=actor.user,
                roles=roles,
                now=now,
            )
            decisions = [
                self._policy.decide(relations[r.case_ref], r.category, Action.CREATE, r.purpose) for r in records
            ]
            allowed = [r for r, d in zip(records, decisions, strict=True) if d.allowed]
            subjects = self._subjects(session, actor.organisation, [r.subject_ref for r in allowed], now)
            keys = {
                category: self._data_keys.for_sealing(
                    session, [subjects[r.subject_ref] for r in allowed if r.category is category], category, now
                )
                for category in {r.category for r in allowed}
            }
            rows: dict[str, list[dict[str, object]]] = {"records": [], "fields": [], "references": []}
            created: list[CreatedRecord | None] = []
            events: list[AuditEvent] = []
            for record, decision in zip(records, decisions, strict=True):
                item = None
                if decision.allowed:
                    subject_id = subjects[record.subject_ref]
                    item = self._seal_record(actor, record, subject_id, keys[record.category][subject_id], now, rows)
                created.append(item)
                events.append(_create_event(actor, record, decision, item, subjects.get(record.subject_ref), now))
            repository.add_records(session, rows["records"], rows["fields"], rows["references"])
            self._data_keys.record_seals(session, [k for per in keys.values() for k in per.values()])
            self._audit.append(session, events)
        return BatchResult(created)

    def _subjects(self, session: Session, organisation: str, refs: Sequence[str], now: datetime) -> dict[str, str]:
        known = repository.subject_ids(session, organisation, refs)
        known.update(repository.add_subjects(session, organisation, set(refs) - known.keys(), now))
        return known

    @staticmethod
    def _seal_record(
        actor: Actor,
        record: NewRecord,
        subject_id: str,
        key: DataKey,
        now: datetime,
        rows: dict[str, list[dict[str, object]]],
    ) -> CreatedRecord:
        record_id, reference = str(uuid.uuid4()), new_reference()
        rows["records"].append(
            {
                "id": record_id,
                "organisation": actor.organisation,
                "subject_id": subject_id,
                "case_ref": record.case_ref,
                "category": record.category.value,
                "kind": record.kind,
                "source": record.source,
                "purpose": record.purpose.value,
                "status": "active",
                "created_by": actor.user,
                "created_at": now,
                "updated_at": now,
            }
        )
        for name, value in record.fields.items():
            context = FieldContext(record_id, name, record.category.value, subject_id, key.id)
            rows["fields"].append(
                {"record_id": record_id, "name": name, "data_key_id": key.id, "ciphertext": key.seal(context, value)}
            )
        rows["references"].append(
            {
                "token": reference,
                "record_id": record_id,
                "organisation": actor.organisation,
                "case_ref": record.case_ref,
                "created_at": now,
            }
        )
        return CreatedRecord(record_id, reference)

    def read_record(self, actor: Actor, record_id: str, purpose: Purpose) -> RecordView:
        """Decrypt a record for an allowed requester. Denied and unknown records are audited and refused."""
        now = self._clock()
        with self._transaction() as session:
            found = repository.get_record(session, actor.organisation, record_id) if _is_uuid(record_id) else None
            if found is None:
                self._audit.append(
                    session,
                    [
                        AuditEvent(
                            "R",
                            "record.read",
                            "denied",
                            actor,
                            purpose=purpose.value,
                            rule="n/a",
                            reason="not_found",
                            object_type="record",
                            occurred_at=now,
                        )
                    ],
                )
                view: tuple[Record, str] | None = None
                sealed: list[RecordField] = []
                decision = Decision(False, "n/a")
            else:
                record, reference = found
                relations = repository.relations_to_case(
                    session,
                    organisation=actor.organisation,
                    case_ref=record.case_ref,
                    user_id=actor.user,
                    roles=_roles(actor),
                    now=now,
                )
                decision = self._policy.decide(relations, Category(record.category), Action.READ, purpose)
                sealed = repository.sealed_fields(session, record.id) if decision.allowed else []
                self._audit.append(
                    session, [_read_event(actor, record, reference, purpose, decision, [f.name for f in sealed], now)]
                )
                view = record, reference
        if view is None:
            raise NotFound("no such record")
        if not decision.allowed:
            raise AccessDenied("not allowed to read this record")
        return self._open(actor, view[0], view[1], sealed, purpose, now)

    def _open(
        self, actor: Actor, record: Record, reference: str, sealed: list[RecordField], purpose: Purpose, now: datetime
    ) -> RecordView:
        values: dict[str, str] = {}
        try:
            with self._sessions() as session:
                keys: dict[str, DataKey] = {}
                for item in sealed:
                    key = keys.get(item.data_key_id) or self._data_keys.for_opening(session, item.data_key_id)
                    keys[item.data_key_id] = key
                    context = FieldContext(record.id, item.name, record.category, record.subject_id, key.id)
                    values[item.name] = key.open(context, item.ciphertext)
        except (DecryptionFailed, KeyUnavailable) as exc:
            with self._transaction() as session:
                self._audit.append(
                    session,
                    [
                        replace(
                            _read_event(actor, record, reference, purpose, Decision(True, "n/a"), list(values), now),
                            outcome="failed",
                            rule=None,
                            reason=exc.code,
                            occurred_at=self._clock(),
                        )
                    ],
                )
            raise DecryptionFailed() from None
        return RecordView(
            record.id,
            reference,
            record.case_ref,
            Category(record.category),
            record.kind,
            record.source,
            record.purpose,
            record.status,
            record.created_at,
            values,
        )

    # -- need-to-know assignments -----------------------------------------------------------------------------
    def assign(
        self,
        actor: Actor,
        *,
        case_ref: str,
        user_id: str,
        role: Role,
        relation: Relation = Relation.ASSIGNED,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> int:
        """Give a user need-to-know on a case in one role. Audited as an assignment change."""
        now = self._clock()
        starts = starts_at or now
        if relation is Relation.NONE or (ends_at is not None and ends_at <= starts):
            raise InvalidInput("an assignment needs a relation and an end after its start")
        with self._transaction() as session:
            decision = self._admin_decision(actor, Resource.ASSIGNMENTS)
            assignment_id = None
            if decision.allowed:
                assignment_id = repository.add_assignment(
                    session,
                    organisation=actor.organisation,
                    case_ref=case_ref,
                    user_id=user_id,
                    role=role,
                    relation=relation,
                    starts_at=starts,
                    ends_at=ends_at,
                    created_by=actor.user,
                )
            self._audit.append(
                session,
                [
                    _admin_event(
                        actor,
                        "assignment.create",
                        "C",
                        decision,
                        now,
                        case_ref=case_ref,
                        target=f"{user_id}:{role.value}",
                    )
                ],
            )
        if assignment_id is None:
            raise AccessDenied("not allowed to manage assignments")
        return assignment_id

    def revoke(self, actor: Actor, *, case_ref: str, user_id: str, role: Role) -> int:
        now = self._clock()
        with self._transaction() as session:
            decision = self._admin_decision(actor, Resource.ASSIGNMENTS)
            count = (
                repository.revoke_assignments(
                    session, organisation=actor.organisation, case_ref=case_ref, user_id=user_id, role=role, now=now
                )
                if decision.allowed
                else 0
            )
            self._audit.append(
                session,
                [
                    _admin_event(
                        actor,
                        "assignment.revoke",
                        "D",
                        decision,
                        now,
                        case_ref=case_ref,
                        target=f"{user_id}:{role.value}",
                    )
                ],
            )
        if not decision.allowed:
            raise AccessDenied("not allowed to manage assignments")
        return count

    # -- operations on keys and the audit log -----------------------------------------------------------------
    def authorize_operation(self, actor: Actor, resource: Resource, event_type: str, detail: str | None = None) -> None:
        """Decide and audit an operator action (key rotation, audit verify/export) before it runs."""
        now = self._clock()
        action_code: ActionCode = "R" if resource is Resource.AUDIT_LOG else "E"
        with self._transaction() as session:
            decision = self._admin_decision(actor, resource)
            self._audit.append(session, [_admin_event(actor, event_type, action_code, decision, now, target=detail)])
        if not decision.allowed:
            raise AccessDenied(f"not allowed: {event_type}")

    def record_outcome(self, actor: Actor, event_type: str, outcome: str, detail: str) -> None:
        """Audit how an operator action ended (e.g. the result of a verification)."""
        with self._transaction() as session:
            self._audit.append(
                session,
                [
                    AuditEvent(
                        "E",
                        event_type,
                        "allowed" if outcome == "ok" else "failed",
                        actor,
                        reason=detail,
                        object_type="operation",
                        occurred_at=self._clock(),
                    )
                ],
            )

    def _admin_decision(self, actor: Actor, resource: Resource) -> Decision:
        purpose = Purpose.AUDIT_REVIEW if resource is Resource.AUDIT_LOG else Purpose.ADMINISTRATION
        action = Action.READ if resource is Resource.AUDIT_LOG else Action.MANAGE
        return self._policy.decide(dict.fromkeys(_roles(actor), Relation.NONE), resource, action, purpose)


# -- helpers -------------------------------------------------------------------------------------------------
def _roles(actor: Actor) -> list[Role]:
    """The actor's roles that Kluis knows; unknown role names grant nothing."""
    known = {role.value for role in Role}
    return [Role(name) for name in actor.roles if name in known]


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _create_event(
    actor: Actor,
    record: NewRecord,
    decision: Decision,
    created: CreatedRecord | None,
    subject_id: str | None,
    now: datetime,
) -> AuditEvent:
    return AuditEvent(
        "C",
        "record.create",
        "allowed" if decision.allowed else "denied",
        actor,
        purpose=record.purpose.value,
        rule=decision.rule,
        reason=None if decision.allowed else "policy",
        object_type="record",
        record_id=created.record_id if created else None,
        reference=created.reference if created else None,
        case_ref=record.case_ref,
        subject=subject_id if created else None,
        category=record.category.value,
        fields=tuple(sorted(record.fields)),
        occurred_at=now,
    )


def _read_event(
    actor: Actor, record: Record, reference: str, purpose: Purpose, decision: Decision, fields: list[str], now: datetime
) -> AuditEvent:
    return AuditEvent(
        "R",
        "record.read",
        "allowed" if decision.allowed else "denied",
        actor,
        purpose=purpose.value,
        rule=decision.rule,
        reason=None if decision.allowed else "policy",
        object_type="record",
        record_id=record.id,
        reference=reference,
        case_ref=record.case_ref,
        subject=record.subject_id,
        category=record.category,
        fields=tuple(fields),
        occurred_at=now,
    )


def _admin_event(
    actor: Actor,
    event_type: str,
    code: ActionCode,
    decision: Decision,
    now: datetime,
    *,
    case_ref: str | None = None,
    target: str | None = None,
) -> AuditEvent:
    return AuditEvent(
        code,
        event_type,
        "allowed" if decision.allowed else "denied",
        actor,
        rule=decision.rule,
        reason=target,
        object_type=event_type.split(".")[0],
        case_ref=case_ref,
        occurred_at=now,
    )
