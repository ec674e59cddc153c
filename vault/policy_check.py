"""`kluis policy check`: prove the invariants of DOMAIN R2, R6, R7 and R8 over the *effective* policy.

The vocabularies are closed, so the check enumerates every role (alone and in pairs) x category x action x purpose
x relation and asks the real decision function. A rule added anywhere that breaks an invariant is caught, whatever
its wording.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator

from vault.policy import Policy
from vault.vocabulary import COMMERCIAL_PURPOSES, Action, Category, Purpose, Relation, Role

_DATA_ACTIONS = (Action.READ, Action.CREATE, Action.UPDATE)
_NO_FIELD_ROLES = frozenset({Role.KEY_ADMIN, Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER})


def violations(policy: Policy) -> list[str]:
    return list(_violations(policy))


@functools.cache
def violations_of(model_text: str, rules: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """violations() for a policy given as data; the answer depends on nothing else, so it is computed once."""
    return tuple(violations(Policy(model_text, rules)))


def _role_sets() -> Iterator[frozenset[Role]]:
    for size in (1, 2):
        for combo in itertools.combinations(Role, size):
            yield frozenset(combo)


def _violations(policy: Policy) -> Iterator[str]:
    for roles, category, action, purpose, relation in itertools.product(
        _role_sets(), Category, Action, Purpose, Relation
    ):
        decision = policy.decide(dict.fromkeys(roles, relation), category, action, purpose)
        if not decision.allowed:
            continue
        where = f"{'+'.join(sorted(roles))} may {action} {category} for {purpose} ({relation}) via [{decision.rule}]"
        if purpose in COMMERCIAL_PURPOSES:
            yield f"commercial purpose reaches a special category: {where}"
        if action is Action.MANAGE:
            yield f"data category managed as a resource: {where}"
        if action is Action.PUBLISH and (Role.MEDICAL_ADVISER not in roles or relation is Relation.NONE):
            yield f"advice published by someone other than an adviser on the case: {where}"
        if action is Action.REFER and category is not Category.HEALTH:
            yield f"referral outside the medical unit: {where}"
        if action not in _DATA_ACTIONS:
            continue
        if Role.KEY_ADMIN in roles:
            yield f"key admin holds a data action (separation of duties): {where}"
        if action is Action.READ and roles & _NO_FIELD_ROLES:
            yield f"key admin, security or privacy officer reads field values: {where}"
        if action is Action.READ and relation is Relation.NONE:
            yield f"field values readable without need-to-know on the case: {where}"
        if action is Action.READ and Role.IMPORTER in roles and len(roles) == 1:
            yield f"importer reads field values: {where}"
        if (
            category is Category.HEALTH
            and len(roles) == 1
            and not roles
            & {
                Role.MEDICAL_ADVISER,
                Role.MEDICAL_STAFF,
                Role.IMPORTER,
            }
        ):
            yield f"health fields outside the medical unit: {where}"
        if (
            category is Category.CRIMINAL
            and len(roles) == 1
            and not roles
            & {
                Role.CRIMINAL_DATA_OFFICER,
                Role.IMPORTER,
            }
        ):
            yield f"criminal fields beyond the criminal-data officer: {where}"
