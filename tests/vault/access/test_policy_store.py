"""The policy store keeps every process's policy in step with the database: CLI and jobs as well as HTTP workers."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import Harness
from vault import AccessDenied, Action, Category, Purpose, Relation, Role
from vault.access import DecisionRequest, PolicyStore, read_policy_dir


def test_a_policy_change_reaches_another_process_after_its_refresh_interval(kluis: Harness) -> None:
    settings = kluis.settings
    ticks = [0.0]
    store = PolicyStore(
        kluis.read_sessions,
        settings.effective_model_file.read_text(),
        settings.effective_explain_model_file.read_text(),
        refresh_seconds=2.0,
        monotonic=lambda: ticks[0],
    )
    claims_reads = DecisionRequest.of(
        {Role.CLAIMS_HANDLER: Relation.ASSIGNED}, Category.HEALTH, Action.VIEW_METADATA, Purpose.CLAIM_ASSESSMENT
    )
    assert store.current().decide(claims_reads).allowed
    rules = [
        r for r in read_policy_dir(settings.effective_policy_dir) if not (r[0] == "p" and r[1] == "claims_handler")
    ]
    assert kluis.vault.policy.load(OPERATOR, rules)  # another process loads a stricter policy
    ticks[0] = 1.9
    assert store.current().decide(claims_reads).allowed  # not yet due
    ticks[0] = 2.0
    assert not store.current().decide(claims_reads).allowed


def test_loading_a_policy_is_decided_and_audited_and_refused_to_others(kluis: Harness) -> None:
    rules = read_policy_dir(kluis.settings.effective_policy_dir)[:-1]
    with pytest.raises(AccessDenied):
        kluis.vault.policy.load(actor("sec", "security_officer"), rules)
    assert kluis.vault.policy.load(OPERATOR, rules)
    assert not kluis.vault.policy.load(OPERATOR, rules)  # unchanged: nothing to do
    with kluis.sessions() as session:
        bodies = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        loads = [(e["actor"]["user"], e["outcome"]) for e in map(json.loads, map(bytes, bodies))]
    loads = [entry for entry in loads if entry[0] in ("sec", OPERATOR.user)]
    assert loads[-2:] == [("sec", "denied"), (OPERATOR.user, "allowed")]


def test_an_upgrade_from_a_policy_without_policy_rules_loads_the_new_one(kluis: Harness) -> None:
    """A database whose policy predates `policy` as a resource (v1): the new policy decides its own loading."""
    shipped = read_policy_dir(kluis.settings.effective_policy_dir)
    v1 = [r for r in shipped if not (r[0] == "p" and r[2] in ("policy", "keys") and r[3] != "manage")]
    v1 = [r for r in v1 if not (r[0] == "p" and r[2] == "policy")]
    with kluis.engine.begin() as connection:  # the v1 rows, as an old `kluis init` left them
        connection.execute(sa.text("DELETE FROM policy_rules"))
        for rule in v1:
            values = {f"v{i}": (rule[i + 1] if i + 1 < len(rule) else "") for i in range(6)}
            connection.execute(
                sa.text(
                    "INSERT INTO policy_rules (ptype, v0, v1, v2, v3, v4, v5) VALUES (:p, :v0, :v1, :v2, :v3, :v4, :v5)"
                ),
                {"p": rule[0], **values},
            )
    assert kluis.vault.policy.load(OPERATOR, shipped)
    assert kluis.vault.keys.status(OPERATOR)  # `keys, read` arrived with the new policy
