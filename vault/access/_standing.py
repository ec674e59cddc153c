"""The requester's standing: which of the token's roles count (DOMAIN R3, R7, R47) and who the responsible adviser
is (R4). Looked up at the start of every unit of work of a requester with a data role or a processor, so a lapsed,
suspended or ended registration or agreement ends access from the next request on, in every process.

A processor's token (R47: a volmacht holder's or an external medical-advice bureau's staff) counts only in the roles
a live, sealed processing agreement between the controller and that processor covers; without one, none of its
roles counts. A token's data role counts only when
- the token carries no officer role (key admin, security or privacy officer: segregation of duties, R7), and the
  register holds no live officer duty for the user either;
- the register holds a live, sealed registration for it, for the same processor as the token's (or none for both):
  an adviser's BIG registration; a criminal-data officer's authorisation; a staff member's confidentiality
  agreement whose supervising adviser is live and registered too. A processor's registration counts only while
  that processor's agreement covers the role.
The responsible user of a staff member's events is that supervisor, never a claim of the token. Where the
deployment requires it (R38; by default in production for every data role), a data role also counts only for a
token whose holder authenticated with several factors (its ``amr``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from vault.access import _repository as repository
from vault.access._repository import AgreementRow, MemberRow
from vault.actor import Actor
from vault.vocabulary import DATA_ROLES, OFFICER_ROLES, PROCESSOR_ROLES, AuthStrength, Role

NO_PROCESSING_AGREEMENT = "no_processing_agreement"
OUTSIDE_PROCESSING_AGREEMENT = "outside_processing_agreement"
SEPARATION_OF_DUTIES = "separation_of_duties"
WEAK_AUTHENTICATION = "weak_authentication"
NOT_REGISTERED = "not_registered"
# When a denial has several explanations, the first that applies is named.
REASON_ORDER = (
    NO_PROCESSING_AGREEMENT,
    OUTSIDE_PROCESSING_AGREEMENT,
    SEPARATION_OF_DUTIES,
    WEAK_AUTHENTICATION,
    NOT_REGISTERED,
)


@dataclass(frozen=True, slots=True)
class Standing:
    actor: Actor  # the requester as the register and the agreements confirm it: roles that do not count removed
    unconfirmed: dict[Role, str] = field(default_factory=dict)  # roles the token claimed that do not count, and why
    unsealed: tuple[MemberRow, ...] = field(default=())  # rows that failed their MAC (granted nothing)
    unsealed_agreements: tuple[AgreementRow, ...] = field(default=())


class _Agreements:
    """The live, sealed processing agreements per processor, looked up once per processor per standing."""

    def __init__(
        self, session: Session, organisation: str, now: datetime, sealed: Callable[[AgreementRow], bool]
    ) -> None:
        self._session, self._organisation, self._now, self._sealed = session, organisation, now, sealed
        self._found: dict[str, list[AgreementRow]] = {}
        self._roles: dict[str, frozenset[Role]] = {}
        self.unsealed: list[AgreementRow] = []

    def live(self, processor: str) -> list[AgreementRow]:
        if processor not in self._found:
            rows = repository.live_agreements(
                self._session, organisation=self._organisation, processor=processor, now=self._now
            )
            sealed = [row for row in rows if self._sealed(row)]
            self.unsealed += [row for row in rows if row not in sealed]
            if len(sealed) > 1:
                # One agreement per processor at a time (vault/processors): two live ones mean an ended or hidden
                # row was put back in the database. Neither is trusted, and the security officer hears of both.
                self.unsealed += sealed
                sealed = []
            self._found[processor] = sealed
        return self._found[processor]

    def roles(self, processor: str) -> frozenset[Role]:
        if processor not in self._roles:  # asked per registration row: worked out once per processor
            names = {name for row in self.live(processor) for name in row.roles.split(",")}
            self._roles[processor] = frozenset(role for role in PROCESSOR_ROLES if role.value in names)
        return self._roles[processor]

    def reference(self, processor: str) -> str | None:
        live = self.live(processor)
        return live[0].reference if live else None


def agreement_covering(
    session: Session,
    organisation: str,
    processor: str,
    role: Role,
    now: datetime,
    sealed: Callable[[AgreementRow], bool],
) -> str | None:
    """The reference of the live, sealed agreement under which ``processor``'s staff act in ``role`` at ``now``."""
    agreements = _Agreements(session, organisation, now, sealed)
    return agreements.reference(processor) if role in agreements.roles(processor) else None


def standing(
    session: Session,
    actor: Actor,
    now: datetime,
    sealed: Callable[[MemberRow], bool],
    multi_factor_roles: frozenset[Role] = frozenset(),
    agreement_sealed: Callable[[AgreementRow], bool] = lambda row: False,
    *,
    probe: bool = False,
) -> Standing:
    """The requester's confirmed roles and responsible user at ``now``. A role in ``multi_factor_roles`` counts only
    for a token that says its holder authenticated with several factors (R38). A ``probe`` asks about another user
    (a supervisor, a delegate): their registration for any processor counts, while its agreement covers the role."""
    known = frozenset(actor.known_roles())
    claimed = known & DATA_ROLES
    if not claimed and actor.processor is None:
        return Standing(replace(actor, responsible_user=None) if actor.responsible_user else actor)
    agreements = _Agreements(session, actor.organisation, now, agreement_sealed)
    reasons: dict[Role, str] = {}
    if actor.processor is not None and not probe:
        covered = agreements.roles(actor.processor)
        why = OUTSIDE_PROCESSING_AGREEMENT if agreements.live(actor.processor) else NO_PROCESSING_AGREEMENT
        reasons.update((role, why) for role in known - covered)
        claimed -= reasons.keys()
    responsible: str | None = None
    processor = actor.processor
    unsealed: tuple[MemberRow, ...] = ()
    if claimed:
        rows = repository.live_members(session, organisation=actor.organisation, user_id=actor.user, now=now)
        valid = [row for row in rows if sealed(row)]
        unsealed = tuple(row for row in rows if row not in valid)

        def counts(row: MemberRow) -> bool:  # a processor's registration counts while its agreement covers it
            return row.processor is None or Role(row.role) in agreements.roles(row.processor)

        mine = [row for row in valid if row.user_id == actor.user]
        own = [row for row in mine if probe or row.processor == actor.processor]
        # a supervising adviser counts for staff of the same organisation: the controller's, or the same processor's
        advisers = {
            (row.user_id, row.processor)
            for row in valid
            if row.role == Role.MEDICAL_ADVISER.value and row.credential and counts(row)
        }
        confirmed: set[Role] = set()
        # an officer's duty separates whatever token the person uses, a processor's included (R7)
        officer = bool(known & OFFICER_ROLES) or any(row.role in OFFICER_ROLES for row in mine)
        if not officer:
            for row in sorted(own, key=lambda r: r.starts_at):
                role = Role(row.role)
                if role not in claimed or row.credential is None or not counts(row):
                    continue
                if role is Role.MEDICAL_STAFF:
                    supervisor = (row.supervisor, row.processor)
                    if row.supervisor is None or row.supervisor == actor.user or supervisor not in advisers:
                        continue
                    responsible = row.supervisor  # the newest live agreement names the responsible adviser
                confirmed.add(role)
                if probe:
                    processor = row.processor
        weak = {r for r in confirmed & multi_factor_roles if actor.auth_strength is not AuthStrength.MULTI_FACTOR}
        confirmed -= weak
        if responsible is not None and Role.MEDICAL_STAFF not in confirmed:
            responsible = None
        for role in claimed - confirmed:
            reasons[role] = SEPARATION_OF_DUTIES if officer else WEAK_AUTHENTICATION if role in weak else NOT_REGISTERED
    agreement = None if processor is None else agreements.reference(processor)
    names = {role.value for role in reasons}
    roles = tuple(name for name in actor.roles if name not in names)
    confirmed_actor = replace(
        actor, roles=roles, responsible_user=responsible, processor=processor, agreement=agreement
    )
    return Standing(confirmed_actor, reasons, unsealed, tuple(agreements.unsealed))
