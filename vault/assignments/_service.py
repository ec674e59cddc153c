"""Need-to-know assignments: who works on which case in which role, from when to when (DOMAIN R2, R10). Decided by
the policy (key admins assign any data role; an adviser on the case assigns unit members to it) and audited through
the access guard. Beyond the policy, an assignment is refused (each refusal audited) when it would widen the
assigner's own access or outlast it: nobody assigns themselves; an adviser's assignment of others ends no later than
the adviser's own on the case; the assignee must be registered in the unit in that role (R3); a closed case takes no
assignment (R10)."""

from __future__ import annotations

from datetime import datetime, timedelta

from vault.access import AccessGuard, AssignmentRow, Grant, Target, Work
from vault.actor import Actor
from vault.assignments import _repository as repository
from vault.assignments._schemas import AssignmentView
from vault.audit import About, EventType, Reason
from vault.errors import AccessDenied, Conflict, InvalidInput, NotFound
from vault.identifiers import require_user_id
from vault.vocabulary import DATA_ROLES, MEDICAL_UNIT_ROLES, Action, Purpose, Relation, Resource, Role


class AssignmentService:
    def __init__(self, *, guard: AccessGuard, review_days: int = 90) -> None:
        self._guard = guard
        self._review_days = review_days

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
        require_user_id(user_id)  # before anything is recorded: the id enters the event

        def operation(work: Work) -> int:
            starts = starts_at or work.now
            grant = work.authorize(
                EventType.ASSIGNMENT_CREATE, Action.MANAGE, Purpose.ADMINISTRATION, _target(case_ref, user_id, role)
            )
            if relation not in (Relation.ASSIGNED, Relation.DELEGATED):  # break-glass rows come from vault.break_glass
                grant.withdraw(Reason.POLICY, InvalidInput("an assignment is assigned or delegated"))
            if role not in DATA_ROLES:
                grant.withdraw(Reason.POLICY, InvalidInput("only the unit's data roles are assigned to cases"))
            if ends_at is not None and ends_at <= starts:
                grant.withdraw(Reason.POLICY, InvalidInput("an assignment needs an end after its start"))
            if work.claimed_actor.is_self(user_id):
                grant.withdraw(Reason.SELF_SERVICE, AccessDenied("nobody assigns themselves"))
            if repository.case_closed(work.session, work.actor.organisation, case_ref):
                grant.withdraw(Reason.CASE_CLOSED, Conflict("the case is closed"))
            assignee = work.confirmed_in(user_id, role)
            if assignee is None:
                grant.withdraw(
                    Reason.NOT_REGISTERED, InvalidInput(f"{user_id} is not registered in the unit as {role.value}")
                )
            if work.actor.processor is not None and assignee.processor != work.actor.processor:
                # a processor's adviser staffs a case with the processor's own people; the controller does the rest
                grant.withdraw(
                    Reason.OTHER_ORGANISATION, AccessDenied("a processor assigns only its own staff to a case")
                )
            _within_assigners_own(work, grant, case_ref, ends_at)
            mac = work.assignment_mac(
                grant,
                case_ref=case_ref,
                user_id=user_id,
                role=role.value,
                relation=relation.value,
                starts_at=starts,
                ends_at=ends_at,
            )
            return repository.add_assignment(
                work.session,
                organisation=work.actor.organisation,
                case_ref=case_ref,
                user_id=user_id,
                role=role,
                relation=relation,
                starts_at=starts,
                ends_at=ends_at,
                created_by=work.actor.user,
                mac=mac,
            )

        return self._guard.run(actor, operation)

    def revoke(self, actor: Actor, *, case_ref: str, user_id: str, role: Role) -> int:
        """End a user's assignments on a case in one role; returns how many were live. Revoking an adviser ends
        the assignments that adviser gave others on the case too: none outlasts the adviser's own."""
        require_user_id(user_id)

        def operation(work: Work) -> int:
            grant = work.authorize(
                EventType.ASSIGNMENT_REVOKE, Action.MANAGE, Purpose.ADMINISTRATION, _target(case_ref, user_id, role)
            )
            admin = Role.KEY_ADMIN in work.actor.known_roles()
            if not admin and work.relation_to(case_ref, Role.MEDICAL_ADVISER) is not Relation.ASSIGNED:
                grant.withdraw(
                    Reason.POLICY, AccessDenied("only an adviser assigned to the case (not a delegate) does")
                )
            organisation = work.actor.organisation
            revoked = repository.revoke_assignments(
                work.session, organisation=organisation, case_ref=case_ref, user_id=user_id, role=role, now=work.now
            )
            if role is Role.MEDICAL_ADVISER and revoked:
                revoked += repository.revoke_given_by(
                    work.session, organisation=organisation, case_ref=case_ref, assigner=user_id, now=work.now
                )
            self._reseal(work, grant, revoked)
            return len(revoked)

        return self._guard.run(actor, operation)

    @staticmethod
    def _reseal(work: Work, grant: Grant, revoked: list[AssignmentRow]) -> None:
        """Seal revoked rows again: a revoked_at set back to NULL would fail the MAC."""
        macs = {
            row.id: work.assignment_mac(
                grant,
                case_ref=row.case_ref,
                user_id=row.user_id,
                role=row.role,
                relation=row.relation,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                revoked_at=work.now,
            )
            for row in revoked
        }
        repository.set_macs(work.session, macs)

    def add_in(
        self, work: Work, grant: Grant, *, case_ref: str, role: Role, relation: Relation, ends_at: datetime
    ) -> int:
        """A sealed assignment of the requester themselves, from now until ``ends_at``, inside the caller's unit of
        work: what a break-glass use gives (the caller has decided and checked it)."""
        user_id = work.actor.user
        mac = work.assignment_mac(
            grant,
            case_ref=case_ref,
            user_id=user_id,
            role=role.value,
            relation=relation.value,
            starts_at=work.now,
            ends_at=ends_at,
        )
        return repository.add_assignment(
            work.session,
            organisation=work.actor.organisation,
            case_ref=case_ref,
            user_id=user_id,
            role=role,
            relation=relation,
            starts_at=work.now,
            ends_at=ends_at,
            created_by=user_id,
            mac=mac,
        )

    def end_all_in(self, work: Work, grant: Grant, case_ref: str) -> int:
        """End every live assignment on the case, inside the caller's unit of work (closing the case): each row
        revoked and sealed again, so a revocation set back to NULL fails its MAC."""
        ended = repository.end_case_assignments(
            work.session, organisation=work.actor.organisation, case_ref=case_ref, now=work.now
        )
        self._reseal(work, grant, ended)
        return len(ended)

    def due_for_review(self, actor: Actor) -> list[AssignmentView]:
        """Live assignments whose need-to-know was last confirmed (or began) longer ago than the review age: the
        security officer's periodic review (R10). Break-glass uses have a review of their own."""

        def operation(work: Work) -> list[AssignmentView]:
            target = Target(Resource.ASSIGNMENTS, About(target="due_for_review"))
            work.authorize(EventType.ASSIGNMENT_LIST, Action.VIEW_METADATA, Purpose.ADMINISTRATION, target)
            since = work.now - timedelta(days=self._review_days)
            listed = repository.due(work.session, work.actor.organisation, now=work.now, since=since)
            return [
                AssignmentView.of(row, created_by, live=True, sealed=work.assignment_sealed(row), confirmed_at=when)
                for row, created_by, when in listed
            ]

        return self._guard.run(actor, operation, reads_only=True)

    def review(self, actor: Actor, assignment_id: int, *, keep: bool) -> AssignmentView:
        """Confirm an assignment's need-to-know (it is due again after the review age) or revoke it (R10); by the
        security officer or an adviser assigned to the case, never for oneself."""

        def operation(work: Work) -> AssignmentView:
            found = repository.assignment(work.session, work.actor.organisation, assignment_id)
            about = About(target=f"assignment:{assignment_id}")
            if found is None:
                work.refuse(EventType.ASSIGNMENT_REVIEW, about, Reason.NOT_FOUND, NotFound("no such assignment"))
            row, created_by = found
            about = About(case_ref=row.case_ref, target=f"{row.user_id}:{row.role}")
            target = Target(Resource.ASSIGNMENTS, about)
            grant = work.authorize(EventType.ASSIGNMENT_REVIEW, Action.UPDATE, Purpose.ADMINISTRATION, target)
            if work.claimed_actor.is_self(row.user_id):
                grant.withdraw(Reason.SELF_SERVICE, AccessDenied("nobody reviews their own need-to-know"))
            officer = Role.SECURITY_OFFICER in work.actor.known_roles()
            if not officer and Role(row.role) not in MEDICAL_UNIT_ROLES:  # advisers review their unit's staffing
                grant.withdraw(Reason.POLICY, AccessDenied("an adviser reviews the unit's assignments only"))
            if not _live(work, row) or row.relation == Relation.BREAK_GLASS.value:
                grant.withdraw(Reason.POLICY, Conflict("only a live assignment is reviewed"))
            if keep:
                repository.confirm(work.session, assignment_id, work.now)
                grant.note_reason(Reason.CONFIRMED)
                return AssignmentView.of(
                    row, created_by, live=True, sealed=work.assignment_sealed(row), confirmed_at=work.now
                )
            revoked = repository.revoke_one(work.session, assignment_id, work.now)
            if row.role == Role.MEDICAL_ADVISER.value:
                revoked += repository.revoke_given_by(
                    work.session,
                    organisation=work.actor.organisation,
                    case_ref=row.case_ref,
                    assigner=row.user_id,
                    now=work.now,
                )
            self._reseal(work, grant, revoked)
            grant.note_reason(Reason.REVOKED)
            return AssignmentView.of(revoked[0], created_by, live=False, sealed=True)

        return self._guard.run(actor, operation)

    def mine(self, actor: Actor) -> list[AssignmentView]:
        """The requester's worklist: the cases they may work on now, and how (assigned, delegated, break-glass
        until …), in the roles the register confirms."""

        def operation(work: Work) -> list[AssignmentView]:
            target = Target(Resource.WORKLIST, About(target="self"))
            work.authorize(EventType.WORKLIST, Action.READ, Purpose.ADMINISTRATION, target)
            roles = {role.value for role in work.actor.known_roles()}
            organisation, me = work.actor.organisation, work.actor.user
            listed = repository.assignments(work.session, organisation, case_ref=None, user_id=me, live_at=work.now)
            mine = [
                AssignmentView.of(row, created_by, live=True, sealed=True)
                for row, created_by in listed
                if row.role in roles and work.assignment_sealed(row)
            ]
            for delegation in work.delegations_to_me():  # the delegators' own assignments, on their behalf
                theirs = repository.assignments(
                    work.session,
                    organisation,
                    case_ref=delegation.case_ref,
                    user_id=delegation.delegator,
                    live_at=work.now,
                )
                for row, created_by in theirs:
                    if row.relation != Relation.ASSIGNED.value or row.role != Role.MEDICAL_ADVISER.value:
                        continue
                    if not work.assignment_sealed(row):
                        continue
                    ends = delegation.ends_at if row.ends_at is None else min(row.ends_at, delegation.ends_at)
                    view = AssignmentView.of(row, created_by, live=True, sealed=True)
                    changes = {"user_id": me, "relation": Relation.DELEGATED, "ends_at": ends}
                    mine.append(view.model_copy(update={**changes, "on_behalf_of": delegation.delegator}))
            return mine

        return self._guard.run(actor, operation, reads_only=True)

    def assignments(
        self, actor: Actor, *, case_ref: str | None = None, user_id: str | None = None, live_only: bool = True
    ) -> list[AssignmentView]:
        """The assignments on one case or of one user (R10: the security officer's need-to-know review), live
        ones only unless ``live_only`` is False; each says whether its seal holds (one that fails grants nothing)."""
        if (case_ref is None) == (user_id is None):
            raise InvalidInput("give exactly one of case or user")
        if user_id is not None:
            require_user_id(user_id)

        def operation(work: Work) -> list[AssignmentView]:
            about = About(case_ref=case_ref, target=f"user:{user_id}" if user_id else None)
            target = Target(Resource.ASSIGNMENTS, about)
            work.authorize(EventType.ASSIGNMENT_LIST, Action.VIEW_METADATA, Purpose.ADMINISTRATION, target)
            listed = repository.assignments(
                work.session,
                work.actor.organisation,
                case_ref=case_ref,
                user_id=user_id,
                live_at=work.now if live_only else None,
            )
            return [
                AssignmentView.of(row, created_by, live=_live(work, row), sealed=work.assignment_sealed(row))
                for row, created_by in listed
            ]

        return self._guard.run(actor, operation, reads_only=True)


def _live(work: Work, row: AssignmentRow) -> bool:
    return row.revoked_at is None and row.starts_at <= work.now and (row.ends_at is None or row.ends_at > work.now)


def _within_assigners_own(work: Work, grant: Grant, case_ref: str, ends_at: datetime | None) -> None:
    """An adviser (not the key admin) assigns others for no longer than their own assignment on the case runs."""
    if Role.KEY_ADMIN in work.actor.known_roles():
        return
    ends = work.own_assignment_ends(case_ref) or {}
    if Role.MEDICAL_ADVISER not in ends:  # the policy allowed it through a relation whose row did not hold
        grant.withdraw(Reason.POLICY, AccessDenied("only an adviser assigned to the case assigns others to it"))
    own = ends[Role.MEDICAL_ADVISER]
    if own is not None and (ends_at is None or ends_at > own):
        grant.withdraw(
            Reason.OUTLASTS_ASSIGNER,
            AccessDenied(f"an assignment by an adviser ends no later than the adviser's own ({own.isoformat()})"),
        )


def _target(case_ref: str, user_id: str, role: Role) -> Target:
    """Key admins assign any role; advisers on the case assign unit members (policy: unit_assignments)."""
    resource = Resource.UNIT_ASSIGNMENTS if role in MEDICAL_UNIT_ROLES else Resource.ASSIGNMENTS
    return Target(resource, About(case_ref=case_ref, target=f"{user_id}:{role.value}"))
