"""The privacy officer's register of the data subject's requests (DOMAIN R24, R32), legal holds, and erasure by
crypto-shredding (R29). Every step is decided by the policy and audited through the access guard; the privacy
officer never sees a field value on the way.

Beyond the policy it refuses, each refusal audited: answering (or erasing for) a request whose requester has not
been identified; an extension told after the first month, a second extension, or one past three months; a decision
on a request already decided; an objection's outcome for another kind of request; erasing on anything but an
erasure request. A live legal hold defers an erasure with its ground instead: the subject-wide hold all of it, a
case's hold that case's keys (the rest is erased).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta

import structlog

from vault.access import AccessGuard, Grant, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason, subject_events
from vault.cases import CaseService
from vault.config import OtherHolder
from vault.crypto import verify_signature
from vault.errors import Conflict, InvalidInput, NotFound
from vault.models import Erasure, LegalHold, SubjectRequest
from vault.records import RESTRICTED, RecordService, SubjectRecord
from vault.subject_rights import _deadlines as deadlines
from vault.subject_rights import _repository as repository
from vault.subject_rights._medical_copy import release_view
from vault.subject_rights._report import NameDisclosure, SubjectReport
from vault.subject_rights._report import build as build_report
from vault.subject_rights._schemas import (
    Decision,
    ErasureReceipt,
    ErasureResult,
    Extension,
    ExtensionReason,
    HoldView,
    Identity,
    NewHold,
    NewRequest,
    ReleaseView,
    RequestView,
    require_customer_number,
)
from vault.vocabulary import (
    Action,
    Category,
    HoldGround,
    IdentityMethod,
    Purpose,
    RequestKind,
    RequestOutcome,
    RequestStatus,
    Resource,
)

log = structlog.get_logger(__name__)
RECEIPT_LABEL = b"kluis.erasure-receipt.v1"
_PURPOSE = Purpose.LEGAL_OBLIGATION  # answering the subject is the controller's obligation (art. 12)
_OBJECTION_OUTCOMES = frozenset({RequestOutcome.OBJECTION_UPHELD, RequestOutcome.OBJECTION_REJECTED})
_WITHOUT_IDENTITY = frozenset({RequestOutcome.REFUSED_IDENTITY, RequestOutcome.WITHDRAWN})
_STATUS_OF = {
    RequestOutcome.WITHDRAWN: RequestStatus.WITHDRAWN,
    RequestOutcome.REFUSED_IDENTITY: RequestStatus.REFUSED,
    RequestOutcome.REFUSED_UNFOUNDED: RequestStatus.REFUSED,
    RequestOutcome.REFUSED_LEGAL_OBLIGATION: RequestStatus.REFUSED,
    RequestOutcome.REFUSED_LEGAL_CLAIMS: RequestStatus.REFUSED,
}


class SubjectRights:
    def __init__(
        self,
        *,
        guard: AccessGuard,
        records: RecordService,
        cases: CaseService,
        other_holders: Sequence[OtherHolder] = (),
        legal_bases: Mapping[str, str] | None = None,
    ) -> None:
        self._guard = guard
        self._records = records
        self._cases = cases
        self._other_holders = tuple(other_holders)
        self._legal_bases = dict(legal_bases or {})

    # -- the request register ------------------------------------------------------------------------------------
    def register(self, actor: Actor, new: NewRequest) -> RequestView:
        """Record a request as received; its deadline is one calendar month later."""

        def operation(work: Work) -> RequestView:
            subject = self._records.subject_id(work, new.subject_ref)  # the customer number, looked up in the vault
            about = About(subject=subject, target=f"kind:{new.kind.value}")
            grant = work.authorize(EventType.REQUEST_REGISTER, Action.MANAGE, _PURPOSE, _requests(about))
            received = new.received_at or work.now
            if received > work.now + timedelta(minutes=5):
                grant.withdraw(Reason.POLICY, InvalidInput("a request is registered once it has been received"))
            row = {
                "organisation": work.actor.organisation,
                "subject_id": subject,
                "kind": new.kind.value,
                "received_at": received,
                "due_on": deadlines.due_on(received),
                "status": RequestStatus.OPEN.value,
                "registered_by": work.actor.user,
                "note": new.note,
                **_identity(work, new.identity),
            }
            request_id = repository.add_request(work.session, row)
            found = repository.request(work.session, work.actor.organisation, request_id)
            assert found is not None  # written by this transaction
            repository.change_request(work.session, request_id, mac=work.request_mac(grant, found))
            return _view(work, _again(work, request_id))

        return self._guard.run(actor, operation)

    def verify_identity(self, actor: Actor, request_id: int, identity: Identity) -> RequestView:
        """Record how the requester was identified (R24): needed before any answer."""

        def operation(work: Work) -> RequestView:
            row, grant = self._open_request(work, request_id, EventType.REQUEST_IDENTITY)
            values = _identity(work, identity)
            mac = work.request_mac(grant, row, identity_method=values["identity_method"])
            repository.change_request(work.session, row.id, **values, mac=mac)
            return _view(work, _again(work, row.id))

        return self._guard.run(actor, operation)

    def extend(self, actor: Actor, request_id: int, extension: Extension) -> RequestView:
        """Extend the deadline by one or two months (art. 12(3)): decided and told to the subject, with the reason,
        within the first month."""

        def operation(work: Work) -> RequestView:
            row, grant = self._open_request(work, request_id, EventType.REQUEST_EXTEND)
            today = deadlines.local_date(work.now)
            received = deadlines.local_date(row.received_at)
            if row.extended_to is not None:
                grant.withdraw(Reason.POLICY, Conflict("a request is extended once, by at most two months"))
            if today > row.due_on or extension.told_on > row.due_on:
                grant.withdraw(
                    Reason.TOO_LATE, Conflict("an extension is decided and told within the first month, not after")
                )
            if not received <= extension.told_on <= today:
                grant.withdraw(Reason.POLICY, InvalidInput("the subject is told after receipt, and not in the future"))
            repository.change_request(
                work.session,
                row.id,
                extended_to=deadlines.extended_due_on(row.received_at, extension.months),
                extension_reason=extension.reason.value,
                subject_told_on=extension.told_on,
            )
            return _view(work, _again(work, row.id))

        return self._guard.run(actor, operation)

    def decide(self, actor: Actor, request_id: int, decision: Decision) -> RequestView:
        """Record how the request ended (an objection: upheld or rejected, R32)."""

        def operation(work: Work) -> RequestView:
            row, grant = self._open_request(work, request_id, EventType.REQUEST_DECIDE, decision.outcome)
            objection = RequestKind(row.kind) is RequestKind.OBJECTION
            if (decision.outcome in _OBJECTION_OUTCOMES) != objection and decision.outcome not in _STATUS_OF:
                grant.withdraw(
                    Reason.POLICY, InvalidInput("an objection is upheld or rejected; other requests are answered")
                )
            status = _STATUS_OF.get(decision.outcome, RequestStatus.ANSWERED)
            repository.change_request(
                work.session,
                row.id,
                mac=work.request_mac(grant, row, status=status.value),
                status=status.value,
                outcome=decision.outcome.value,
                decided_at=work.now,
                decided_by=work.actor.user,
                note=decision.note or row.note,
            )
            return _view(work, _again(work, row.id))

        return self._guard.run(actor, operation)

    def requests(self, actor: Actor, *, open_only: bool = True, subject_ref: str | None = None) -> list[RequestView]:
        if subject_ref is not None:
            require_customer_number(subject_ref)

        def operation(work: Work) -> list[RequestView]:
            subject = None if subject_ref is None else self._records.known_subject_id(work, subject_ref)
            about = About(subject=subject, target="subject_requests")
            work.authorize(EventType.REQUEST_LIST, Action.READ, _PURPOSE, _requests(about))
            if subject_ref is not None and subject is None:
                return []
            rows = repository.requests(work.session, work.actor.organisation, open_only=open_only, subject_id=subject)
            return [_view(work, row) for row in rows]

        return self._guard.run(actor, operation)

    def due(self, actor: Actor, within_days: int = 7) -> list[RequestView]:
        """The alert list: open requests overdue or due within ``within_days`` days, soonest first. Each overdue one
        is also logged (``subject_request_overdue``) for the log shipper."""
        if not 0 <= within_days <= 366:
            raise InvalidInput("within_days is 0 to 366")

        def operation(work: Work) -> list[RequestView]:
            work.authorize(EventType.REQUEST_LIST, Action.READ, _PURPOSE, _requests(About(target="due")))
            day = deadlines.local_date(work.now) + timedelta(days=within_days)
            return [_view(work, row) for row in repository.due_by(work.session, work.actor.organisation, day)]

        found = self._guard.run(actor, operation, reads_only=True)
        for view in found:
            if view.overdue:
                log.warning("subject_request_overdue", request_id=view.request_id, due_on=view.due_on.isoformat())
        return found

    def report(self, actor: Actor, request_id: int, names: NameDisclosure | None = None) -> SubjectReport:
        """The access report (R25, R26) on an identified access or portability request: per category what is held,
        purposes, legal bases, origins, recipients and retention, and every audit event about the subject in
        order. Employees are not named unless ``names`` gives the reason (the report's own event records it)."""

        def operation(work: Work) -> SubjectReport:
            row = repository.request(work.session, work.actor.organisation, request_id)
            if row is None:
                work.refuse(EventType.SUBJECT_REPORT, _on_request(request_id), Reason.NOT_FOUND, _no_request())
            about = About(subject=row.subject_id, target=f"subject_request:{row.id}")
            grant = work.authorize(EventType.SUBJECT_REPORT, Action.READ, _PURPOSE, _requests(about))
            require_sealed(work, grant, row)
            require_answerable(grant, row)
            if RequestKind(row.kind) not in (RequestKind.ACCESS, RequestKind.PORTABILITY):
                grant.withdraw(Reason.POLICY, InvalidInput("a report answers an access or portability request"))
            if names is not None:
                grant.note_reason(Reason.NAMES_DISCLOSED)
            records = _marked_restricted(work, row.subject_id, self._records.subject_records(work, row.subject_id))
            cases = sorted({record.case_ref for record in records})
            org = work.actor.organisation
            # the history up to this report; the report's own event follows it in the log
            events = subject_events(work.session, work.actor.organisation, row.subject_id)
            return build_report(
                organisation=work.actor.organisation,
                subject=row.subject_id,
                request_id=row.id,
                generated_at=work.now,
                records=records,
                publications=self._cases.publications(work, cases),
                schedule=self._records.schedule,
                events=events,
                names=names,
                other_holders=self._other_holders,
                legal_bases=self._legal_bases,
                releases=[  # what the subject is told rests on what Kluis wrote: a changed row is left out
                    release_view(r, True)
                    for r in repository.releases(work.session, org, subject_id=row.subject_id)
                    if work.release_sealed(r)
                ],
            )

        return self._guard.run(actor, operation)

    def releases(self, actor: Actor, request_id: int) -> list[ReleaseView]:
        """The copies of the medical file released on a request (R27): to whom, when, by which adviser, how many
        records and what was left out on which ground, for the privacy officer answering it; never the content."""

        def operation(work: Work) -> list[ReleaseView]:
            row = repository.request(work.session, work.actor.organisation, request_id)
            if row is None:
                work.refuse(EventType.REQUEST_LIST, _on_request(request_id), Reason.NOT_FOUND, _no_request())
            about = About(subject=row.subject_id, target=f"subject_request:{row.id}")
            work.authorize(EventType.REQUEST_LIST, Action.READ, _PURPOSE, _requests(about))
            found = repository.releases(work.session, work.actor.organisation, request_id=row.id)
            return [release_view(r, work.release_sealed(r)) for r in found]

        return self._guard.run(actor, operation)

    # -- legal holds ---------------------------------------------------------------------------------------------
    def place_hold(self, actor: Actor, new: NewHold) -> HoldView:
        """A legal claim or retention obligation: erasures of the subject's data (or one case's) wait for it."""

        def operation(work: Work) -> HoldView:
            subject = self._records.known_subject_id(work, new.subject_ref)
            about = About(subject=subject, case_ref=new.case_ref, target=f"ground:{new.ground.value}")
            grant = work.authorize(EventType.HOLD_PLACE, Action.MANAGE, _PURPOSE, Target(Resource.LEGAL_HOLDS, about))
            if subject is None:  # a mistyped customer number would hold nothing
                grant.withdraw(Reason.NOT_FOUND, NotFound("no data is held for this customer number"))
            self._records.lock_subject(work, subject)  # an erasure running now finishes first, or waits for this
            row = {
                "organisation": work.actor.organisation,
                "subject_id": subject,
                "case_ref": new.case_ref,
                "ground": new.ground.value,
                "reference": new.reference,
                "placed_at": work.now,
                "placed_by": work.actor.user,
            }
            hold_id = repository.add_hold(work.session, row)
            found = repository.hold(work.session, work.actor.organisation, hold_id)
            assert found is not None
            repository.seal_hold(work.session, hold_id, work.hold_mac(grant, found, None))
            work.session.refresh(found)
            return _hold_view(found)

        return self._guard.run(actor, operation)

    def lift_hold(self, actor: Actor, hold_id: int) -> HoldView:
        def operation(work: Work) -> HoldView:
            found = repository.hold(work.session, work.actor.organisation, hold_id)
            if found is None:
                work.refuse(EventType.HOLD_LIFT, About(target=f"legal_hold:{hold_id}"), Reason.NOT_FOUND, _no_hold())
            about = About(subject=found.subject_id, case_ref=found.case_ref, target=f"legal_hold:{hold_id}")
            grant = work.authorize(EventType.HOLD_LIFT, Action.MANAGE, _PURPOSE, Target(Resource.LEGAL_HOLDS, about))
            self._records.lock_subject(work, found.subject_id)
            if found.lifted_at is not None:
                grant.withdraw(Reason.POLICY, Conflict("the hold has been lifted already"))
            if not work.hold_sealed(found):
                grant.withdraw(
                    Reason.MAC_INVALID, Conflict("this hold's seal does not hold: it was changed outside Kluis")
                )
            mac = work.hold_mac(grant, found, work.now)
            repository.lift_hold(work.session, hold_id, work.now, work.actor.user, mac)
            lifted = repository.hold(work.session, work.actor.organisation, hold_id)
            assert lifted is not None
            return _hold_view(lifted)

        return self._guard.run(actor, operation)

    def holds(self, actor: Actor, subject_ref: str | None = None) -> list[HoldView]:
        if subject_ref is not None:
            require_customer_number(subject_ref)

        def operation(work: Work) -> list[HoldView]:
            subject = None if subject_ref is None else self._records.known_subject_id(work, subject_ref)
            about = About(subject=subject, target="legal_holds")
            work.authorize(EventType.HOLD_LIST, Action.READ, _PURPOSE, Target(Resource.LEGAL_HOLDS, about))
            if subject_ref is not None and subject is None:
                return []
            return [_hold_view(row) for row in repository.holds(work.session, work.actor.organisation, subject)]

        return self._guard.run(actor, operation)

    # -- erasure -------------------------------------------------------------------------------------------------
    def erase(self, actor: Actor, request_id: int, category: Category) -> ErasureResult:
        """Crypto-shred the subject's data keys in ``category`` on an erasure request (R29). Every copy of what they
        sealed stops opening at once; copies of the database made before stop opening too once the category's older
        KEK versions are retired (`kluis keys retire`), which is when the receipt says ``final``."""

        def operation(work: Work) -> ErasureResult:
            row = repository.request(work.session, work.actor.organisation, request_id)
            if row is None:
                work.refuse(EventType.SUBJECT_ERASE, _on_request(request_id), Reason.NOT_FOUND, _no_request())
            about = About(subject=row.subject_id, category=category.value, target=f"subject_request:{row.id}")
            grant = work.authorize(EventType.SUBJECT_ERASE, Action.ERASE, _PURPOSE, Target(category, about))
            require_sealed(work, grant, row)
            require_answerable(grant, row)
            # holds being placed and records being created for this subject wait for the erasure, and it for them
            self._records.lock_subject(work, row.subject_id)
            if RequestKind(row.kind) is not RequestKind.ERASURE:
                grant.withdraw(Reason.POLICY, InvalidInput("only an erasure request erases"))
            # a hold whose seal fails counts as live: lifted (or moved) in the database, it still defers the erasure
            holds = repository.holds_counting(work.session, work.actor.organisation, row.subject_id, work.hold_sealed)
            whole = next((hold for hold in holds if hold.case_ref is None), None)
            if whole is not None:
                return _defer(work, grant, row, HoldGround(whole.ground))
            held_cases = frozenset(hold.case_ref for hold in holds if hold.case_ref is not None)
            if held_cases and work.pre_scope_keys_hold(row.subject_id, category, sorted(held_cases)):
                # a key from before the per-case scope seals the held case too: nothing is erased until it is migrated
                # (or, for values changes replaced, the hold is lifted)
                return _defer(work, grant, row, HoldGround(holds[0].ground))
            key_ids, kek_version = grant.erase_subject_keys(except_cases=held_cases)
            receipt = _receipt(work, row, category, key_ids, held_cases, kek_version)
            signature = grant.sign_statement(RECEIPT_LABEL, receipt)
            erasure_id = repository.add_erasure(
                work.session,
                {
                    "organisation": work.actor.organisation,
                    "request_id": row.id,
                    "subject_id": row.subject_id,
                    "category": category.value,
                    "key_count": len(key_ids),
                    "kek_version": kek_version,
                    "erased_at": work.now,
                    "erased_by": work.actor.user,
                    "receipt": receipt.decode("ascii"),
                    "signature": signature,
                },
            )
            if held_cases:  # the held cases' keys wait for their holds; the request stays deferred until then
                _defer(work, grant, row, HoldGround(holds[0].ground), note_reason=False)
            erasure = next(
                e for e in repository.erasures(work.session, work.actor.organisation, row.id) if e.id == erasure_id
            )
            return ErasureResult(erased=True, receipt=_receipt_view(work, erasure))

        return self._guard.run(actor, operation)

    def erasures(self, actor: Actor, request_id: int) -> list[ErasureReceipt]:
        """The receipts of a request's erasures, each saying whether it is final yet."""

        def operation(work: Work) -> list[ErasureReceipt]:
            row = repository.request(work.session, work.actor.organisation, request_id)
            if row is None:
                work.refuse(EventType.REQUEST_LIST, _on_request(request_id), Reason.NOT_FOUND, _no_request())
            about = About(subject=row.subject_id, target=f"subject_request:{row.id}")
            work.authorize(EventType.REQUEST_LIST, Action.READ, _PURPOSE, _requests(about))
            return [_receipt_view(work, e) for e in repository.erasures(work.session, work.actor.organisation, row.id)]

        return self._guard.run(actor, operation)

    def _open_request(
        self, work: Work, request_id: int, event_type: EventType, outcome: RequestOutcome | None = None
    ) -> tuple[SubjectRequest, Grant]:
        """The request, locked, and the grant to change it: refused (audited) when it is unknown or decided."""
        row = repository.request(work.session, work.actor.organisation, request_id)
        if row is None:
            work.refuse(event_type, _on_request(request_id), Reason.NOT_FOUND, _no_request())
        about = About(subject=row.subject_id, target=f"subject_request:{row.id}")
        grant = work.authorize(event_type, Action.MANAGE, _PURPOSE, _requests(about))
        require_sealed(work, grant, row)
        if event_type is EventType.REQUEST_DECIDE and outcome not in _WITHOUT_IDENTITY:
            require_answerable(grant, row)
        elif row.status not in repository.OPEN:
            grant.withdraw(Reason.TOO_LATE, Conflict(f"the request is {row.status}"))
        return row, grant


def _marked_restricted(work: Work, subject_id: str, records: list[SubjectRecord]) -> list[SubjectRecord]:
    """The records, those under a restriction of the subject's data (R30) with the status ``restricted``."""
    marked: list[SubjectRecord] = []
    for category in Category:
        rows = work.restrictions_on([subject_id], category)
        marked += [
            r._replace(status=RESTRICTED) if any(row.covers(r.case_ref) for row in rows) else r
            for r in records
            if r.category == category.value
        ]
    return sorted(marked, key=lambda r: (r.created_at, r.record_id))


def require_sealed(work: Work, grant: Grant, row: SubjectRequest) -> None:
    if not work.request_sealed(row):
        grant.withdraw(Reason.MAC_INVALID, Conflict("this request's seal does not hold: it was changed outside Kluis"))


def require_answerable(grant: Grant, row: SubjectRequest) -> None:
    if row.status not in repository.OPEN:
        grant.withdraw(Reason.TOO_LATE, Conflict(f"the request is {row.status}"))
    if row.identity_method is None:
        grant.withdraw(
            Reason.IDENTITY_NOT_VERIFIED, Conflict("the requester's identity is verified before any answer (R24)")
        )


def _defer(
    work: Work, grant: Grant, row: SubjectRequest, ground: HoldGround, *, note_reason: bool = True
) -> ErasureResult:
    if note_reason:
        grant.note_reason(Reason.LEGAL_HOLD)
    status = RequestStatus.DEFERRED.value
    mac = work.request_mac(grant, row, status=status)
    repository.change_request(work.session, row.id, status=status, ground=ground.value, mac=mac)
    return ErasureResult(erased=False, deferred_ground=ground)


def _receipt(
    work: Work,
    row: SubjectRequest,
    category: Category,
    key_ids: list[str],
    held_cases: frozenset[str],
    kek_version: int,
) -> bytes:
    statement = {
        "kek_version": kek_version,  # final once every version up to this one is retired
        "format": RECEIPT_LABEL.decode("ascii"),
        "organisation": work.actor.organisation,
        "request_id": row.id,
        "subject": row.subject_id,
        "category": category.value,
        "data_keys_destroyed": sorted(key_ids),
        "cases_held": sorted(held_cases),
        "erased_at": work.now.isoformat(timespec="microseconds"),
        "erased_by": work.actor.user,
    }
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _receipt_view(work: Work, erasure: Erasure) -> ErasureReceipt:
    """The receipt as stored, and whether it is final: judged from the signed statement only (never from columns
    beside it), and only while every key it names is still destroyed."""
    category = Category(erasure.category)
    live = work.kek_versions(category)
    signature = base64.b64encode(erasure.signature).decode("ascii")
    final = False
    if receipt_signed(erasure.receipt, signature, work.audit_public_key()):
        statement = json.loads(erasure.receipt)
        keys = list(statement.get("data_keys_destroyed", []))
        retired = not keys or not live or int(statement.get("kek_version", max(live))) < min(live)
        final = retired and work.keys_destroyed(keys)
    return ErasureReceipt(
        erasure_id=erasure.id,
        request_id=erasure.request_id,
        subject=erasure.subject_id,
        category=category,
        keys_destroyed=erasure.key_count,
        erased_at=erasure.erased_at,
        receipt=erasure.receipt,
        signature=signature,
        final=final,
    )


def _identity(work: Work, identity: Identity | None) -> dict[str, object]:
    if identity is None:
        return {}
    return {
        "identity_method": identity.method.value,
        "identity_reference": identity.reference,
        "identity_verified_by": work.actor.user,
        "identity_verified_at": work.now,
    }


def _view(work: Work, row: SubjectRequest) -> RequestView:
    due = row.extended_to or row.due_on
    today = deadlines.local_date(work.now)
    open_now = row.status in repository.OPEN
    return RequestView(
        request_id=row.id,
        subject=row.subject_id,
        kind=RequestKind(row.kind),
        received_at=row.received_at,
        due_on=due,
        first_due_on=row.due_on,
        extended=row.extended_to is not None,
        extension_reason=None if row.extension_reason is None else ExtensionReason(row.extension_reason),
        subject_told_on=row.subject_told_on,
        identity_method=None if row.identity_method is None else IdentityMethod(row.identity_method),
        identity_verified=row.identity_method is not None,
        status=RequestStatus(row.status),
        outcome=None if row.outcome is None else RequestOutcome(row.outcome),
        ground=row.ground,
        decided_at=row.decided_at,
        overdue=open_now and today > due,
        days_left=(due - today).days,
    )


def _hold_view(row: LegalHold) -> HoldView:
    return HoldView(
        hold_id=row.id,
        subject=row.subject_id,
        case_ref=row.case_ref,
        ground=HoldGround(row.ground),
        reference=row.reference,
        placed_at=row.placed_at,
        placed_by=row.placed_by,
        lifted_at=row.lifted_at,
        live=row.lifted_at is None,
    )


def _again(work: Work, request_id: int) -> SubjectRequest:
    found = repository.request(work.session, work.actor.organisation, request_id)
    assert found is not None  # locked by this transaction
    work.session.refresh(found)
    return found


def _requests(about: About) -> Target:
    return Target(Resource.SUBJECT_REQUESTS, about)


def _on_request(request_id: int) -> About:
    return About(target=f"subject_request:{request_id}")


def _no_request() -> NotFound:
    return NotFound("no such request")


def _no_hold() -> NotFound:
    return NotFound("no such legal hold")


def receipt_signed(receipt: str, signature: str, public_key: bytes) -> bool:
    """Whether an erasure receipt is the one Kluis signed, under the audit signing key's public half (the data
    directory's keys/audit-signing.pub)."""
    message = RECEIPT_LABEL + b"\x00" + receipt.encode("ascii")
    return verify_signature(public_key, base64.b64decode(signature), message)
