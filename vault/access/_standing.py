"""The requester's standing in the unit register: which of the token's data roles count (DOMAIN R3, R7) and who the
responsible adviser is (R4). Looked up at the start of every unit of work of a requester with a data role, so a
lapsed, suspended or ended registration ends access from the next request on, in every process.

A token's data role counts only when
- the token carries no officer role (key admin, security or privacy officer: segregation of duties, R7), and the
  register holds no live officer duty for the user either;
- the register holds a live, sealed registration for it: an adviser's BIG registration; a criminal-data officer's
  authorisation; a staff member's confidentiality agreement whose supervising adviser is live and registered too.
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
from vault.access._repository import MemberRow
from vault.actor import Actor
from vault.vocabulary import DATA_ROLES, OFFICER_ROLES, AuthStrength, Role

SEPARATION_OF_DUTIES = "separation_of_duties"
WEAK_AUTHENTICATION = "weak_authentication"
NOT_REGISTERED = "not_registered"


@dataclass(frozen=True, slots=True)
class Standing:
    actor: Actor  # the requester as the unit register confirms it: unconfirmed data roles removed
    unconfirmed: frozenset[Role] = frozenset()  # data roles the token claimed that do not count
    why: str | None = None  # why they do not count: one of the codes above
    unsealed: tuple[MemberRow, ...] = field(default=())  # rows that failed their MAC (granted nothing)


def standing(
    session: Session,
    actor: Actor,
    now: datetime,
    sealed: Callable[[MemberRow], bool],
    multi_factor_roles: frozenset[Role] = frozenset(),
) -> Standing:
    """The requester's confirmed roles and responsible user at ``now``. A role in ``multi_factor_roles`` counts only
    for a token that says its holder authenticated with several factors (R38)."""
    claimed = frozenset(actor.known_roles()) & DATA_ROLES
    if not claimed:
        return Standing(replace(actor, responsible_user=None) if actor.responsible_user else actor)
    rows = repository.live_members(session, organisation=actor.organisation, user_id=actor.user, now=now)
    valid = [row for row in rows if sealed(row)]
    unsealed = tuple(row for row in rows if row not in valid)
    own = [row for row in valid if row.user_id == actor.user]
    advisers = {row.user_id for row in valid if row.role == Role.MEDICAL_ADVISER.value and row.credential}
    confirmed: set[Role] = set()
    responsible: str | None = None
    officer = bool(frozenset(actor.known_roles()) & OFFICER_ROLES) or any(row.role in OFFICER_ROLES for row in own)
    if not officer:
        for row in sorted(own, key=lambda r: r.starts_at):
            role = Role(row.role)
            if role not in claimed or row.credential is None:
                continue
            if role is Role.MEDICAL_STAFF:
                if row.supervisor is None or row.supervisor == actor.user or row.supervisor not in advisers:
                    continue
                responsible = row.supervisor  # the newest live agreement names the responsible adviser
            confirmed.add(role)
    weak = {role for role in confirmed & multi_factor_roles if actor.auth_strength is not AuthStrength.MULTI_FACTOR}
    confirmed -= weak
    if responsible is not None and Role.MEDICAL_STAFF not in confirmed:
        responsible = None
    unconfirmed = claimed - confirmed
    why = None
    if unconfirmed:
        why = SEPARATION_OF_DUTIES if officer else WEAK_AUTHENTICATION if unconfirmed <= weak else NOT_REGISTERED
    roles = tuple(name for name in actor.roles if name not in {r.value for r in unconfirmed})
    return Standing(replace(actor, roles=roles, responsible_user=responsible), frozenset(unconfirmed), why, unsealed)
