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
