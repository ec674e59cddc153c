"""The one function that wraps Casbin and returns a decision with its matched rule.

The Casbin policy is small and static (role x resource x action x purpose x relation). Need-to-know per case is not
a Casbin row: the guard computes each held role's relation to the case from the indexed assignments table and puts
it in the DecisionRequest. Because the request space is finite and small, decisions are memoized per loaded policy,
which keeps pycasbin's per-call matcher evaluation (and its thread-safety issue, CPython gh-106905) off the hot path:
misses are evaluated under a lock.

pycasbin names the matched rule only for denials under deny-override, so a second enforcer over an allow-only model
(its own file, casbin_explain_model.conf) names the allow rule that matched. It never decides anything.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import casbin

from vault.access._policy_files import Rule
from vault.access._request import DEFAULT_DENY, Decision, DecisionRequest
from vault.errors import PolicyUnavailable
from vault.vocabulary import Category, Relation, Resource, Role

_Verdict = tuple[str, str]  # ("allow" | "deny" | "none", rule)


class Policy:
    """A loaded policy. Refuses to exist without at least one allow rule (an empty pycasbin policy can match empty
    strings) and never uses enable_enforce(False) or FastEnforcer (which ignores role links)."""

    def __init__(self, model_text: str, explain_model_text: str, rules: Iterable[Rule]) -> None:
        # pycasbin logs every request at WARNING on a denial; our audit log is the record of decisions. Set here,
        # not at import time, so importing Kluis changes nothing.
        logging.getLogger("casbin").setLevel(logging.CRITICAL)
        rules = list(rules)
        p_rules = [r[1:] for r in rules if r[0] == "p"]
        g_rules = [r[1:] for r in rules if r[0] == "g"]
        if not any(r[-1] == "allow" for r in p_rules):
            raise PolicyUnavailable("policy has no allow rule: refusing to run")
        self.rules = rules
        self._model_text, self._explain_text = model_text, explain_model_text
        self._p_rules, self._g_rules = p_rules, g_rules
        # pycasbin evaluates the matcher against every p line per call. The matcher only admits lines whose subject
        # is the requested role or "*", so an enforcer per role over just those lines decides exactly the same,
        # several times faster (this is what makes the exhaustive `kluis policy check` quick).
        self._enforcers: dict[str, tuple[casbin.Enforcer, casbin.Enforcer]] = {}
        _enforcer(model_text, p_rules, g_rules)  # a model or rule casbin rejects fails here, at load
        self._lock = threading.Lock()
        self._memo: dict[DecisionRequest, Decision] = {}
        self._role_memo: dict[tuple[str, ...], _Verdict] = {}

    def decide(self, request: DecisionRequest) -> Decision:
        """Allow when some held role is allowed and no held role is denied by an explicit rule."""
        decision = self._memo.get(request)
        if decision is None:
            with self._lock:
                decision = self._evaluate(request)
                self._memo[request] = decision
        return decision

    def _evaluate(self, request: DecisionRequest) -> Decision:
        allowed_by: str | None = None
        for role, relation in request.roles:
            verdict, rule = self._evaluate_role(role, relation, request)
            if verdict == "deny":  # an explicit deny rule matched: it overrides every other role
                return Decision(False, rule)
            if verdict == "allow" and allowed_by is None:
                allowed_by = rule
        if allowed_by is not None:
            return Decision(True, allowed_by)
        return Decision(False, DEFAULT_DENY)

    def _evaluate_role(self, role: Role, relation: Relation, request: DecisionRequest) -> _Verdict:
        """One role's verdict; called with the lock held, memoized."""
        resource: Category | Resource = request.resource
        casbin_request = (role.value, resource.value, request.action.value, request.purpose.value, relation.value)
        cached = self._role_memo.get(casbin_request)
        if cached is None:
            decider, explainer = self._role_enforcers(role.value)
            ok, explain = decider.enforce_ex(*casbin_request)
            if ok:
                _, explain = explainer.enforce_ex(*casbin_request)
                cached = ("allow", _render(explain))
            else:
                cached = ("deny", _render(explain)) if explain else ("none", DEFAULT_DENY)
            self._role_memo[casbin_request] = cached
        return cached

    def _role_enforcers(self, role: str) -> tuple[casbin.Enforcer, casbin.Enforcer]:
        pair = self._enforcers.get(role)
        if pair is None:
            lines = [r for r in self._p_rules if r[0] in (role, "*")]
            pair = (
                _enforcer(self._model_text, lines, self._g_rules),
                _enforcer(self._explain_text, [r for r in lines if r[-1] == "allow"], self._g_rules),
            )
            self._enforcers[role] = pair
        return pair


def _enforcer(model_text: str, p_rules: list[Rule], g_rules: list[Rule]) -> casbin.Enforcer:
    model = casbin.Enforcer.new_model(text=model_text)
    enforcer = casbin.Enforcer(model)
    if p_rules:
        enforcer.add_policies([list(r) for r in p_rules])
    if g_rules:
        enforcer.add_grouping_policies([list(r) for r in g_rules])
    return enforcer


def _render(rule: list[str]) -> str:
    return "p, " + ", ".join(rule)
