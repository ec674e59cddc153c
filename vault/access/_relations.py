"""The requester's relation to a case, per held role: what need-to-know the assignments give (ASSIGNED beats
DELEGATED beats NONE). Read on every decision, so a revocation holds from the next request on, in every process."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from vault.access import _repository as repository
from vault.actor import Actor
from vault.vocabulary import Relation, Role

Relations = dict[Role, Relation]


def no_relation(actor: Actor) -> Relations:
    """Each known role without any relation: for resources that are not about a case."""
    return dict.fromkeys(actor.known_roles(), Relation.NONE)


def relations_to_cases(session: Session, actor: Actor, case_refs: Iterable[str], now: datetime) -> dict[str, Relations]:
    cases = set(case_refs)
    result = {case: no_relation(actor) for case in cases}
    roles = actor.known_roles()
    if not cases or not roles:
        return result
    rows = repository.assignment_rows(
        session,
        organisation=actor.organisation,
        user_id=actor.user,
        case_refs=cases,
        roles=[role.value for role in roles],
        now=now,
    )
    for case, role_name, relation_name in rows:
        relations, role, relation = result[case], Role(role_name), Relation(relation_name)
        if relation is Relation.ASSIGNED or relations[role] is Relation.NONE:
            relations[role] = relation
    return result
