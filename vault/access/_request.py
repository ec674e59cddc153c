"""The decision request: one frozen, hashable value that is both the memo key of a decision and the unit that
`kluis policy check` enumerates. New conditions (consent, break-glass, authentication strength, product) are members
here, so adding one changes no signature."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from vault.vocabulary import Action, AuthStrength, Category, Purpose, Relation, Resource, Role

DEFAULT_DENY = "default-deny"


class DecisionRequest(NamedTuple):
    """Who (each held role with its relation to the case), on what, doing what, why, and under which conditions.

    A NamedTuple rather than a frozen dataclass: it is built for every decision, and a tuple is built and hashed in
    C (the memo lookup is the whole decision on the hot path; docs/PERFORMANCE.md)."""

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
        return cls.for_held(held_roles(relations), resource, action, purpose, auth_strength)

    @classmethod
    def for_held(
        cls,
        held: HeldRoles,
        resource: Category | Resource,
        action: Action,
        purpose: Purpose,
        auth_strength: AuthStrength = AuthStrength.UNKNOWN,
    ) -> DecisionRequest:
        """The request for roles already in their canonical order (the guard keeps them so per case and unit of
        work)."""
        return request_for_held(held, resource, action, purpose, auth_strength)


HeldRoles = tuple[tuple[Role, Relation], ...]


def request_for_held(
    held: HeldRoles,
    resource: Category | Resource,
    action: Action,
    purpose: Purpose,
    auth_strength: AuthStrength,
    _new: Callable[..., Any] = tuple.__new__,
) -> DecisionRequest:
    """DecisionRequest.for_held as a plain function, for the guard's per-decision path: tuple.__new__ directly
    (the generated NamedTuple.__new__ is a Python function), no classmethod binding."""
    request: DecisionRequest = _new(
        DecisionRequest, (held, resource, action, purpose, None, False, auth_strength, None)
    )
    return request


def held_roles(relations: Mapping[Role, Relation]) -> HeldRoles:
    """Each held role with its relation, sorted by role: the canonical form a request carries."""
    return tuple(sorted(relations.items()))


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str  # the matched policy line, or DEFAULT_DENY
