"""Record operations: create (one or a batch), read, update, resolve a reference — decide, audit, then decrypt."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vault import repository
from vault.audit_event import Actor, AuditEvent
from vault.crypto import DataKey, FieldContext
from vault.errors import AccessDenied, AuditUnavailable, DecryptionFailed, KeyUnavailable, NotFound
from vault.events import create_event, read_event
from vault.models import Record, RecordField
from vault.policy import Decision
from vault.records import CreatedRecord, NewRecord, RecordView
from vault.references import new_reference
from vault.service_base import ServiceBase, is_uuid, roles_of
from vault.vocabulary import Action, Category, Purpose

_CONFLICT_RETRIES = 2


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
        roles = roles_of(actor)
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
        now = self._clock()
        with self._transaction() as session:
            found = repository.get_record(session, actor.organisation, record_id) if is_uuid(record_id) else None
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
                    roles=roles_of(actor),
                    now=now,
                )
                decision = self._policy.decide(relations, Category(record.category), Action.READ, purpose)
                sealed = repository.sealed_fields(session, record.id) if decision.allowed else []
                self._audit.append(
                    session, [read_event(actor, record, reference, purpose, decision, [f.name for f in sealed], now)]
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
