"""Need-to-know assignments: who works on which case in which role, from when to when. Decided by the policy (key
admins assign any role; an adviser on the case assigns unit members to it) and audited through the access guard."""

from __future__ import annotations

from datetime import datetime

from vault.access import AccessGuard, Target, Work
from vault.actor import Actor
from vault.assignments import _repository as repository
from vault.audit import About, EventType
from vault.errors import InvalidInput
from vault.vocabulary import MEDICAL_UNIT_ROLES, Action, Purpose, Relation, Resource, Role


class AssignmentService:
    def __init__(self, *, guard: AccessGuard) -> None:
        self._guard = guard

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
        if relation is Relation.NONE:
            raise InvalidInput("an assignment needs a relation")

        def operation(work: Work) -> int:
            starts = starts_at or work.now
            if ends_at is not None and ends_at <= starts:
                raise InvalidInput("an assignment needs an end after its start")
            grant = work.authorize(
                EventType.ASSIGNMENT_CREATE, Action.MANAGE, Purpose.ADMINISTRATION, _target(case_ref, user_id, role)
            )
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
        """End a user's assignments on a case in one role; returns how many were live."""

        def operation(work: Work) -> int:
            grant = work.authorize(
                EventType.ASSIGNMENT_REVOKE, Action.MANAGE, Purpose.ADMINISTRATION, _target(case_ref, user_id, role)
            )
            revoked = repository.revoke_assignments(
                work.session,
                organisation=work.actor.organisation,
                case_ref=case_ref,
                user_id=user_id,
                role=role,
                now=work.now,
            )
            # the revocation is sealed too: a revoked_at set back to NULL would fail the MAC
            macs = {
                row_id: work.assignment_mac(
                    grant,
                    case_ref=case_ref,
                    user_id=user_id,
                    role=role.value,
                    relation=relation,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    revoked_at=work.now,
                )
                for row_id, relation, starts_at, ends_at in revoked
            }
            repository.set_macs(work.session, macs)
            return len(revoked)

        return self._guard.run(actor, operation)


def _target(case_ref: str, user_id: str, role: Role) -> Target:
    """Key admins assign any role; advisers on the case assign unit members (policy: unit_assignments)."""
    resource = Resource.UNIT_ASSIGNMENTS if role in MEDICAL_UNIT_ROLES else Resource.ASSIGNMENTS
    return Target(resource, About(case_ref=case_ref, target=f"{user_id}:{role.value}"))
