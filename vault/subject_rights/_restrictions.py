"""Restriction of processing (art. 18, DOMAIN R30): the privacy officer restricts a subject's data in a category (or
one case's) on their identified request, grants exceptions (a legal-claims order, the subject's consent) for one
purpose until a date, and lifts the restriction once the subject has been told. The guard enforces it on every
decryption and change (vault/access/_restrictions.py); case views show such records as ``restricted``.

Beyond the policy it refuses, each refusal audited: a restriction on a request that is not identified, open and
of a kind that asks for one (restriction, rectification, objection); a second live restriction of the same scope;
lifting before the subject was told, or a restriction whose seal fails; an exception for a purpose no data role may
read for, past a year, or on a lifted restriction.
"""

from __future__ import annotations

from datetime import timedelta

from vault.access import AccessGuard, Grant, RestrictionRow, Target, Work
from vault.access import locked_exception as exception_row
from vault.access import locked_restriction as restriction_row
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.errors import Conflict, InvalidInput, NotFound
from vault.models import Restriction, RestrictionException
from vault.records import RecordService
from vault.subject_rights import _deadlines as deadlines
from vault.subject_rights import _repository as repository
from vault.subject_rights._schemas import (
    ExceptionView,
    Lifting,
    NewException,
    NewRestriction,
    RestrictionView,
    require_customer_number,
)
from vault.subject_rights._service import require_answerable, require_sealed
from vault.vocabulary import (
    COMMERCIAL_PURPOSES,
    Action,
    Category,
    ExceptionKind,
    LiftReason,
    Purpose,
    RequestKind,
    Resource,
    RestrictionGround,
)

_PURPOSE = Purpose.LEGAL_OBLIGATION  # answering the subject is the controller's obligation (art. 12)
# The requests that ask for a restriction: art. 18(1)(a)-(d) are each the subject's own request, (a) beside a
# rectification and (d) beside an objection.
_ASKING = frozenset({RequestKind.RESTRICTION, RequestKind.RECTIFICATION, RequestKind.OBJECTION})
_LONGEST_EXCEPTION = timedelta(days=366)


class Restrictions:
    def __init__(self, *, guard: AccessGuard, records: RecordService) -> None:
        self._guard = guard
        self._records = records

    def place(self, actor: Actor, new: NewRestriction) -> RestrictionView:
        def operation(work: Work) -> RestrictionView:
            request = repository.request(work.session, work.actor.organisation, new.request_id)
            on_request = About(target=f"subject_request:{new.request_id}")
            if request is None:
                work.refuse(EventType.RESTRICTION_PLACE, on_request, Reason.NOT_FOUND, NotFound("no such request"))
            about = About(
                subject=request.subject_id,
                category=new.category.value,
                case_ref=new.case_ref,
                target=f"subject_request:{request.id}",
            )
            grant = work.authorize(EventType.RESTRICTION_PLACE, Action.MANAGE, _PURPOSE, _target(about))
            require_sealed(work, grant, request)
            require_answerable(grant, request)
            if RequestKind(request.kind) not in _ASKING:
                grant.withdraw(
                    Reason.POLICY, InvalidInput("a restriction answers a restriction, rectification or objection")
                )
            self._records.lock_subject(work, request.subject_id)  # two placements at once: one waits
            same = [
                row for row in work.restrictions_on([request.subject_id], new.category) if row.case_ref == new.case_ref
            ]
            if same:
                grant.withdraw(Reason.POLICY, Conflict(f"restriction {same[0].id} already restricts this"))
            restriction_id = repository.add_restriction(
                work.session,
                {
                    "organisation": work.actor.organisation,
                    "subject_id": request.subject_id,
                    "category": new.category.value,
                    "case_ref": new.case_ref,
                    "request_id": request.id,
                    "ground": new.ground.value,
                    "placed_at": work.now,
                    "placed_by": work.actor.user,
                },
            )
            row = _restriction(work, restriction_id)
            repository.change_restriction(work.session, row.id, mac=work.restriction_mac(grant, row, None))
            return self._view_of(work, restriction_id)

        return self._guard.run(actor, operation)

    def lift(self, actor: Actor, restriction_id: int, lifting: Lifting) -> RestrictionView:
        def operation(work: Work) -> RestrictionView:
            row, grant = _open(work, restriction_id, EventType.RESTRICTION_LIFT)
            placed = deadlines.local_date(_stored(work, row.id).placed_at)
            if not placed <= lifting.subject_told_on <= deadlines.local_date(work.now):
                grant.withdraw(
                    Reason.POLICY,
                    InvalidInput(
                        "the subject is told before the restriction is lifted, after it was placed (art. 18(3))"
                    ),
                )
            repository.change_restriction(
                work.session,
                row.id,
                lifted_at=work.now,
                lifted_by=work.actor.user,
                lift_reason=lifting.reason.value,
                subject_told_on=lifting.subject_told_on,
                mac=work.restriction_mac(grant, row, work.now),
            )
            return self._view_of(work, row.id)

        return self._guard.run(actor, operation)

    def grant_exception(self, actor: Actor, restriction_id: int, new: NewException) -> RestrictionView:
        def operation(work: Work) -> RestrictionView:
            row, grant = _open(work, restriction_id, EventType.EXCEPTION_GRANT)
            if new.kind is ExceptionKind.LEGAL_CLAIMS_ORDER and new.purpose is not Purpose.LEGAL_CLAIMS:
                grant.withdraw(Reason.POLICY, InvalidInput("a legal-claims order is for the purpose legal_claims"))
            category = Category(row.category)
            if new.purpose in COMMERCIAL_PURPOSES or not work.serves(category, new.purpose):
                grant.withdraw(
                    Reason.POLICY,
                    InvalidInput(f"no data role may read {category.value} data for {new.purpose.value}"),
                )
            if not work.now < new.ends_at <= work.now + _LONGEST_EXCEPTION:
                grant.withdraw(Reason.POLICY, InvalidInput("an exception ends after now and within a year"))
            exception_id = repository.add_exception(
                work.session,
                {
                    "organisation": work.actor.organisation,
                    "restriction_id": row.id,
                    "kind": new.kind.value,
                    "purpose": new.purpose.value,
                    "reference": new.reference,
                    "starts_at": work.now,
                    "ends_at": new.ends_at,
                    "granted_by": work.actor.user,
                },
            )
            found = exception_row(work.session, work.actor.organisation, exception_id)
            assert found is not None  # written by this transaction
            repository.change_exception(work.session, exception_id, mac=work.exception_mac(grant, found, None))
            grant.note_reason(Reason.RESTRICTION_EXCEPTION)
            return self._view_of(work, row.id)

        return self._guard.run(actor, operation)

    def end_exception(self, actor: Actor, exception_id: int) -> RestrictionView:
        def operation(work: Work) -> RestrictionView:
            found = exception_row(work.session, work.actor.organisation, exception_id)
            about = About(target=f"restriction_exception:{exception_id}")
            if found is None:
                work.refuse(EventType.EXCEPTION_END, about, Reason.NOT_FOUND, NotFound("no such exception"))
            grant = work.authorize(EventType.EXCEPTION_END, Action.MANAGE, _PURPOSE, _target(about))
            if not work.exception_sealed(found):
                grant.withdraw(Reason.MAC_INVALID, _unsealed("exception"))
            if found.ended_at is not None:
                grant.withdraw(Reason.POLICY, Conflict("the exception has ended already"))
            mac = work.exception_mac(grant, found, work.now)
            repository.change_exception(work.session, exception_id, ended_at=work.now, mac=mac)
            return self._view_of(work, found.restriction_id)

        return self._guard.run(actor, operation)

    def list(self, actor: Actor, subject_ref: str | None = None) -> list[RestrictionView]:
        """Every restriction (of one customer, with ``subject_ref``), live or lifted, with its exceptions."""
        if subject_ref is not None:
            require_customer_number(subject_ref)

        def operation(work: Work) -> list[RestrictionView]:
            subject = None if subject_ref is None else self._records.known_subject_id(work, subject_ref)
            work.authorize(EventType.RESTRICTION_LIST, Action.READ, _PURPOSE, _target(About(subject=subject)))
            if subject_ref is not None and subject is None:
                return []
            rows = repository.restrictions(work.session, work.actor.organisation, subject)
            return _views(work, rows)

        return self._guard.run(actor, operation)

    @staticmethod
    def _view_of(work: Work, restriction_id: int) -> RestrictionView:
        return _views(work, [_stored(work, restriction_id)])[0]


def _open(work: Work, restriction_id: int, event_type: EventType) -> tuple[RestrictionRow, Grant]:
    """A live restriction, locked, as Kluis sealed it, and the grant to change it; refused (audited) otherwise."""
    row = restriction_row(work.session, work.actor.organisation, restriction_id)
    if row is None:
        about = About(target=f"restriction:{restriction_id}")
        work.refuse(event_type, about, Reason.NOT_FOUND, NotFound("no such restriction"))
    about = About(subject=row.subject_id, category=row.category, case_ref=row.case_ref, target=f"restriction:{row.id}")
    grant = work.authorize(event_type, Action.MANAGE, _PURPOSE, _target(about))
    work.restrictions_on([row.subject_id], Category(row.category))  # an unsealed one raises its integrity alert
    if not work.restriction_sealed(row):
        grant.withdraw(Reason.MAC_INVALID, _unsealed("restriction"))
    if row.lifted_at is not None:
        grant.withdraw(Reason.POLICY, Conflict("the restriction has been lifted already"))
    return row, grant


def _restriction(work: Work, restriction_id: int) -> RestrictionRow:
    found = restriction_row(work.session, work.actor.organisation, restriction_id)
    assert found is not None  # written by this transaction
    return found


def _stored(work: Work, restriction_id: int) -> Restriction:
    found = repository.restriction(work.session, work.actor.organisation, restriction_id)
    assert found is not None  # locked by this transaction
    work.session.refresh(found)
    return found


def _views(work: Work, rows: list[Restriction]) -> list[RestrictionView]:
    exceptions = repository.exceptions(work.session, [row.id for row in rows])
    return [
        RestrictionView(
            restriction_id=row.id,
            subject=row.subject_id,
            category=Category(row.category),
            case_ref=row.case_ref,
            request_id=row.request_id,
            ground=RestrictionGround(row.ground),
            placed_at=row.placed_at,
            placed_by=row.placed_by,
            lifted_at=row.lifted_at,
            lift_reason=None if row.lift_reason is None else LiftReason(row.lift_reason),
            subject_told_on=row.subject_told_on,
            live=row.lifted_at is None,
            exceptions=[_exception_view(work, e) for e in exceptions if e.restriction_id == row.id],
        )
        for row in rows
    ]


def _exception_view(work: Work, row: RestrictionException) -> ExceptionView:
    return ExceptionView(
        exception_id=row.id,
        kind=ExceptionKind(row.kind),
        purpose=Purpose(row.purpose),
        reference=row.reference,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        granted_by=row.granted_by,
        ended_at=row.ended_at,
        live=row.ended_at is None and row.starts_at <= work.now < row.ends_at,
    )


def _target(about: About) -> Target:
    return Target(Resource.RESTRICTIONS, about)


def _unsealed(what: str) -> Conflict:
    return Conflict(f"this {what}'s seal does not hold: it was changed outside Kluis")
