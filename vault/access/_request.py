"""The decision request: one frozen, hashable value that is both the memo key of a decision and the unit that
`kluis policy check` enumerates. New conditions (consent, break-glass, authentication strength, product) are members
here, so adding one changes no signature."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vault.vocabulary import Action, AuthStrength, Category, Purpose, Relation, Resource, Role

DEFAULT_DENY = "default-deny"


@dataclass(frozen=True, slots=True)
class DecisionRequest:
    """Who (each held role with its relation to the case), on what, doing what, why, and under which conditions."""

    roles: tuple[tuple[Role, Relation], ...]  # sorted by role, one entry per role
    resource: Category | Resource
    action: Action
    purpose: Purpose
    consent: bool | None = None  # None: no consent applies; True/False: a valid consent is (not) on file
    break_glass: bool = False
    auth_strength: AuthStrength = AuthStrength.UNKNOWN
    product: str | None = None

    @classmethod
    def of(
        cls,
        relations: Mapping[Role, Relation],
        resource: Category | Resource,
        action: Action,
        purpose: Purpose,
        *,
        auth_strength: AuthStrength = AuthStrength.UNKNOWN,
    ) -> DecisionRequest:
        return cls(tuple(sorted(relations.items())), resource, action, purpose, auth_strength=auth_strength)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str  # the matched policy line, or DEFAULT_DENY
