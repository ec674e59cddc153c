"""Loading the access policy into the database: checked against its invariants, decided and audited like any other
change. A load is decided by the policy in force — unless none is in force yet (the first `kluis init`) or the one in
force predates policy loads being a resource (an upgrade from a policy without any `policy` rule): then by the
policy being loaded, which has just passed every invariant."""

from __future__ import annotations

import structlog

from vault.access._guard import AccessGuard, Work
from vault.access._policy_check import violations_of
from vault.access._policy_files import Rule
from vault.access._policy_store import PolicyStore
from vault.access._repository import replace_policy_rules
from vault.access._target import Target
from vault.actor import Actor
from vault.audit import About, EventType
from vault.errors import PolicyUnavailable
from vault.vocabulary import Action, Purpose, Resource

log = structlog.get_logger(__name__)


class PolicyService:
    def __init__(self, *, guard: AccessGuard, store: PolicyStore, model_text: str, explain_model_text: str) -> None:
        self._guard = guard
        self._store = store
        self._model_text = model_text
        self._explain_text = explain_model_text

    def check(self, rules: list[Rule]) -> tuple[str, ...]:
        """The invariant violations of these rules (empty: the policy is sound)."""
        return violations_of(self._model_text, self._explain_text, tuple(rules))

    def load(self, actor: Actor, rules: list[Rule]) -> bool:
        """Replace the stored policy with these rules; False when they are already in force."""
        stored = self._store.stored_rules()
        if stored == rules:  # checked when it was loaded
            return False
        problems = self.check(rules)
        if problems:
            raise PolicyUnavailable(f"policy breaks {len(problems)} invariant(s), first: {problems[0]}")
        candidate = self._store.compile(rules)

        def operation(work: Work) -> None:
            work.authorize(
                EventType.POLICY_LOAD, Action.MANAGE, Purpose.ADMINISTRATION, Target(Resource.POLICY, About())
            )
            replace_policy_rules(work.session, rules)

        self._guard.run(actor, operation, decide_with=None if _governs_loading(stored) else candidate)
        log.info("policy_loaded", rules=len(rules))
        return True


def _governs_loading(rules: list[Rule]) -> bool:
    """Whether these rules say anything about loading a policy (a policy from before they did cannot decide it)."""
    return any(rule[0] == "p" and rule[2] == Resource.POLICY.value for rule in rules)
