"""Registering people into the unit, suspending, reinstating and ending their registrations, and listing them.

Decided by the policy (the key admin keeps the register; the security officer reads it) and audited through the
access guard. Beyond the policy, the register refuses (each refusal audited): registering oneself or changing one's
own registration (a role other than the person's own must do it, R3); an officer into a data role or a data-role
holder into an officer's duty (R7); a registration without the credential its role rests on (R3); staff under a
supervisor who is not a live registered adviser.
"""

from __future__ import annotations

from datetime import datetime

from vault.access import AccessGuard, Grant, MemberRow, Target, Work
from vault.actor import Actor
from vault.audit import About, EventType, Reason
from vault.errors import AccessDenied, Conflict, InvalidInput, NotFound
from vault.identifiers import require_user_id
from vault.unit import _repository as repository
from vault.unit._schemas import MemberView, Registration, RegistrationStatus
from vault.vocabulary import DATA_ROLES, OFFICER_ROLES, Action, Purpose, Resource, Role

# The statuses a registration may come from, per status it goes to: suspending and reinstating go back and forth;
# an ended registration stays ended (a person who returns is registered anew, on a credential checked again).
_ALLOWED_FROM = {
    RegistrationStatus.SUSPENDED: {RegistrationStatus.ACTIVE},
    RegistrationStatus.ACTIVE: {RegistrationStatus.SUSPENDED},
    RegistrationStatus.ENDED: {RegistrationStatus.ACTIVE, RegistrationStatus.SUSPENDED},
}


class UnitRegister:
    def __init__(self, *, guard: AccessGuard) -> None:
        self._guard = guard

    def register(self, actor: Actor, registration: Registration) -> int:
        """Record one person in one role; returns the registration's id."""
        item = registration

        def operation(work: Work) -> int:
            repository.lock_person(work.session, work.actor.organisation, item.user_id)
            about = About(target=f"{item.user_id}:{item.role.value}")
            grant = work.authorize(EventType.UNIT_REGISTER, Action.MANAGE, Purpose.ADMINISTRATION, _register(about))
            if work.claimed_actor.is_self(item.user_id):
                grant.withdraw(Reason.SELF_SERVICE, AccessDenied("nobody registers themselves"))
            problem = item.credential_problem()
            if problem is not None:
                grant.withdraw(Reason.INVALID_CREDENTIAL, InvalidInput(problem))
            starts = item.starts_at or work.now
            if item.ends_at is not None and item.ends_at <= starts:
                grant.withdraw(Reason.INVALID_CREDENTIAL, InvalidInput("a registration ends after it starts"))
            _refuse_mixed_duties(work, grant, item.user_id, item.role, starts, item.ends_at)
            if item.processor is not None and work.agreement_for(item.processor, item.role) is None:
                grant.withdraw(
                    Reason.NO_PROCESSING_AGREEMENT,
                    InvalidInput(f"no live processing agreement lets {item.processor} act as {item.role.value}"),
                )
            supervisor = None if item.supervisor is None else work.confirmed_in(item.supervisor, Role.MEDICAL_ADVISER)
            if item.supervisor is not None and supervisor is None:
                grant.withdraw(
                    Reason.NOT_REGISTERED, InvalidInput("the supervisor is not a registered, active medical adviser")
                )
            if supervisor is not None and supervisor.processor != item.processor:
                grant.withdraw(
                    Reason.OTHER_ORGANISATION,
                    InvalidInput("staff work under an adviser of their own organisation (the controller or processor)"),
                )
            verified_by = item.verified_by or (work.actor.user if item.credential else None)
            mac = work.member_mac(
                grant,
                user_id=item.user_id,
                role=item.role.value,
                credential=item.normalised_credential,
                credential_date=item.credential_date,
                verified_by=verified_by,
                supervisor=item.supervisor,
                starts_at=starts,
                ends_at=item.ends_at,
                status=RegistrationStatus.ACTIVE.value,
                processor=item.processor,
            )
            row = {
                "organisation": work.actor.organisation,
                "user_id": item.user_id,
                "role": item.role.value,
                "credential": item.normalised_credential,
                "credential_date": item.credential_date,
                "verified_by": verified_by,
                "supervisor": item.supervisor,
                "processor": item.processor,
                "starts_at": starts,
                "ends_at": item.ends_at,
                "status": RegistrationStatus.ACTIVE.value,
                "changed_at": work.now,
                "changed_by": work.actor.user,
                "mac": mac,
            }
            return repository.add_member(work.session, row)

        return self._guard.run(actor, operation)

    def change(self, actor: Actor, member_id: int, status: RegistrationStatus) -> MemberView:
        """Suspend, reinstate or end a registration. Access it confirmed ends (or returns) with the next request."""

        def operation(work: Work) -> MemberView:
            found = repository.member(work.session, work.actor.organisation, member_id)
            about = About(target=f"unit_member:{member_id}")
            if found is None:
                work.refuse(EventType.UNIT_CHANGE, about, Reason.NOT_FOUND, NotFound("no such registration"))
            row = found[0]
            repository.lock_person(work.session, work.actor.organisation, row.user_id)
            about = About(target=f"{row.user_id}:{row.role}")
            grant = work.authorize(EventType.UNIT_CHANGE, Action.MANAGE, Purpose.ADMINISTRATION, _register(about))
            if work.claimed_actor.is_self(row.user_id):
                grant.withdraw(Reason.SELF_SERVICE, AccessDenied("nobody changes their own registration"))
            if not work.member_sealed(row):
                grant.withdraw(Reason.MAC_INVALID, Conflict("this registration's seal does not hold"))
            current = RegistrationStatus(row.status)
            if current is status or current not in _ALLOWED_FROM[status]:
                grant.withdraw(Reason.POLICY, Conflict(f"a registration that is {current.value} cannot become so"))
            if status is RegistrationStatus.ACTIVE:
                _refuse_mixed_duties(work, grant, row.user_id, Role(row.role), row.starts_at, row.ends_at)
            mac = work.member_mac(
                grant,
                user_id=row.user_id,
                role=row.role,
                credential=row.credential,
                credential_date=row.credential_date,
                verified_by=row.verified_by,
                supervisor=row.supervisor,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                status=status.value,
                processor=row.processor,
            )
            repository.change_status(
                work.session, member_id, status=status.value, changed_at=work.now, changed_by=work.actor.user, mac=mac
            )
            changed = repository.member(work.session, work.actor.organisation, member_id)
            assert changed is not None  # locked by this transaction
            return _view(work, changed)

        return self._guard.run(actor, operation)

    def members(self, actor: Actor, user_id: str | None = None) -> list[MemberView]:
        """The register (or one user's registrations), each with whether it confirms its role now."""
        if user_id is not None:
            require_user_id(user_id)

        def operation(work: Work) -> list[MemberView]:
            about = About(target=f"user:{user_id}" if user_id else "unit_register")
            work.authorize(EventType.UNIT_LIST, Action.READ, Purpose.ADMINISTRATION, _register(about))
            return [_view(work, row) for row in repository.members(work.session, work.actor.organisation, user_id)]

        return self._guard.run(actor, operation, reads_only=True)


def _register(about: About) -> Target:
    return Target(Resource.UNIT_REGISTER, about)


def _refuse_mixed_duties(
    work: Work, grant: Grant, user_id: str, role: Role, starts_at: datetime, ends_at: datetime | None
) -> None:
    """Nobody holds an officer's duty and a data role at once (R7): refused while a sealed registration of the other
    kind, active or suspended (which may be reinstated), overlaps this one's period."""
    other = OFFICER_ROLES if role in DATA_ROLES else DATA_ROLES
    for row, _, _ in repository.members(work.session, work.actor.organisation, user_id):
        if Role(row.role) not in other or row.status == RegistrationStatus.ENDED.value or not work.member_sealed(row):
            continue
        if _overlap(row.starts_at, row.ends_at, starts_at, ends_at):
            grant.withdraw(
                Reason.SEPARATION_OF_DUTIES,
                Conflict("an officer's duty and a data role are never held by one person"),
            )


def _overlap(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None) -> bool:
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def _live(work: Work, row: MemberRow) -> bool:
    return (
        row.status == RegistrationStatus.ACTIVE.value
        and row.starts_at <= work.now
        and (row.ends_at is None or row.ends_at > work.now)
    )


def _view(work: Work, listed: repository.Listed) -> MemberView:
    row, changed_at, changed_by = listed
    sealed = work.member_sealed(row)
    # staff count only under a supervisor whose own registration counts, of the same organisation or processor, and
    # a processor's member only while its agreement covers the role (vault/access/_standing.py)
    supervisor = None if row.supervisor is None else work.confirmed_in(row.supervisor, Role.MEDICAL_ADVISER)
    supervised = row.supervisor is None or (supervisor is not None and supervisor.processor == row.processor)
    covered = row.processor is None or work.agreement_for(row.processor, Role(row.role)) is not None
    return MemberView(
        member_id=row.id,
        user_id=row.user_id,
        role=Role(row.role),
        credential=row.credential,
        credential_date=row.credential_date,
        verified_by=row.verified_by,
        supervisor=row.supervisor,
        processor=row.processor,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=RegistrationStatus(row.status),
        changed_at=changed_at,
        changed_by=changed_by,
        live=_live(work, row) and sealed and supervised and covered,
        sealed=sealed,
    )
