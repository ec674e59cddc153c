"""Break-glass (DOMAIN R37). A registered medical adviser or staff member without an assignment on a case opens its
health records for a limited time (KLUIS_BREAK_GLASS_MINUTES, at most KLUIS_BREAK_GLASS_MAX_MINUTES), stating a
reason from a list and in their own words. The access is an ordinary sealed assignment row of relation
``break_glass``, which the policy lets read health data only; every access through it is flagged in its event. The
use itself is an alert for the security officer at once (listed until reviewed), who records whether it was
justified. A user with a not-justified finding breaks no glass again until the security officer clears them.
Decided and audited through the access guard; the free-text note never enters an audit event.
"""

from __future__ import annotations

import re
from datetime import timedelta

import structlog

from vault.access import AccessGuard, Target, Work
from vault.actor import Actor
from vault.assignments import AssignmentService
from vault.audit import About, EventType, Reason
from vault.break_glass import _repository as repository
from vault.break_glass._schemas import BreakGlassView
from vault.errors import AccessDenied, Conflict, InvalidInput, NotFound
from vault.identifiers import looks_like_bsn, require_user_id
from vault.vocabulary import (
    Action,
    BreakGlassReason,
    Category,
    Purpose,
    Relation,
    Resource,
    ReviewOutcome,
    Role,
)

log = structlog.get_logger(__name__)
NOTE_CHARS = (10, 500)


class BreakGlassService:
    def __init__(self, *, guard: AccessGuard, assignments: AssignmentService, minutes: int, max_minutes: int) -> None:
        self._guard = guard
        self._assignments = assignments
        self._minutes = minutes
        self._max_minutes = max(minutes, max_minutes)

    def open(
        self,
        actor: Actor,
        case_ref: str,
        reason: BreakGlassReason,
        note: str,
        *,
        purpose: Purpose = Purpose.CLAIM_ASSESSMENT,
        minutes: int | None = None,
    ) -> BreakGlassView:
        """Open the case's health records to the requester until now + ``minutes`` (default the configured one)."""
        note = _note(note)
        length = self._minutes if minutes is None else minutes
        if not 1 <= length <= self._max_minutes:
            raise InvalidInput(f"a break-glass use lasts 1 to {self._max_minutes} minutes")

        def operation(work: Work) -> BreakGlassView:
            case = repository.case_state(work.session, work.actor.organisation, case_ref)
            about = About(
                case_ref=case_ref,
                subject=case[0] if case else None,
                category=Category.HEALTH.value,
                target=f"reason:{reason.value}",
                break_glass=True,
            )
            if case is None:
                work.refuse(EventType.BREAK_GLASS_OPEN, about, Reason.NOT_FOUND, NotFound("no such case"))
            grant = work.authorize(
                EventType.BREAK_GLASS_OPEN, Action.CREATE, purpose, Target(Resource.BREAK_GLASS, about)
            )
            if case[1] is not None:
                grant.withdraw(Reason.CASE_CLOSED, Conflict("the case is closed"))
            if work.actor.processor is not None:  # a processor acts on the controller's instructions only (art. 28)
                grant.withdraw(
                    Reason.OUTSIDE_PROCESSING_AGREEMENT,
                    AccessDenied("a processor's staff work on the cases given to them, never by breaking the glass"),
                )
            held = {work.relation_to(case_ref, r) for r in (Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF)}
            if work.own_assignment_ends(case_ref) or held - {Relation.NONE}:
                grant.withdraw(Reason.ALREADY_ASSIGNED, Conflict("you already have access to this case"))
            if repository.open_findings(work.session, work.actor.organisation, work.actor.user):
                grant.withdraw(
                    Reason.BREAK_GLASS_BLOCKED,
                    AccessDenied("a use of yours was found not justified; the security officer must clear it first"),
                )
            roles = work.actor.known_roles()
            role = Role.MEDICAL_ADVISER if Role.MEDICAL_ADVISER in roles else Role.MEDICAL_STAFF
            ends = work.now + timedelta(minutes=length)
            use_id = self._assignments.add_in(
                work, grant, case_ref=case_ref, role=role, relation=Relation.BREAK_GLASS, ends_at=ends
            )
            row = {
                "id": use_id,
                "organisation": work.actor.organisation,
                "user_id": work.actor.user,
                "case_ref": case_ref,
                "reason": reason.value,
                "note": note,
                "opened_at": work.now,
                "ends_at": ends,
            }
            repository.add_use(work.session, row)
            return _view(work, repository.uses(work.session, work.actor.organisation, use_id=use_id)[0])

        use = self._guard.run(actor, operation)
        # the security officer's alert: the use is listed as pending at once; this line is for the log shipper
        log.warning("break_glass_opened", use_id=use.use_id, case_ref=use.case_ref, user=use.user_id)
        return use

    def uses(self, actor: Actor, *, pending_only: bool = True, user_id: str | None = None) -> list[BreakGlassView]:
        """Break-glass uses (by default those awaiting review): the security officer's alert list."""
        if user_id is not None:
            require_user_id(user_id)

        def operation(work: Work) -> list[BreakGlassView]:
            about = About(target=f"user:{user_id}" if user_id else ("pending" if pending_only else "all"))
            target = Target(Resource.BREAK_GLASS, about)
            work.authorize(EventType.BREAK_GLASS_LIST, Action.VIEW_METADATA, Purpose.AUDIT_REVIEW, target)
            found = repository.uses(work.session, work.actor.organisation, user_id=user_id, pending_only=pending_only)
            return [_view(work, listed) for listed in found]

        return self._guard.run(actor, operation, reads_only=True)

    def review(self, actor: Actor, use_id: int, outcome: ReviewOutcome, note: str) -> BreakGlassView:
        """Record whether a use was justified, with a note. Once per use."""
        note = _note(note)

        def operation(work: Work) -> BreakGlassView:
            found = repository.uses(work.session, work.actor.organisation, use_id=use_id, lock=True)
            about = About(target=f"break_glass:{use_id}")
            if not found:
                work.refuse(EventType.BREAK_GLASS_REVIEW, about, Reason.NOT_FOUND, NotFound("no such use"))
            row, use = found[0]
            about = About(case_ref=row.case_ref, target=f"break_glass:{use_id}:{outcome.value}", break_glass=True)
            target = Target(Resource.BREAK_GLASS, about)
            grant = work.authorize(EventType.BREAK_GLASS_REVIEW, Action.UPDATE, Purpose.AUDIT_REVIEW, target)
            if work.claimed_actor.is_self(row.user_id):
                grant.withdraw(Reason.SELF_SERVICE, AccessDenied("nobody reviews their own use"))
            if use.outcome is not None:
                grant.withdraw(Reason.ALREADY_REVIEWED, Conflict("this use has been reviewed"))
            repository.review(
                work.session,
                use_id,
                outcome=outcome.value,
                reviewed_by=work.actor.user,
                reviewed_at=work.now,
                note=note,
            )
            return _view(work, repository.uses(work.session, work.actor.organisation, use_id=use_id)[0])

        return self._guard.run(actor, operation)

    def clear(self, actor: Actor, user_id: str) -> int:
        """Clear a user's not-justified findings (after the follow-up they called for), so they may break glass
        again. Returns how many were cleared."""
        require_user_id(user_id)

        def operation(work: Work) -> int:
            target = Target(Resource.BREAK_GLASS, About(target=f"user:{user_id}"))
            grant = work.authorize(EventType.BREAK_GLASS_CLEAR, Action.UPDATE, Purpose.AUDIT_REVIEW, target)
            if work.claimed_actor.is_self(user_id):
                grant.withdraw(Reason.SELF_SERVICE, AccessDenied("nobody clears their own findings"))
            organisation = work.actor.organisation
            return repository.clear(
                work.session, organisation, user_id, cleared_by=work.actor.user, cleared_at=work.now
            )

        return self._guard.run(actor, operation)


def _note(text: str) -> str:
    """The free-text reason or review note: a few words of explanation, never an identifier of the subject."""
    stripped = " ".join(text.split())
    low, high = NOTE_CHARS
    if not low <= len(stripped) <= high:
        raise InvalidInput(f"explain in {low} to {high} characters")
    if looks_like_bsn(stripped) or looks_like_bsn(re.sub(r"(?<=\d)[ .\-](?=\d)", "", stripped)):
        raise InvalidInput("a note never holds a BSN")
    return stripped


def _view(work: Work, listed: repository.Listed) -> BreakGlassView:
    row, use = listed
    return BreakGlassView(
        use_id=row.id,
        case_ref=row.case_ref,
        user_id=row.user_id,
        role=Role(row.role),
        reason=BreakGlassReason(use.reason),
        note=use.note,
        opened_at=use.opened_at,
        ends_at=use.ends_at,
        outcome=None if use.outcome is None else ReviewOutcome(use.outcome),
        reviewed_by=use.reviewed_by,
        reviewed_at=use.reviewed_at,
        review_note=use.review_note,
        cleared_at=use.cleared_at,
        sealed=work.assignment_sealed(row),
    )
