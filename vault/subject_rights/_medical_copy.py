"""Copies of the medical file (art. 15(3), DOMAIN R27): on the subject's identified access request, a medical adviser
releases the health records of the cases they are assigned to (or delegated) into a copy for the subject or for a
physician the subject named. Work notes are left out unless the adviser includes them, third-party data by record,
and every exclusion is listed with its ground. Each record released is its own audited decision (`release`, for the
purpose the answer serves: legal obligation); the release is recorded without content for the privacy officer, who
sees that it was released and what was left out, never what it says.
"""

from __future__ import annotations

import json

from vault.access import AccessGuard, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.errors import AccessDenied, InvalidInput, NotFound
from vault.models import MedicalRelease
from vault.records import RecordService, SubjectRecord
from vault.subject_rights import _repository as repository
from vault.subject_rights._rectification import carried_out
from vault.subject_rights._schemas import (
    CopiedRecord,
    CopyOrder,
    ExcludedRecord,
    MedicalCopy,
    Physician,
    ReleaseView,
)
from vault.vocabulary import Action, Category, CopyRecipient, ExclusionGround, Purpose, RequestKind

COPY_FORMAT = "kluis.medical-copy.v1"
# Kinds that are the unit's own working notes, marked as such: left out of a copy unless the adviser includes them.
WORK_NOTE_KINDS = frozenset({"work_note"})
_PURPOSE = Purpose.LEGAL_OBLIGATION  # answering the subject is the controller's obligation (art. 12, 15)
_ANSWERED = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})
_CHOSEN = frozenset({ExclusionGround.WORK_NOTE, ExclusionGround.THIRD_PARTY})  # the adviser's to choose


class MedicalCopies:
    def __init__(self, *, guard: AccessGuard, records: RecordService) -> None:
        self._guard = guard
        self._records = records

    def release(self, actor: Actor, request_id: int, order: CopyOrder) -> MedicalCopy:
        """Release the subject's health records (of the adviser's cases) into a copy, with its exclusions."""
        if any(e.ground not in _CHOSEN for e in order.exclude):
            raise InvalidInput("an adviser leaves records out as work notes or third-party data")

        def operation(work: Work) -> MedicalCopy:
            link = carried_out(work, request_id, EventType.MEDICAL_COPY, _PURPOSE, _ANSWERED)
            about = About(object_type="record", subject=link.subject_id, target=link.target)
            held = [
                r for r in self._records.subject_records(work, link.subject_id) if r.category == Category.HEALTH.value
            ]
            chosen = {e.record_id: e.ground for e in order.exclude}
            if not held or set(chosen) - {r.record_id for r in held}:
                problem = NotFound("no such health record of this subject")
                work.refuse(EventType.MEDICAL_COPY, about, Reason.NOT_FOUND, problem, purpose=_PURPOSE)
            # Every record is decided, the ones to leave out too: whether this adviser may release it decides whether
            # the exclusion is theirs to make (another adviser's case is theirs), and an all-excluded copy still
            # rests on a decision.
            where = f"{link.target};recipient:{order.recipient.value}"
            grants = work.authorize_each(
                EventType.MEDICAL_COPY,
                Action.RELEASE,
                [(_PURPOSE, Target(Category.HEALTH, _about(record, link.subject_id, where))) for record in held],
            )
            if not any(grants):
                work.refuse(EventType.MEDICAL_COPY, about, Reason.POLICY, AccessDenied("not allowed to release"))
            excluded: list[tuple[SubjectRecord, ExclusionGround]] = []
            copied: list[CopiedRecord] = []
            for record, grant in zip(held, grants, strict=True):
                if grant is None:  # another adviser's case: theirs to release
                    excluded.append((record, ExclusionGround.OUTSIDE_ADVISERS_CASES))
                    continue
                ground = chosen.get(record.record_id)
                if ground is None and record.kind in WORK_NOTE_KINDS and not order.include_work_notes:
                    ground = ExclusionGround.WORK_NOTE
                if ground is not None:
                    grant.note_reason(Reason.EXCLUDED)  # decided, and left out: nothing opened
                    excluded.append((record, ground))
                    continue
                grant.answers_request(link.request_id)
                values = self._records.open_in(work, grant, record.record_id)
                if values is None:
                    excluded.append((record, ExclusionGround.ERASED))
                    continue
                copied.append(
                    CopiedRecord(
                        record_id=record.record_id,
                        case_ref=record.case_ref,
                        kind=record.kind,
                        origin=record.source,
                        created_at=record.created_at,
                        fields=values,
                    )
                )
            sealing = next(grant for grant in grants if grant is not None)
            physician = order.physician
            release = {
                "request_id": link.request_id,
                "subject_id": link.subject_id,
                "recipient": order.recipient.value,
                "physician_name": None if physician is None else physician.name,
                "physician_big": None if physician is None else physician.big_number,
                "released_by": work.actor.user,
                "released_at": work.now,
                "record_ids": json.dumps([c.record_id for c in copied]),
                "excluded": json.dumps([{"record_id": r.record_id, "ground": g.value} for r, g in excluded]),
            }
            mac = work.release_mac(sealing, release)
            repository.add_release(work.session, {**release, "organisation": work.actor.organisation, "mac": mac})
            return MedicalCopy(
                format=COPY_FORMAT,
                organisation=work.actor.organisation,
                subject=link.subject_id,
                request_id=link.request_id,
                recipient=order.recipient,
                physician=physician,
                released_by=work.actor.user,
                released_at=work.now,
                records=copied,
                excluded=[
                    ExcludedRecord(record_id=r.record_id, case_ref=r.case_ref, kind=r.kind, ground=g)
                    for r, g in excluded
                ],
            )

        return self._guard.run(actor, operation)


def release_view(row: MedicalRelease, sealed: bool) -> ReleaseView:
    """A release as the privacy officer and the access report see it: to whom, when, by whom, how many records,
    what was left out on which ground; never the content. ``sealed``: whether the row is as Kluis wrote it."""
    physician = None if row.physician_name is None else Physician(name=row.physician_name, big_number=row.physician_big)
    return ReleaseView(
        release_id=row.id,
        request_id=row.request_id,
        recipient=CopyRecipient(row.recipient),
        physician=physician,
        released_by=row.released_by,
        released_at=row.released_at,
        records_released=len(json.loads(row.record_ids)),
        excluded=[{"record_id": e["record_id"], "ground": e["ground"]} for e in json.loads(row.excluded)],
        sealed=sealed,
    )


def _about(record: SubjectRecord, subject_id: str, where: str) -> About:
    return About(
        record_id=record.record_id,
        case_ref=record.case_ref,
        subject=subject_id,
        category=Category.HEALTH.value,
        target=where,
    )
