"""Authorisation: the one function that wraps Casbin and returns a decision with its matched rule.

The Casbin policy is small and static (roles x category x action x purpose x relation). Need-to-know per case is
not a Casbin row: the caller computes the requester's relation to the case from the indexed assignments table and
passes it in. Because the input space is finite and small, decisions are memoized per policy version, which keeps
pycasbin's per-call matcher evaluation (and its thread-safety issue, CPython gh-106905) off the hot path: misses
are evaluated under a lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import casbin

from vault.errors import PolicyUnavailable
from vault.vocabulary import Action, Category, Purpose, Relation, Resource, Role

DEFAULT_DENY = "default-deny"

# pycasbin logs every request at WARNING on a denial; our audit log is the record of decisions.
logging.getLogger("casbin").setLevel(logging.CRITICAL)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str  # the matched policy line, or DEFAULT_DENY


Rule = tuple[str, ...]  # ("p", role, category, action, purpose, relation, effect) or ("g", member, group)


def parse_policy_lines(lines: Iterable[str]) -> list[Rule]:
    rules: list[Rule] = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = tuple(part.strip() for part in line.split(","))
        if (parts[0] == "p" and len(parts) == 7 and parts[6] in ("allow", "deny")) or (
            parts[0] == "g" and len(parts) == 3
        ):
            rules.append(parts)
        else:
            raise PolicyUnavailable(f"malformed policy line: {line!r}")
    return rules


def read_policy_dir(policy_dir: Path) -> list[Rule]:
    files = sorted(policy_dir.glob("*.csv"))
    rules: list[Rule] = []
    for file in files:
        rules.extend(parse_policy_lines(file.read_text().splitlines()))
    return rules


class Policy:
    """A loaded policy. Refuses to exist without at least one allow rule (an empty pycasbin policy can match
    empty strings)."""

    def __init__(self, model_text: str, rules: Iterable[Rule]) -> None:
        rules = list(rules)
        p_rules = [r[1:] for r in rules if r[0] == "p"]
        g_rules = [r[1:] for r in rules if r[0] == "g"]
        if not any(r[-1] == "allow" for r in p_rules):
            raise PolicyUnavailable("policy has no allow rule: refusing to run")
        self.rules = rules
        self._decider = self._enforcer(model_text, p_rules, g_rules)
        # pycasbin names the matched rule only for denials under deny-override; this twin (allow-effect, allow
        # rules only) names the first allow rule that matched. It never decides anything.
        allow_model = model_text.replace(
            "some(where (p.eft == allow)) && !some(where (p.eft == deny))", "some(where (p.eft == allow))"
        )
        self._explainer = self._enforcer(allow_model, [r for r in p_rules if r[-1] == "allow"], g_rules)
        self._lock = threading.Lock()
        self._memo: dict[tuple[object, ...], Decision] = {}
        self._role_memo: dict[tuple[str, ...], tuple[str, str]] = {}

    @staticmethod
    def _enforcer(model_text: str, p_rules: list[Rule], g_rules: list[Rule]) -> casbin.Enforcer:
        model = casbin.Enforcer.new_model(text=model_text)
        enforcer = casbin.Enforcer(model)
        if p_rules:
            enforcer.add_policies([list(r) for r in p_rules])
        if g_rules:
            enforcer.add_grouping_policies([list(r) for r in g_rules])
        return enforcer

    @classmethod
    def from_files(cls, model_file: Path, policy_dir: Path) -> Policy:
        try:
            return cls(model_file.read_text(), read_policy_dir(policy_dir))
        except OSError as exc:
            raise PolicyUnavailable(f"cannot read policy: {exc}") from None

    def decide(
        self,
        relations: Mapping[Role, Relation],
        category: Category | Resource,
        action: Action,
        purpose: Purpose,
    ) -> Decision:
        """Allow when some held role is allowed and no held role is denied by an explicit rule.

        ``relations`` maps each role the requester holds to its relation with the case in question.
        """
        key = (frozenset(relations.items()), category, action, purpose)
        decision = self._memo.get(key)
        if decision is None:
            with self._lock:
                decision = self._evaluate(relations, category, action, purpose)
                self._memo[key] = decision
        return decision

    def _evaluate(
        self, relations: Mapping[Role, Relation], category: Category | Resource, action: Action, purpose: Purpose
    ) -> Decision:
        allowed_by: str | None = None
        for role, relation in sorted(relations.items()):
            verdict, rule = self._evaluate_role(role, relation, category, action, purpose)
            if verdict == "deny":  # an explicit deny rule matched: it overrides every other role
                return Decision(False, rule)
            if verdict == "allow" and allowed_by is None:
                allowed_by = rule
        if allowed_by is not None:
            return Decision(True, allowed_by)
        return Decision(False, DEFAULT_DENY)

    def _evaluate_role(
        self, role: Role, relation: Relation, category: Category | Resource, action: Action, purpose: Purpose
    ) -> tuple[str, str]:
        """("allow" | "deny" | "none", rule) for one role; called with the lock held, memoized."""
        request = (role.value, category.value, action.value, purpose.value, relation.value)
        cached = self._role_memo.get(request)
        if cached is None:
            ok, explain = self._decider.enforce_ex(*request)
            if ok:
                _, explain = self._explainer.enforce_ex(*request)
                cached = ("allow", _render(explain))
            else:
                cached = ("deny", _render(explain)) if explain else ("none", DEFAULT_DENY)
            self._role_memo[request] = cached
        return cached


def _render(rule: list[str]) -> str:
    return "p, " + ", ".join(rule)
