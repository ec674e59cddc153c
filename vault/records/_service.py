"""Records: create (one or a batch), read, update and resolve a reference. Each runs through the access guard:
decide, audit, and only with the grant seal or open the fields."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from pydantic import TypeAdapter, ValidationError

from vault._kit import is_uuid
from vault.access import AccessGuard, FieldsToSeal, Grant, SealedField, SealedRecord, Target, Work, stored_fields
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.errors import AccessDenied, Conflict, Erased, InvalidInput, NotFound
from vault.records import _repository as repository
from vault.records._bsn import BsnFields
from vault.records._references import is_reference, new_reference
from vault.records._repository import CaseRecord, StoredRecord, SubjectRecord
from vault.records._schemas import (
    PROFESSIONAL_OPINION_KINDS,
    STATEMENT_PREFIX,
    BatchResult,
    CreatedRecord,
    FieldName,
    NewRecord,
    RecordHistory,
    RecordSummary,
    RecordVersion,
    RecordView,
    RequestLink,
)
from vault.retention import RetentionSchedule
from vault.vocabulary import Action, Category, Purpose

# A record's status in the views while its subject's data are restricted (R30): shown, never opened.
RESTRICTED = "restricted"


class RecordService:
    def __init__(self, *, guard: AccessGuard, schedule: RetentionSchedule, bsn: BsnFields | None = None) -> None:
        self._guard = guard
        self._schedule = schedule
        self._bsn = bsn or BsnFields({})

    @property
    def schedule(self) -> RetentionSchedule:
        """The retention schedule records are created under (their class, R36)."""
        return self._schedule

    @property
    def bsn_fields(self) -> BsnFields:
        """The kinds of record that may hold a BSN, with their legal bases (R33)."""
        return self._bsn

    # -- create ----------------------------------------------------------------------------------------------
    def create(self, actor: Actor, record: NewRecord) -> CreatedRecord:
        result = self.create_many(actor, [record])
        created = result.created[0]
        if created is None:
            if result.erased:
                raise Erased("the subject's data were erased")
            raise AccessDenied("not allowed to create this record")
        return created

    def create_many(self, actor: Actor, records: Sequence[NewRecord]) -> BatchResult:
        """Decide each record, seal the allowed ones, store them and their audit events in one transaction."""
        for record in records:
            _refuse_reserved(record.fields)
            self._bsn.require(record.category.value, record.kind, record.fields)
        return self._guard.run(
            actor,
            lambda work: self.create_in(work, records, EventType.RECORD_CREATE, Action.CREATE),
            retry_conflicts=True,
        )

    def create_in(self, work: Work, records: Sequence[NewRecord], event_type: EventType, action: Action) -> BatchResult:
        """Create records inside the caller's unit of work (a referral creates its question this way)."""
        targets = [
            (
                r.purpose,
                Target(r.category, About(case_ref=r.case_ref, category=r.category.value, fields=tuple(r.fields))),
            )
            for r in records
        ]
        grants = work.authorize_each(event_type, action, targets)
        allowed = [(r, g) for r, g in zip(records, grants, strict=True) if g is not None]
        # A savepoint: if sealing refuses (a key that will not open), the subjects and keys written so far go with
        # it, and only the events commit.
        with work.session.begin_nested():
            return _seal_and_store(work, grants, allowed, self._schedule)

    def subject_id(self, work: Work, subject_ref: str) -> str:
        """The pseudonym of a subject known to this organisation, created if new (inside the caller's work)."""
        return _subjects(work, [subject_ref])[subject_ref]

    def known_subject_id(self, work: Work, subject_ref: str) -> str | None:
        """The pseudonym of a subject this organisation holds data for, or None (nothing is created)."""
        return repository.subject_ids(work.session, work.actor.organisation, [subject_ref]).get(subject_ref)

    def lock_subject(self, work: Work, subject_id: str) -> None:
        """Serialise what must not interleave for one subject (an erasure, a legal hold, a new data key)."""
        repository.lock_subject(work.session, subject_id)

    def subject_records(self, work: Work, subject_id: str) -> list[SubjectRecord]:
        """Metadata of every record held about a subject, for an access report the caller's work has authorized."""
        return repository.subject_records(work.session, work.actor.organisation, subject_id)

    def summaries(self, work: Work, case_ref: str, categories: Sequence[Category]) -> list[RecordSummary]:
        """Metadata of a case's records in these categories, for a case view the caller's work has authorized."""
        found = repository.case_records(work.session, work.actor.organisation, case_ref, [c.value for c in categories])
        restricted = _restricted(work, case_ref, found)
        return [
            RecordSummary(
                r.token,
                r.category,
                r.kind,
                RESTRICTED if (r.subject_id, r.category) in restricted else r.status,
                r.created_at,
                r.updated_at,
            )
            for r in found
        ]

    # -- read ------------------------------------------------------------------------------------------------
    def read(self, actor: Actor, record_id: str, purpose: Purpose) -> RecordView:
        """Decrypt a record for an allowed requester. Denied and unknown records are audited and refused."""

        def operation(work: Work) -> RecordView:
            record, reference = _find(work, record_id, EventType.RECORD_READ, purpose)
            grant = work.authorize(
                EventType.RECORD_READ, Action.READ, purpose, _target(record, reference), hide_unless_visible=True
            )
            return _view(record, reference, _open(work, grant, record))

        return self._guard.run(actor, operation, reads_only=True)

    def resolve(self, actor: Actor, token: str, purpose: Purpose, case_ref: str | None = None) -> RecordView:
        """What a reference shows this requester: the values if they may read them, else the metadata if they may
        see the case (the claims side), else nothing. A token presented for another case resolves to nothing."""

        def operation(work: Work) -> RecordView:
            found = (
                repository.get_record_by_reference(work.session, work.actor.organisation, token)
                if is_reference(token)
                else None
            )
            if found is None or (case_ref is not None and found[0].case_ref != case_ref):
                work.refuse(
                    EventType.REFERENCE_RESOLVE,
                    About(object_type="record"),
                    Reason.NOT_FOUND,
                    NotFound("no such record"),
                    purpose=purpose,
                )
            record, reference = found
            category = Category(record.category)
            if work.check(category, Action.READ, purpose, record.case_ref).allowed:
                grant = work.authorize(EventType.REFERENCE_RESOLVE, Action.READ, purpose, _target(record, reference))
                return _view(record, reference, _open(work, grant, record))
            work.authorize(
                EventType.REFERENCE_RESOLVE,
                Action.VIEW_METADATA,
                purpose,
                _target(record, reference),
                hide_unless_visible=True,
            )
            if work.restricted(record.subject_id, category, record.case_ref):
                record = record._replace(status=RESTRICTED)
            return _view(record, reference, None)

        return self._guard.run(actor, operation, reads_only=True)

    # -- update ----------------------------------------------------------------------------------------------
    def update(self, actor: Actor, record_id: str, purpose: Purpose, fields: dict[str, str]) -> RecordView:
        """Seal new values for some fields of a record (others stay), audited with the field names; the values
        they replace are kept as the record's previous version (R28)."""
        # The first write under a scope creates its key; two writers doing so at once race on its unique row.
        return self._guard.run(
            actor, lambda work: self.update_in(work, record_id, purpose, fields), retry_conflicts=True
        )

    def update_in(
        self,
        work: Work,
        record_id: str,
        purpose: Purpose,
        fields: dict[str, str],
        *,
        request: RequestLink | None = None,
    ) -> RecordView:
        """Change fields inside the caller's unit of work (a rectification runs it on the subject's request). An
        adviser's professional opinion is not overwritten, and the subject's statements are only ever appended."""
        _refuse_reserved(fields)
        record, reference = _find(work, record_id, EventType.RECORD_UPDATE, purpose, request)
        target = _target(record, reference, tuple(fields), request)
        grant = work.authorize(EventType.RECORD_UPDATE, Action.UPDATE, purpose, target, hide_unless_visible=True)
        if record.kind in PROFESSIONAL_OPINION_KINDS:
            grant.withdraw(
                Reason.PROFESSIONAL_OPINION,
                Conflict("an adviser's professional opinion is not overwritten: add the subject's statement to it"),
            )
        problem = self._bsn.problem(record.category, record.kind, fields)
        if problem is not None:
            grant.withdraw(Reason.NO_BSN_BASIS, InvalidInput(problem))
        self._store(work, grant, record, fields, request)
        return _view(record, reference, None)

    def add_statement_in(
        self, work: Work, record_id: str, purpose: Purpose, statement: str, request: RequestLink
    ) -> RecordView:
        """Append the subject's own statement to a record (R28), as its next ``subject_statement_N`` field: shown
        with the record to whoever may read it, never replacing anything (an adviser's opinion included)."""
        record, reference = _find(work, record_id, EventType.RECORD_STATEMENT, purpose, request)
        repository.lock_record(work.session, record.id)  # two statements at once: the second takes the next number
        taken = repository.statement_names(work.session, record.id, STATEMENT_PREFIX)
        numbers = [
            int(name.removeprefix(STATEMENT_PREFIX)) for name in taken if name[len(STATEMENT_PREFIX) :].isdigit()
        ]
        name = f"{STATEMENT_PREFIX}{max(numbers, default=0) + 1}"
        target = _target(record, reference, (name,), request)
        grant = work.authorize(EventType.RECORD_STATEMENT, Action.UPDATE, purpose, target, hide_unless_visible=True)
        self._store(work, grant, record, {name: statement}, request)
        return _view(record, reference, None)

    @staticmethod
    def _store(
        work: Work, grant: Grant, record: StoredRecord, fields: dict[str, str], request: RequestLink | None
    ) -> None:
        if request is not None:
            grant.answers_request(request.request_id)
        sealed = grant.seal(
            FieldsToSeal(
                record.id,
                record.subject_id,
                Category(record.category),
                record.case_ref,
                record.retention_class,
                dict(fields),
            )
        )
        request_id = None if request is None else request.request_id
        repository.replace_fields(work.session, record.id, sealed, work.now, work.actor.user, request_id)

    def open_in(self, work: Work, grant: Grant, record_id: str) -> dict[str, str] | None:
        """A record's values with a grant the caller's work holds for it (a release into a copy, R27); None when
        its data were erased (nothing to copy)."""
        found = repository.get_record(work.session, work.actor.organisation, record_id)
        if found is None:
            raise NotFound("no such record")
        sealed = stored_fields(work.session, record_id)
        if any(work.keys_destroyed([key]) for key in sorted({f.data_key_id for f in sealed})):
            return None
        return grant.open(_sealed(found[0], sealed))

    # -- history ---------------------------------------------------------------------------------------------
    def history(self, actor: Actor, record_id: str, purpose: Purpose) -> RecordHistory:
        """The record's values now and every value a change replaced, oldest first (R28), for a requester who may
        read it: one audited read."""

        def operation(work: Work) -> RecordHistory:
            record, reference = _find(work, record_id, EventType.RECORD_HISTORY, purpose)
            grant = work.authorize(
                EventType.RECORD_HISTORY, Action.READ, purpose, _target(record, reference), hide_unless_visible=True
            )
            current = _open(work, grant, record)
            kept = repository.field_versions(work.session, record.id)
            versions: list[RecordVersion] = []
            for number in sorted({v.version for v in kept}):
                rows = [v for v in kept if v.version == number]
                values = grant.open(_sealed(record, [SealedField(v.name, v.data_key_id, v.ciphertext) for v in rows]))
                first = rows[0]
                versions.append(RecordVersion(number, first.replaced_at, first.replaced_by, first.request_id, values))
            return RecordHistory(_view(record, reference, current), versions)

        return self._guard.run(actor, operation, reads_only=True)


def _restricted(work: Work, case_ref: str, found: Sequence[CaseRecord]) -> set[tuple[str, str]]:
    """(subject, category) of the records on this case whose data are restricted now (art. 18)."""
    restricted: set[tuple[str, str]] = set()
    for category in sorted({r.category for r in found}):
        subjects = sorted({r.subject_id for r in found if r.category == category})
        rows = work.restrictions_on(subjects, Category(category))
        restricted |= {(row.subject_id, category) for row in rows if row.covers(case_ref)}
    return restricted


def _seal_and_store(
    work: Work, grants: list[Grant | None], allowed: list[tuple[NewRecord, Grant]], schedule: RetentionSchedule
) -> BatchResult:
    subjects = _subjects(work, [r.subject_ref for r, _ in allowed])
    to_seal: list[tuple[Grant, FieldsToSeal]] = []
    for record, grant in allowed:
        fields = FieldsToSeal(
            str(uuid.uuid4()),
            subjects[record.subject_ref],
            record.category,
            record.case_ref,
            schedule.class_of(record.category.value, record.kind).value,
            dict(record.fields),
        )
        to_seal.append((grant, fields))
    sealed = work.seal_each(to_seal)
    rows: dict[str, list[dict[str, object]]] = {"records": [], "fields": [], "references": []}
    created_by_grant: dict[int, CreatedRecord] = {}
    erased: set[int] = set()
    for (record, grant), (_, fields), values in zip(allowed, to_seal, sealed, strict=True):
        if values is None:
            erased.add(id(grant))
            continue
        reference = new_reference()
        _rows(work, record, fields, reference, values, rows)
        grant.name_created(record_id=fields.record_id, reference=reference, subject=fields.subject_id)
        created_by_grant[id(grant)] = CreatedRecord(fields.record_id, reference)
    repository.add_records(work.session, rows["records"], rows["fields"], rows["references"])
    created = [None if g is None else created_by_grant.get(id(g)) for g in grants]
    return BatchResult(created, frozenset(i for i, g in enumerate(grants) if g is not None and id(g) in erased))


def _find(
    work: Work, record_id: str, event_type: EventType, purpose: Purpose, request: RequestLink | None = None
) -> tuple[StoredRecord, str]:
    """The record and its reference, or a refusal (audited, without identifiers) when there is none to find, or
    when it is not the subject's whose request this change answers."""
    found = repository.get_record(work.session, work.actor.organisation, record_id) if is_uuid(record_id) else None
    if found is None or (request is not None and found[0].subject_id != request.subject_id):
        about = About(object_type="record", target=None if request is None else request.target)
        work.refuse(event_type, about, Reason.NOT_FOUND, NotFound("no such record"), purpose=purpose)
    return found


def _subjects(work: Work, refs: Sequence[str]) -> dict[str, str]:
    known = repository.subject_ids(work.session, work.actor.organisation, refs)
    known.update(repository.add_subjects(work.session, work.actor.organisation, set(refs) - known.keys(), work.now))
    return known


def _target(
    record: StoredRecord, reference: str, fields: tuple[str, ...] = (), request: RequestLink | None = None
) -> Target:
    about = About(
        record_id=record.id,
        reference=reference,
        case_ref=record.case_ref,
        subject=record.subject_id,
        category=record.category,
        fields=fields,
        target=None if request is None else request.target,
    )
    return Target(Category(record.category), about)


_FIELD_NAMES = TypeAdapter(dict[FieldName, str])


def _refuse_reserved(fields: dict[str, str]) -> None:
    """Names a create would refuse are refused for a change too (whatever the caller: HTTP, CLI, rectification),
    and the subject's statements are only appended. The message names no input."""
    try:
        _FIELD_NAMES.validate_python(fields)
    except ValidationError:
        raise InvalidInput("a field name is lower-case letters, digits and _, and none is named for a BSN") from None
    if any(name.startswith(STATEMENT_PREFIX) for name in fields):
        raise InvalidInput(f"fields named {STATEMENT_PREFIX}… are the subject's statements: appended, never set")


def _sealed(record: StoredRecord, fields: Sequence[SealedField]) -> SealedRecord:
    return SealedRecord(
        record.id, record.subject_id, Category(record.category), tuple(fields), record.organisation, record.case_ref
    )


def _open(work: Work, grant: Grant, record: StoredRecord) -> dict[str, str]:
    return grant.open(_sealed(record, stored_fields(work.session, record.id)))


def _view(record: StoredRecord, reference: str, values: dict[str, str] | None) -> RecordView:
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
        values or {},
        values_included=values is not None,
    )


def _rows(
    work: Work,
    record: NewRecord,
    fields: FieldsToSeal,
    reference: str,
    values: dict[str, tuple[str, bytes]],
    rows: dict[str, list[dict[str, object]]],
) -> None:
    organisation, now, record_id = work.actor.organisation, work.now, fields.record_id
    rows["records"].append(
        {
            "id": record_id,
            "organisation": organisation,
            "subject_id": fields.subject_id,
            "case_ref": record.case_ref,
            "category": record.category.value,
            "kind": record.kind,
            "retention_class": fields.retention_class,
            "source": record.source,
            "purpose": record.purpose.value,
            "status": "active",
            "created_by": work.actor.user,
            "created_at": now,
            "updated_at": now,
        }
    )
    rows["fields"].extend(
        {"record_id": record_id, "name": name, "data_key_id": key_id, "ciphertext": envelope}
        for name, (key_id, envelope) in values.items()
    )
    rows["references"].append(
        {
            "token": reference,
            "record_id": record_id,
            "organisation": organisation,
            "case_ref": record.case_ref,
            "created_at": now,
        }
    )
