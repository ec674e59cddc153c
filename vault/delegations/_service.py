"""Delegation (DOMAIN R2). A registered medical adviser delegates their cases — all of them, or one — to another
registered adviser of the same organisation for a period (an absence). While it runs, the delegate's relation to
each such case on which the delegator is *assigned* is DELEGATED, and every event of theirs there carries
``on_behalf_of`` = the delegator (vault/access/_guard.py). It ends on time, or when the delegator revokes it.
A delegate cannot delegate further: only the delegator's own assignments are delegated, and a case the requester
holds only by delegation is refused. Decided and audited through the access guard; rows sealed like assignments.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from vault.access import AccessGuard, DelegationRow, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.delegations import _repository as repository
from vault.errors import AccessDenied, Conflict, InvalidInput, NotFound
from vault.identifiers import require_user_id
from vault.vocabulary import Action, Purpose, Relation, Resource, Role


class DelegationView(BaseModel):
    model_config = ConfigDict(frozen=True)

    delegation_id: int
    delegator: str
    delegate: str
    case_ref: str | None  # None: all the delegator's cases
    starts_at: datetime
    ends_at: datetime
    revoked_at: datetime | None
    live: bool
    sealed: bool


class DelegationService:
    def __init__(self, *, guard: AccessGuard, max_days: int = 90) -> None:
        self._guard = guard
        self._max = timedelta(days=max_days)

    def delegate(
        self,
        actor: Actor,
        delegate: str,
        *,
        ends_at: datetime,
        starts_at: datetime | None = None,
        case_ref: str | None = None,
    ) -> DelegationView:
        """Delegate the requester's cases (or one) to ``delegate`` from ``starts_at`` (default now) to ``ends_at``."""
        require_user_id(delegate)

        def operation(work: Work) -> DelegationView:
            starts = starts_at or work.now
            about = About(case_ref=case_ref, target=f"{delegate}:{case_ref or 'all'}")
            target = Target(Resource.DELEGATIONS, about)
            grant = work.authorize(EventType.DELEGATION_CREATE, Action.MANAGE, Purpose.ADMINISTRATION, target)
            if work.claimed_actor.is_self(delegate):
                grant.withdraw(Reason.SELF_SERVICE, InvalidInput("nobody delegates to themselves"))
            if starts < work.now - timedelta(minutes=5) or ends_at <= starts or ends_at > starts + self._max:
                grant.withdraw(
                    Reason.POLICY,
                    InvalidInput(f"a delegation starts now or later and lasts at most {self._max.days} days"),
                )
            if work.confirmed_in(delegate, Role.MEDICAL_ADVISER) is None:
                grant.withdraw(
                    Reason.NOT_REGISTERED, InvalidInput(f"{delegate} is not a registered medical adviser here")
                )
            if case_ref is not None and work.relation_to(case_ref, Role.MEDICAL_ADVISER) is not Relation.ASSIGNED:
                grant.withdraw(
                    Reason.DELEGATED_FURTHER,
                    AccessDenied("only a case you are assigned to is delegated (a delegate cannot delegate further)"),
                )
            mac = work.delegation_mac(grant, delegate=delegate, case_ref=case_ref, starts_at=starts, ends_at=ends_at)
            row = {
                "organisation": work.actor.organisation,
                "delegator": work.actor.user,
                "delegate": delegate,
                "case_ref": case_ref,
                "starts_at": starts,
                "ends_at": ends_at,
                "created_by": work.actor.user,
                "mac": mac,
            }
            new_id = repository.add(work.session, row)
            found = repository.one(work.session, work.actor.organisation, new_id)
            assert found is not None
            return _view(work, found)

        return self._guard.run(actor, operation)

    def revoke(self, actor: Actor, delegation_id: int) -> DelegationView:
        """End a delegation now (its delegator does)."""

        def operation(work: Work) -> DelegationView:
            found = repository.one(work.session, work.actor.organisation, delegation_id)
            about = About(target=f"delegation:{delegation_id}")
            if found is None:
                work.refuse(EventType.DELEGATION_REVOKE, about, Reason.NOT_FOUND, NotFound("no such delegation"))
            target = Target(Resource.DELEGATIONS, About(case_ref=found.case_ref, target=f"delegation:{found.id}"))
            own = work.claimed_actor.is_self(found.delegator)
            # the delegator ends their own (managing it); the security officer ends any (e.g. once the delegator's
            # registration no longer counts and they cannot)
            action = Action.MANAGE if own else Action.UPDATE
            grant = work.authorize(EventType.DELEGATION_REVOKE, action, Purpose.ADMINISTRATION, target)
            if found.revoked_at is not None or found.ends_at <= work.now:
                grant.withdraw(Reason.POLICY, Conflict("the delegation has ended"))
            mac = work.delegation_mac(
                grant,
                delegate=found.delegate,
                case_ref=found.case_ref,
                starts_at=found.starts_at,
                ends_at=found.ends_at,
                revoked_at=work.now,
                delegator=found.delegator,
            )
            repository.revoke(work.session, found.id, work.now, mac)
            changed = repository.one(work.session, work.actor.organisation, found.id)
            assert changed is not None
            return _view(work, changed)

        return self._guard.run(actor, operation)

    def delegations(self, actor: Actor, user_id: str | None = None) -> list[DelegationView]:
        """Delegations given or received (by one user, or all): the security officer's, or an adviser's own."""
        if user_id is not None:
            require_user_id(user_id)

        def operation(work: Work) -> list[DelegationView]:
            about = About(target=f"user:{user_id}" if user_id else "delegations")
            target = Target(Resource.DELEGATIONS, about)
            work.authorize(EventType.DELEGATION_LIST, Action.VIEW_METADATA, Purpose.ADMINISTRATION, target)
            officer = Role.SECURITY_OFFICER in work.actor.known_roles()
            who = user_id if officer else work.actor.user  # an adviser lists only their own
            return [_view(work, row) for row in repository.listed(work.session, work.actor.organisation, who)]

        return self._guard.run(actor, operation, reads_only=True)


def _view(work: Work, row: DelegationRow) -> DelegationView:
    sealed = work.delegation_sealed(row)
    live = row.revoked_at is None and row.starts_at <= work.now < row.ends_at
    return DelegationView(
        delegation_id=row.id,
        delegator=row.delegator,
        delegate=row.delegate,
        case_ref=row.case_ref,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        revoked_at=row.revoked_at,
        live=live and sealed,
        sealed=sealed,
    )
