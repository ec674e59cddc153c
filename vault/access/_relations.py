"""The requester's relation to a case, per held role: what need-to-know the assignments give (ASSIGNED beats
DELEGATED beats BREAK_GLASS beats NONE; a break-glass use is an assignment row of its own relation). Read on every
decision, so a revocation holds from the next request on, in every process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from vault.access import _repository as repository
from vault.access._repository import AssignmentRow
from vault.actor import Actor
from vault.vocabulary import RELATION_RANK, Relation, Role

Relations = dict[Role, Relation]


def no_relation(actor: Actor) -> Relations:
    """Each known role without any relation: for resources that are not about a case."""
    return dict.fromkeys(actor.known_roles(), Relation.NONE)


def relations_to_cases(
    session: Session,
    actor: Actor,
    case_refs: Iterable[str],
    now: datetime,
    sealed: Callable[[AssignmentRow], bool] = lambda row: True,
    unsealed: list[AssignmentRow] | None = None,
) -> dict[str, Relations]:
    """Each held role's relation to each case. ``sealed`` says whether a row's MAC holds; a row for which it does
    not grants nothing and is added to ``unsealed`` (for the caller's integrity alert)."""
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
    for row in rows:
        if not sealed(row):
            if unsealed is not None:
                unsealed.append(row)
            continue
        relations, role, relation = result[row.case_ref], Role(row.role), Relation(row.relation)
        if RELATION_RANK[relation] > RELATION_RANK[relations[role]]:
            relations[role] = relation
    return result
