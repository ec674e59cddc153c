"""Policy rules as data: the CSV lines under policies/, parsed strictly (a malformed line refuses the policy)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from vault.errors import PolicyUnavailable

Rule = tuple[str, ...]  # ("p", role, resource, action, purpose, relation, effect) or ("g", member, group)


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
    rules: list[Rule] = []
    try:
        for file in sorted(policy_dir.glob("*.csv")):
            rules.extend(parse_policy_lines(file.read_text().splitlines()))
    except OSError as exc:
        raise PolicyUnavailable(f"cannot read policy: {exc.strerror}") from None
    return rules
