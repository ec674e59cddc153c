"""Record operations: create (one or a batch), read, update, resolve a reference — decide, audit, then decrypt."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vault import repository
from vault.audit_event import Actor, AuditEvent
from vault.crypto import DataKey, FieldContext
from vault.errors import AccessDenied, AuditUnavailable, DecryptionFailed, KeyUnavailable, NotFound, VaultError
from vault.events import create_event, not_found_event, read_event
from vault.models import Record, RecordField
from vault.policy import Decision
from vault.records import CreatedRecord, NewRecord, RecordView
from vault.references import is_reference, new_reference
from vault.service_base import ServiceBase, is_uuid, roles_of
from vault.vocabulary import Action, Category, Purpose

_CONFLICT_RETRIES = 2
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Per input position: the created record, or None where the policy denied it (the denial is audited)."""

    created: list[CreatedRecord | None]

    @property
    def denied(self) -> list[int]:
        return [i for i, item in enumerate(self.created) if item is None]


class RecordService(ServiceBase):
    def create_record(self, actor: Actor, record: NewRecord) -> CreatedRecord:
        created = self.create_records(actor, [record]).created[0]
        if created is None:
            raise AccessDenied("not allowed to create this record")
        return created

    def create_records(self, actor: Actor, records: Sequence[NewRecord]) -> BatchResult:
        """Decide each record, seal the allowed ones, store them and their audit events in one transaction."""

        def once() -> BatchResult:
            with self._transaction() as session:
                return self._create_in(session, actor, records, Action.CREATE, self._clock())

        return self._retrying(once)

    def _retrying(self, work: Callable[[], T]) -> T:
        """Two writers creating the first record of the same new subject race on its unique subject and data-key
        rows; the loser's transaction rolls back whole and is run again, and then finds the winner's rows."""
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                return work()
            except AuditUnavailable as exc:
                if attempt == _CONFLICT_RETRIES or not isinstance(exc.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")

    def _create_in(
        self, session: Session, actor: Actor, records: Sequence[NewRecord], action: Action, now: datetime
    ) -> BatchResult:
        relations = repository.relations_to_cases(
            session,
            organisation=actor.organisation,
            case_refs={r.case_ref for r in records},
            user_id=actor.user,
            roles=roles_of(actor),
            now=now,
        )
        decisions = [self._policy.decide(relations[r.case_ref], r.category, action, r.purpose) for r in records]
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
            events.append(create_event(actor, record, decision, item, subjects.get(record.subject_ref), now))
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

        def lookup(session: Session) -> tuple[Record, str] | None:
            return repository.get_record(session, actor.organisation, record_id) if is_uuid(record_id) else None

        return self._access(actor, purpose, lookup, "record.read", metadata_fallback=False)

    def resolve_reference(self, actor: Actor, token: str, purpose: Purpose, case_ref: str | None = None) -> RecordView:
        """What a reference shows this requester: the values if they may read them, else the metadata if they may
        see the case (the claims side), else nothing. A token presented for another case resolves to nothing."""

        def lookup(session: Session) -> tuple[Record, str] | None:
            found = (
                repository.get_record_by_reference(session, actor.organisation, token) if is_reference(token) else None
            )
            if found is None or (case_ref is not None and found[0].case_ref != case_ref):
                return None
            return found

        return self._access(actor, purpose, lookup, "reference.resolve", metadata_fallback=True)

    def _access(
        self,
        actor: Actor,
        purpose: Purpose,
        lookup: Callable[[Session], tuple[Record, str] | None],
        event_type: str,
        *,
        metadata_fallback: bool,
    ) -> RecordView:
        now = self._clock()
        with self._transaction() as session:
            found = lookup(session)
            if found is None:
                self._audit.append(session, [not_found_event(actor, "R", event_type, purpose, now)])
                raise_after: VaultError | None = NotFound("no such record")
                sealed: list[RecordField] = []
            else:
                record, reference = found
                relations = self._relations(session, actor, record.case_ref, now)
                category = Category(record.category)
                decision = self._policy.decide(relations, category, Action.READ, purpose)
                metadata = self._policy.decide(relations, category, Action.VIEW_METADATA, purpose)
                sealed = repository.sealed_fields(session, record.id) if decision.allowed else []
                raise_after = None
                if decision.allowed or not (metadata_fallback and metadata.allowed):
                    event = read_event(actor, record, reference, purpose, decision, [f.name for f in sealed], now)
                    raise_after = None if decision.allowed else _refusal(metadata)
                else:
                    event = read_event(actor, record, reference, purpose, metadata, [], now)
                self._audit.append(session, [replace(event, event_type=event_type)])
        if raise_after is not None:
            raise raise_after
        view = self._open(actor, record, reference, sealed, purpose, now)
        return replace(view, values_included=decision.allowed)

    def update_record(self, actor: Actor, record_id: str, purpose: Purpose, fields: dict[str, str]) -> RecordView:
        """Seal new values for some fields of a record (others stay), audited with the field names."""
        now = self._clock()
        with self._transaction() as session:
            found = repository.get_record(session, actor.organisation, record_id) if is_uuid(record_id) else None
            if found is None:
                self._audit.append(session, [not_found_event(actor, "U", "record.update", purpose, now)])
                refusal: VaultError | None = NotFound("no such record")
            else:
                record, reference = found
                refusal = self._update_in(session, actor, record, reference, purpose, fields, now)
        if refusal is not None:  # raised after the commit, so the refusal's audit event stays
            raise refusal
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
            {},
            values_included=False,
        )

    def _update_in(
        self,
        session: Session,
        actor: Actor,
        record: Record,
        reference: str,
        purpose: Purpose,
        fields: dict[str, str],
        now: datetime,
    ) -> VaultError | None:
        relations = self._relations(session, actor, record.case_ref, now)
        category = Category(record.category)
        decision = self._policy.decide(relations, category, Action.UPDATE, purpose)
        refusal = None
        if decision.allowed:
            key = self._data_keys.for_sealing(session, [record.subject_id], category, now)[record.subject_id]
            sealed = {
                name: key.seal(FieldContext(record.id, name, record.category, record.subject_id, key.id), value)
                for name, value in fields.items()
            }
            repository.replace_fields(session, record.id, key.id, sealed, now)
            self._data_keys.record_seals(session, [key])
        else:
            refusal = _refusal(self._policy.decide(relations, category, Action.VIEW_METADATA, purpose))
        event = read_event(actor, record, reference, purpose, decision, sorted(fields), now)
        self._audit.append(session, [replace(event, action_code="U", event_type="record.update")])
        return refusal

    def _open(
        self, actor: Actor, record: Record, reference: str, sealed: list[RecordField], purpose: Purpose, now: datetime
    ) -> RecordView:
        values: dict[str, str] = {}
        try:
            with self._read_sessions() as session:  # a read: no write lock
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
                            read_event(actor, record, reference, purpose, Decision(True, "n/a"), list(values), now),
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


def _refusal(metadata: Decision) -> VaultError:
    """Denied: 403 for someone who may see that the record exists (the case view shows it), 404 for anyone else,
    so that existence itself does not leak."""
    return AccessDenied("not allowed") if metadata.allowed else NotFound("no such record")
