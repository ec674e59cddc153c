"""The retention schedule (DOMAIN R36): which class a record of a category and kind belongs to, how long each class
is kept and from when, and the day a period ends. Periods count in calendar dates where the insurer is
(Europe/Amsterdam): a case closed at 00:30 on 16 March local time with 7 years to keep expires on 16 March seven
years on, and is shredded by the first run on or after that day, never the day before. A period ending on a day the
month does not have (29 February) ends on that month's last day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from vault._kit.dates import add_months, local_date
from vault.config import RetentionRule
from vault.vocabulary import Category, RetentionClass


class RetentionSchedule:
    """The configured rules, looked up by category and kind (a record's class at creation) or by class."""

    def __init__(self, rules: Sequence[RetentionRule]) -> None:
        self._rules = {(r.category.value, r.retention_class.value): r for r in rules}
        self._class_of_kind = {(r.category.value, kind): r.retention_class for r in rules for kind in r.kinds}
        for category in Category:
            if (category.value, RetentionClass.CASE_FILE.value) not in self._rules:
                raise ValueError(f"the retention schedule keeps a case_file rule for {category.value}")

    @property
    def rules(self) -> list[RetentionRule]:
        return sorted(self._rules.values(), key=lambda r: (r.category.value, r.retention_class.value))

    def class_of(self, category: str, kind: str) -> RetentionClass:
        """The class a new record of this category and kind is created in (and keeps)."""
        return self._class_of_kind.get((category, kind), RetentionClass.CASE_FILE)

    def rule(self, category: str, retention_class: str) -> RetentionRule | None:
        """The rule of a class; None for a class the configuration no longer names (its records are kept)."""
        return self._rules.get((category, retention_class))

    def describe(self, category: str, retention_class: str) -> str:
        rule = self.rule(category, retention_class)
        if rule is None:
            return f"{retention_class}: kept until a retention rule names this class again"
        counted = "the case closes" if rule.counted_from.value == "case_closure" else "its last change"
        return f"{retention_class}: {period(rule)} after {counted}"


def expires_on(rule: RetentionRule, start: datetime) -> date:
    """The first local day on which records of this rule, counted from ``start``, may be shredded."""
    return add_months(local_date(start), rule.total_months)


def period(rule: RetentionRule) -> str:
    parts = [f"{rule.years} year{'s' if rule.years != 1 else ''}"] if rule.years else []
    parts += [f"{rule.months} month{'s' if rule.months != 1 else ''}"] if rule.months else []
    return " and ".join(parts)
