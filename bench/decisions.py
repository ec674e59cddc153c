"""Decision latency with 1,000 and 1,000,000 case assignments, beside raw pycasbin `enforce` on the same model."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import casbin
import sqlalchemy as sa

from bench.common import Section, fresh_kluis, p, per_call_ns
from vault import Action, Category, Purpose, Relation, Role, repository
from vault.models import CaseAssignment

CALLS = 20_000


def _seed_assignments(kluis, count: int) -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    rows = (
        {
            "organisation": "default",
            "case_ref": f"CASE-{i}",
            "user_id": f"user-{i % 5000}",
            "role": "medical_adviser",
            "relation": "assigned",
            "starts_at": start,
            "ends_at": None,
            "created_by": "bench",
        }
        for i in range(count)
    )
    with kluis.sessions() as session, session.begin():
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == 20_000:
                session.execute(sa.insert(CaseAssignment), batch)
                batch = []
        if batch:
            session.execute(sa.insert(CaseAssignment), batch)


def _raw_enforcer(kluis) -> casbin.Enforcer:
    enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=kluis.settings.effective_model_file.read_text()))
    enforcer.add_policies([list(r[1:]) for r in kluis.policy.rules if r[0] == "p"])
    enforcer.add_grouping_policies([list(r[1:]) for r in kluis.policy.rules if r[0] == "g"])
    return enforcer


def _measure(kluis, size: int, rng: random.Random) -> tuple[float, float, float, float, float]:
    """p50/p99 of a Kluis decision, p50 of raw pycasbin, p50/p99 of the relation lookup (µs)."""
    enforcer = _raw_enforcer(kluis)
    now = datetime.now(UTC)
    pairs = iter([(f"user-{(i := rng.randrange(size)) % 5000}", f"CASE-{i}") for _ in range(5000)])
    relations = {Role.MEDICAL_ADVISER: Relation.ASSIGNED}
    kinds = [
        (c, a, pu)
        for c in Category
        for a in (Action.READ, Action.CREATE)
        for pu in (Purpose.ACCEPTANCE, Purpose.CLAIM_ASSESSMENT)
    ]
    counter = iter(range(10**9))

    def decide() -> None:
        c, a, pu = kinds[next(counter) % len(kinds)]
        kluis.policy.decide(relations, c, a, pu)

    def raw() -> None:
        c, a, pu = kinds[next(counter) % len(kinds)]
        enforcer.enforce("medical_adviser", c.value, a.value, pu.value, "assigned")

    with kluis.sessions() as session:

        def lookup() -> None:
            user, case = next(pairs)
            repository.relations_to_case(
                session, organisation="default", case_ref=case, user_id=user, roles=[Role.MEDICAL_ADVISER], now=now
            )

        decide_ns = per_call_ns(decide, CALLS)
        raw_ns = per_call_ns(raw, CALLS // 10)
        lookup_ns = per_call_ns(lookup, 5000)
    return p(decide_ns, 0.5), p(decide_ns, 0.99), p(raw_ns, 0.5), p(lookup_ns, 0.5), p(lookup_ns, 0.99)


def run(database_url: str | None, sizes: tuple[int, ...]) -> Section:
    section = Section("Decision latency (per access check)")
    rng = random.Random(7)
    results = {}
    for size in sizes:
        with fresh_kluis(database_url) as kluis:
            _seed_assignments(kluis, size)
            results[size] = _measure(kluis, size, rng)
    for size, (d50, d99, r50, _, _) in results.items():
        section.rows.append(
            (
                f"Kluis decision, {size:,} assignments (p50 / p99)",
                f"{d50:.2f} / {d99:.2f} µs",
                f"raw pycasbin enforce p50 {r50:.1f} µs",
                f"{d50 / r50:.3f}×",
            )
        )
    for size, (d50, _, _, l50, l99) in results.items():
        section.rows.append(
            (
                f"relation lookup (indexed SQL), {size:,} assignments (p50 / p99)",
                f"{l50:.1f} / {l99:.1f} µs",
                f"Kluis decision p50 {d50:.2f} µs",
                f"{l50 / d50:.0f}×",
            )
        )
    small, large = results[sizes[0]], results[sizes[-1]]
    section.notes.append(
        f"Flatness {sizes[0]:,} → {sizes[-1]:,} assignments: decision p50 ×{large[0] / small[0]:.2f}, relation "
        f"lookup p50 ×{large[3] / small[3]:.2f} (target ≤ 1.5×). The decision is the Casbin verdict for (roles with "
        "their relation to the case, category, action, purpose), memoized per loaded policy; the relation comes "
        "from one indexed query on case_assignments, which is what grows with the number of assignments."
    )
    return section
