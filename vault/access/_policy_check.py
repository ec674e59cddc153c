"""`kluis policy check`: prove the policy's invariants (DOMAIN R2, R5, R6, R7, R8, R10, R37, R47, and who may touch the
audit log, the keys, the assignments, the unit register, processing agreements, cases and the policy) over the
*effective* policy.

The vocabularies are closed, so the check enumerates every DecisionRequest: each role alone and in pairs, with each
relation, x every resource (data categories and the other resources) x action x purpose, and asks the real decision
function. A rule added anywhere that breaks an invariant is caught, whatever its wording.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator

from vault.access._policy import Policy
from vault.access._policy_files import Rule
from vault.access._request import DecisionRequest
from vault.vocabulary import (
    COMMERCIAL_PURPOSES,
    DATA_ROLES,
    MEDICAL_UNIT_ROLES,
    OFFICER_ROLES,
    Action,
    Category,
    Purpose,
    Relation,
    Resource,
    Role,
)

_DATA_ACTIONS = (Action.READ, Action.CREATE, Action.UPDATE)
_NO_FIELD_ROLES = frozenset({Role.KEY_ADMIN, Role.SECURITY_OFFICER, Role.PRIVACY_OFFICER})
_RESOURCES: tuple[Category | Resource, ...] = (*Category, *Resource)


def all_requests() -> Iterator[DecisionRequest]:
    """Every request the check covers: role sets of one and two, each with one relation to the case."""
    for size in (1, 2):
        for roles in itertools.combinations(sorted(Role), size):
            for relation in Relation:
                held = dict.fromkeys(roles, relation)
                for resource, action, purpose in itertools.product(_RESOURCES, Action, Purpose):
                    yield DecisionRequest.of(held, resource, action, purpose)


def violations(policy: Policy) -> list[str]:
    return list(_violations(policy))


@functools.cache
def violations_of(model_text: str, explain_model_text: str, rules: tuple[Rule, ...]) -> tuple[str, ...]:
    """violations() for a policy given as data; the answer depends on nothing else, so it is computed once."""
    return tuple(violations(Policy(model_text, explain_model_text, rules)))


def _violations(policy: Policy) -> Iterator[str]:
    for request in all_requests():
        decision = policy.decide(request)
        if not decision.allowed:
            continue
        roles = frozenset(role for role, _ in request.roles)
        relation = request.roles[0][1]
        where = (
            f"{'+'.join(sorted(roles))} may {request.action} {request.resource} for {request.purpose} "
            f"({relation}) via [{decision.rule}]"
        )
        if relation is Relation.BREAK_GLASS and not policy.decide(_without_relation(request)).allowed:
            yield from _break_glass_violations(request, where)
        if isinstance(request.resource, Category):
            yield from _data_violations(request, roles, relation, where)
        else:
            yield from _resource_violations(request, roles, relation, where)


# What only the privacy officer keeps: the data subject's requests, legal holds and restrictions (R24-R32).
_PRIVACY_OFFICERS = frozenset({Resource.SUBJECT_REQUESTS, Resource.LEGAL_HOLDS, Resource.RESTRICTIONS})


def _without_relation(request: DecisionRequest) -> DecisionRequest:
    return request._replace(roles=tuple((role, Relation.NONE) for role, _ in request.roles))


def _break_glass_violations(request: DecisionRequest, where: str) -> Iterator[str]:
    """What a break-glass use adds to having no relation at all: reading health data, nothing else (R37)."""
    if request.resource is not Category.HEALTH:
        yield f"break-glass reaches something other than health data: {where}"
    if request.action not in (Action.READ, Action.VIEW_METADATA):
        yield f"break-glass gives more than reading: {where}"


def _resource_violations(
    request: DecisionRequest, roles: frozenset[Role], relation: Relation, where: str
) -> Iterator[str]:
    resource, action = request.resource, request.action
    if resource is Resource.AUDIT_LOG and Role.SECURITY_OFFICER not in roles:
        yield f"the audit log is reached by someone other than the security officer: {where}"
    if resource is Resource.AUDIT_LOG and action is not Action.READ:
        yield f"the audit log is changed through the policy: {where}"
    if resource is Resource.AUDIT_ARCHIVE and Role.SECURITY_OFFICER not in roles:
        yield f"the audit log is archived by someone other than the security officer: {where}"
    if resource in (Resource.KEYS, Resource.POLICY) and Role.KEY_ADMIN not in roles:
        yield f"keys or the policy are reached by someone other than a key admin: {where}"
    if (
        resource is Resource.ASSIGNMENTS
        and action is Action.UPDATE
        and not (Role.SECURITY_OFFICER in roles or (Role.MEDICAL_ADVISER in roles and relation is Relation.ASSIGNED))
    ):
        yield f"need-to-know reviewed by someone other than the security officer or an assigned adviser: {where}"
    if resource is Resource.DELEGATIONS and action is Action.MANAGE and Role.MEDICAL_ADVISER not in roles:
        yield f"cases delegated by someone other than a medical adviser: {where}"
    if resource is Resource.DELEGATIONS and action is Action.UPDATE and Role.SECURITY_OFFICER not in roles:
        yield f"another's delegation ended by someone other than the security officer: {where}"
    if resource is Resource.DELEGATIONS and action not in (Action.MANAGE, Action.UPDATE, Action.VIEW_METADATA):
        yield f"delegations handled other than by giving, ending or listing them: {where}"
    if resource is Resource.DELEGATIONS and not roles & {Role.MEDICAL_ADVISER, Role.SECURITY_OFFICER}:
        yield f"delegations reached by someone other than an adviser or the security officer: {where}"
    if resource is Resource.PROCESSING_AGREEMENTS and action is not Action.READ and Role.PRIVACY_OFFICER not in roles:
        yield f"processing agreements changed by someone other than the privacy officer: {where}"
    if resource is Resource.PROCESSING_AGREEMENTS and action not in (Action.MANAGE, Action.READ):
        yield f"processing agreements handled other than by recording, ending or listing them: {where}"
    if resource is Resource.PROCESSING_AGREEMENTS and not roles & OFFICER_ROLES:
        yield f"processing agreements reached by someone other than an officer: {where}"
    if resource in _PRIVACY_OFFICERS and Role.PRIVACY_OFFICER not in roles:
        yield f"the data subject's requests, holds or restrictions reached by someone but the privacy officer: {where}"
    if resource in _PRIVACY_OFFICERS and action not in (Action.MANAGE, Action.READ):
        yield f"subject requests, holds or restrictions handled other than by keeping or reading them: {where}"
    if resource is Resource.WORKLIST and not roles & DATA_ROLES:
        yield f"a worklist for someone outside the data roles: {where}"
    if (
        resource is Resource.ASSIGNMENTS
        and action not in (Action.VIEW_METADATA, Action.UPDATE)
        and Role.KEY_ADMIN not in roles
    ):
        yield f"assignments of any role are managed by someone other than a key admin: {where}"
    if (
        resource is Resource.ASSIGNMENTS
        and action is Action.VIEW_METADATA
        and not (
            roles & {Role.KEY_ADMIN, Role.SECURITY_OFFICER}
            or (Role.MEDICAL_ADVISER in roles and relation is not Relation.NONE)
        )
    ):
        yield f"assignments listed for someone other than an officer or an adviser on the case: {where}"
    if resource is Resource.UNIT_REGISTER and action is not Action.READ and Role.KEY_ADMIN not in roles:
        yield f"the unit register is changed by someone other than the key admin: {where}"
    if resource is Resource.UNIT_REGISTER and not roles & {Role.KEY_ADMIN, Role.SECURITY_OFFICER}:
        yield f"the unit register is reached by someone other than the key admin or security officer: {where}"
    if resource is Resource.BREAK_GLASS and action is Action.CREATE and not roles & MEDICAL_UNIT_ROLES:
        yield f"break-glass opened by someone outside the medical unit: {where}"
    if resource is Resource.BREAK_GLASS and action is not Action.CREATE and Role.SECURITY_OFFICER not in roles:
        yield f"break-glass uses reviewed by someone other than the security officer: {where}"
    if resource is Resource.CASES and action is not Action.CLOSE:
        yield f"a case is handled through the policy other than by closing it: {where}"
    if resource is Resource.UNIT_ASSIGNMENTS and not (
        Role.KEY_ADMIN in roles or (Role.MEDICAL_ADVISER in roles and relation is not Relation.NONE)
    ):
        yield f"unit assignments managed by someone other than a key admin or an adviser on the case: {where}"
    if Role.CLAIMS_HANDLER in roles and len(roles) == 1 and resource is not Resource.CASES:
        yield f"a claims handler reaches {resource}: {where}"
    if request.purpose in COMMERCIAL_PURPOSES:
        yield f"commercial purpose reaches {resource}: {where}"


def _data_violations(request: DecisionRequest, roles: frozenset[Role], relation: Relation, where: str) -> Iterator[str]:
    category, action, purpose = request.resource, request.action, request.purpose
    if purpose in COMMERCIAL_PURPOSES:
        yield f"commercial purpose reaches a special category: {where}"
    if action is Action.MANAGE:
        yield f"data category managed as a resource: {where}"
    if action is Action.PUBLISH and (Role.MEDICAL_ADVISER not in roles or relation is Relation.NONE):
        yield f"advice published by someone other than an adviser on the case: {where}"
    if action is Action.REFER and category is not Category.HEALTH:
        yield f"referral outside the medical unit: {where}"
    if action is Action.ERASE and (Role.PRIVACY_OFFICER not in roles or purpose is not Purpose.LEGAL_OBLIGATION):
        yield f"a subject's data erased other than by the privacy officer answering a request: {where}"
    if action is Action.RELEASE and (
        Role.MEDICAL_ADVISER not in roles
        or roles & _NO_FIELD_ROLES
        or relation is Relation.NONE
        or category is not Category.HEALTH
        or purpose is not Purpose.LEGAL_OBLIGATION
    ):
        yield f"health content released other than by an adviser on the case answering the subject: {where}"
    if action not in _DATA_ACTIONS:
        return
    if Role.KEY_ADMIN in roles:
        yield f"key admin holds a data action (separation of duties): {where}"
    if action is Action.READ and roles & _NO_FIELD_ROLES:
        yield f"key admin, security or privacy officer reads field values: {where}"
    if action is Action.READ and relation is Relation.NONE:
        yield f"field values readable without need-to-know on the case: {where}"
    if action is Action.READ and roles == {Role.IMPORTER}:
        yield f"importer reads field values: {where}"
    if len(roles) == 1:
        if category is Category.HEALTH and not roles & {Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF, Role.IMPORTER}:
            yield f"health fields outside the medical unit: {where}"
        if category is Category.CRIMINAL and not roles & {Role.CRIMINAL_DATA_OFFICER, Role.IMPORTER}:
            yield f"criminal fields beyond the criminal-data officer: {where}"
