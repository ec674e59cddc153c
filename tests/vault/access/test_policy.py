"""The access policy: one table for the whole matrix, plus the pycasbin pitfalls the brief lists."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import pytest

from vault import Action, Category, PolicyUnavailable, Purpose, Relation, Resource, Role, Settings
from vault.access import DEFAULT_DENY, Decision, DecisionRequest, Policy, Rule, read_policy_dir, violations

ROOT = Path(__file__).resolve().parents[3]
MODEL = (ROOT / "casbin_model.conf").read_text()
EXPLAIN = (ROOT / "casbin_explain_model.conf").read_text()
RULES = read_policy_dir(ROOT / "policies")
DATA = (Action.READ, Action.CREATE, Action.UPDATE, Action.VIEW_METADATA)
MEMBER = (Relation.ASSIGNED, Relation.DELEGATED)
PURPOSE = {Category.HEALTH: Purpose.CLAIM_ASSESSMENT, Category.CRIMINAL: Purpose.ACCEPTANCE}

# Every (role, category, action, relation) cell that is allowed; all others must be denied.
ALLOWED = {
    *((Role.MEDICAL_ADVISER, Category.HEALTH, a, r) for a in DATA for r in MEMBER),
    *((Role.MEDICAL_STAFF, Category.HEALTH, a, Relation.ASSIGNED) for a in DATA),
    # break-glass (R37): reading health data only, for advisers and staff
    *(
        (role, Category.HEALTH, a, Relation.BREAK_GLASS)
        for role in (Role.MEDICAL_ADVISER, Role.MEDICAL_STAFF)
        for a in (Action.READ, Action.VIEW_METADATA)
    ),
    *((Role.CRIMINAL_DATA_OFFICER, Category.CRIMINAL, a, Relation.ASSIGNED) for a in DATA),
    *((Role.CLAIMS_HANDLER, c, Action.VIEW_METADATA, r) for c in Category for r in Relation),
    *((Role.IMPORTER, c, Action.CREATE, r) for c in Category for r in Relation),
}


def compile_policy(rules: list[Rule]) -> Policy:
    return Policy(MODEL, EXPLAIN, rules)


def decide(
    policy: Policy, relations: dict[Role, Relation], resource: Category | Resource, action: Action, purpose: Purpose
) -> Decision:
    return policy.decide(DecisionRequest.of(relations, resource, action, purpose))


@pytest.fixture(scope="module")
def policy() -> Policy:
    return compile_policy(RULES)


@pytest.mark.parametrize(
    ("role", "category", "action", "relation"),
    list(itertools.product(Role, Category, DATA, Relation)),
    ids=lambda v: str(v),
)
def test_policy_matrix(policy: Policy, role: Role, category: Category, action: Action, relation: Relation) -> None:
    decision = decide(policy, {role: relation}, category, action, PURPOSE[category])
    assert decision.allowed == ((role, category, action, relation) in ALLOWED)
    assert decision.rule  # every decision names its rule (or the default deny)
    if decision.allowed:
        assert decision.rule.startswith(f"p, {role}, {category}, {action}")


def test_allowed_decision_names_its_matched_rule(policy: Policy) -> None:
    decision = decide(
        policy, {Role.MEDICAL_ADVISER: Relation.DELEGATED}, Category.HEALTH, Action.READ, Purpose.LEGAL_CLAIMS
    )
    assert decision.allowed
    assert decision.rule == "p, medical_adviser, health, read, health_purposes, case_member, allow"


def test_unmatched_request_is_default_deny(policy: Policy) -> None:
    decision = decide(
        policy, {Role.CLAIMS_HANDLER: Relation.ASSIGNED}, Category.HEALTH, Action.READ, Purpose.CLAIM_ASSESSMENT
    )
    assert decision == decision.__class__(False, DEFAULT_DENY)


def test_criminal_data_only_for_its_lawful_purposes(policy: Policy) -> None:
    officer = {Role.CRIMINAL_DATA_OFFICER: Relation.ASSIGNED}
    allowed = {p for p in Purpose if decide(policy, officer, Category.CRIMINAL, Action.READ, p).allowed}
    assert allowed == {
        Purpose.ACCEPTANCE,
        Purpose.CONTRACT_PERFORMANCE,
        Purpose.SECURITY_INTEGRITY,
        Purpose.LEGAL_OBLIGATION,
    }


def test_key_admin_with_a_data_role_is_denied_by_override(policy: Policy) -> None:
    both = {Role.KEY_ADMIN: Relation.ASSIGNED, Role.MEDICAL_ADVISER: Relation.ASSIGNED}
    decision = decide(policy, both, Category.HEALTH, Action.READ, Purpose.CLAIM_ASSESSMENT)
    assert not decision.allowed and decision.rule == "p, key_admin, health, *, *, *, deny"


def test_user_holding_both_unit_and_criminal_roles_reads_both(policy: Policy) -> None:
    both = {Role.MEDICAL_ADVISER: Relation.ASSIGNED, Role.CRIMINAL_DATA_OFFICER: Relation.ASSIGNED}
    assert decide(policy, both, Category.HEALTH, Action.READ, Purpose.ACCEPTANCE).allowed
    assert decide(policy, both, Category.CRIMINAL, Action.READ, Purpose.ACCEPTANCE).allowed


def test_no_roles_means_deny(policy: Policy) -> None:
    assert not decide(policy, {}, Category.HEALTH, Action.READ, Purpose.CLAIM_ASSESSMENT).allowed


def test_operators_resources(policy: Policy) -> None:
    assert decide(
        policy, {Role.SECURITY_OFFICER: Relation.NONE}, Resource.AUDIT_LOG, Action.READ, Purpose.AUDIT_REVIEW
    ).allowed
    assert decide(policy, {Role.KEY_ADMIN: Relation.NONE}, Resource.KEYS, Action.MANAGE, Purpose.ADMINISTRATION).allowed
    assert not decide(
        policy, {Role.MEDICAL_ADVISER: Relation.ASSIGNED}, Resource.AUDIT_LOG, Action.READ, Purpose.AUDIT_REVIEW
    ).allowed


# -- pycasbin pitfalls -----------------------------------------------------------------------------------------
def test_empty_policy_refuses_to_load() -> None:
    # pycasbin with zero p rules evaluates the matcher against empty strings and can allow an empty subject.
    with pytest.raises(PolicyUnavailable):
        compile_policy([])
    with pytest.raises(PolicyUnavailable):
        compile_policy([r for r in RULES if r[-1] != "allow"])


def test_malformed_policy_line_refuses_to_load(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("p, medical_adviser, health, read\n")
    with pytest.raises(PolicyUnavailable):
        read_policy_dir(tmp_path)


def test_concurrent_first_decisions_from_threads_are_consistent() -> None:
    # Fresh policy: every call is a cache miss, so pycasbin runs; it must be serialised (CPython gh-106905).
    policy = compile_policy(RULES)
    cells = list(itertools.product(Role, Category, DATA, Relation))
    errors: list[BaseException] = []
    results: dict[int, list[bool]] = {}

    def worker(n: int) -> None:
        try:
            results[n] = [decide(policy, {r: rel}, c, a, PURPOSE[c]).allowed for r, c, a, rel in cells]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    expected = [(r, c, a, rel) in ALLOWED for r, c, a, rel in cells]
    assert all(result == expected for result in results.values())


# -- `kluis policy check` ---------------------------------------------------------------------------------------
def test_shipped_policy_passes_the_invariant_check() -> None:
    assert violations(compile_policy(RULES)) == []


@pytest.mark.parametrize(
    "bad_rule",
    [
        "p, claims_handler, health, read, health_purposes, *, allow",
        "p, medical_adviser, criminal, read, criminal_purposes, assigned, allow",
        "p, medical_adviser, health, read, health_purposes, *, allow",
        "p, privacy_officer, health, view_metadata, health_purposes, *, allow",
        "p, key_admin, keys, manage, administration, *, allow\np, key_admin, health, read, *, assigned, allow",
        "p, claims_handler, assignments, manage, administration, *, allow",
        "p, claims_handler, unit_assignments, manage, administration, *, allow",
        "p, claims_handler, audit_log, read, audit_review, *, allow",
        "p, claims_handler, keys, manage, administration, *, allow",
        "p, medical_staff, unit_assignments, manage, administration, assigned, allow",
        "p, medical_adviser, unit_assignments, manage, administration, *, allow",
        "p, security_officer, audit_log, update, audit_review, *, allow",
        "p, privacy_officer, policy, manage, administration, *, allow",
        "p, criminal_data_officer, criminal, read, criminal_purposes, break_glass, allow",
        "p, medical_adviser, health, update, health_purposes, break_glass, allow",
        "p, claims_handler, break_glass, create, health_purposes, *, allow",
        "p, medical_adviser, break_glass, update, audit_review, *, allow",
        "p, medical_staff, unit_register, manage, administration, *, allow",
        "p, claims_handler, unit_register, read, administration, *, allow",
        "p, claims_handler, assignments, view_metadata, administration, *, allow",
        "p, key_admin, processing_agreements, manage, administration, *, allow",
        "p, medical_adviser, processing_agreements, read, administration, *, allow",
        "p, privacy_officer, processing_agreements, update, administration, *, allow",
        "p, key_admin, subject_requests, manage, legal_obligation, *, allow",
        "p, medical_adviser, health, erase, health_purposes, assigned, allow",
        "p, privacy_officer, health, erase, claim_assessment, *, allow",
        "p, privacy_officer, legal_holds, update, legal_obligation, *, allow",
        "p, medical_adviser, restrictions, manage, legal_obligation, *, allow",
        "p, medical_staff, health, release, legal_obligation, assigned, allow",
        "p, medical_adviser, health, release, claim_assessment, case_member, allow",
    ],
    ids=[
        "claims-reads-health",
        "adviser-reads-criminal",
        "no-need-to-know",
        "privacy-officer-ok-metadata",
        "key-admin-reads",
        "claims-assigns",
        "claims-assigns-unit",
        "claims-reads-audit-log",
        "claims-rotates-keys",
        "staff-assigns",
        "adviser-assigns-off-case",
        "audit-log-changed",
        "privacy-officer-loads-policy",
        "break-glass-to-criminal-data",
        "break-glass-writes",
        "claims-breaks-glass",
        "adviser-reviews-break-glass",
        "staff-keeps-the-register",
        "claims-reads-the-register",
        "claims-lists-assignments",
        "key-admin-records-agreements",
        "adviser-reads-agreements",
        "agreements-changed-in-place",
        "key-admin-keeps-requests",
        "adviser-erases",
        "erasure-for-claims",
        "holds-changed-in-place",
        "adviser-lifts-restrictions",
        "staff-releases-copies",
        "release-for-claims",
    ],
)
def test_policy_check_catches_a_rule_that_breaks_an_invariant(tmp_path: Path, bad_rule: str) -> None:
    for source in (ROOT / "policies").glob("*.csv"):
        (tmp_path / source.name).write_text(source.read_text())
    (tmp_path / "zz-extra.csv").write_text(bad_rule + "\n")
    found = violations(compile_policy(read_policy_dir(tmp_path)))
    if "privacy_officer, health, view_metadata" in bad_rule:
        assert found == []  # metadata is not a field value: allowed by the invariants
    elif "key_admin, health, read" in bad_rule:
        assert found == []  # the deny override still wins: the effective policy is unchanged
    else:
        assert found


def test_every_request_the_check_enumerates_is_one_hashable_value() -> None:
    from vault.access import all_requests

    requests = list(all_requests())
    assert len(set(requests)) == len(requests)  # distinct, hashable: the memo key and the checked unit are one
    resources = {r.resource for r in requests}
    assert resources == {*Category, *Resource}


def test_the_explainer_model_differs_from_the_decider_only_in_its_effect() -> None:
    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if line and not line.startswith("#") and not line.startswith("e =")]

    assert body(MODEL) == body(EXPLAIN)
    assert "e = some(where (p.eft == allow))\n" in EXPLAIN and "!some(where (p.eft == deny))" in MODEL


def test_commercial_purpose_without_the_deny_rule_is_caught(tmp_path: Path) -> None:
    rules = [r for r in RULES if "marketing" not in r] + [
        ("p", "medical_adviser", "health", "read", "marketing", "assigned", "allow")
    ]
    found = violations(compile_policy(rules))
    assert any("commercial purpose" in v for v in found)


def test_settings_point_at_the_shipped_model_and_policies() -> None:
    settings = Settings()
    assert settings.effective_model_file.exists() and settings.effective_policy_dir.is_dir()
