"""Decision latency with 1,000 and 1,000,000 case assignments, beside raw pycasbin `enforce` on the same model; and
the relation lookup (the indexed SQL that grows with the assignments) beside the decision."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import casbin
import sqlalchemy as sa

from bench.common import Kluis, Section, fresh_kluis, p, per_call_ns
from vault import Action, Actor, AuthStrength, Category, Purpose, Relation, Role
from vault.access import DecisionRequest
from vault.access._relations import relations_to_cases
from vault.access._request import held_roles, request_for_held
from vault.models import CaseAssignment

CALLS = 20_000


class Figures(NamedTuple):
    """Microseconds."""

    decide_p50: float
    decide_p99: float
    prebuilt_p50: float  # the memo lookup alone, on a DecisionRequest built beforehand
    raw_p50: float
    lookup_p50: float
    lookup_p99: float


def _seed_assignments(kluis: Kluis, count: int) -> None:
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


def _raw_enforcer(kluis: Kluis) -> casbin.Enforcer:
    rules = kluis.policy().rules
    enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=kluis.settings.effective_model_file.read_text()))
    enforcer.add_policies([list(r[1:]) for r in rules if r[0] == "p"])
    enforcer.add_grouping_policies([list(r[1:]) for r in rules if r[0] == "g"])
    return enforcer


def _measure(kluis: Kluis, size: int, rng: random.Random) -> Figures:
    policy = kluis.policy()
    enforcer = _raw_enforcer(kluis)
    now = datetime.now(UTC)
    pairs = iter(
        [
            (
                Actor(
                    user=f"user-{(i := rng.randrange(size)) % 5000}", roles=("medical_adviser",), organisation="default"
                ),
                f"CASE-{i}",
            )
            for _ in range(5000)
        ]
    )
    relations = {Role.MEDICAL_ADVISER: Relation.ASSIGNED}
    kinds = [
        (c, a, pu)
        for c in Category
        for a in (Action.READ, Action.CREATE)
        for pu in (Purpose.ACCEPTANCE, Purpose.CLAIM_ASSESSMENT)
    ]
    prebuilt = [DecisionRequest.of(relations, c, a, pu) for c, a, pu in kinds]
    counter = iter(range(10**9))
    held = held_roles(relations)  # the guard keeps these per case and unit of work
    strength = AuthStrength.UNKNOWN

    def decide() -> None:
        # As the guard does per check (Work.check): build the request from the held roles, then decide.
        c, a, pu = kinds[next(counter) % len(kinds)]
        policy.decide(request_for_held(held, c, a, pu, strength))

    def decide_prebuilt() -> None:
        policy.decide(prebuilt[next(counter) % len(prebuilt)])

    def raw() -> None:
        c, a, pu = kinds[next(counter) % len(kinds)]
        enforcer.enforce("medical_adviser", c.value, a.value, pu.value, "assigned")

    with kluis.sessions() as session:

        def lookup() -> None:
            actor, case = next(pairs)
            relations_to_cases(session, actor, [case], now)

        decide_ns = per_call_ns(decide, CALLS)
        prebuilt_ns = per_call_ns(decide_prebuilt, CALLS)
        raw_ns = per_call_ns(raw, CALLS // 10)
        lookup_ns = per_call_ns(lookup, 5000)
    return Figures(
        p(decide_ns, 0.5),
        p(decide_ns, 0.99),
        p(prebuilt_ns, 0.5),
        p(raw_ns, 0.5),
        p(lookup_ns, 0.5),
        p(lookup_ns, 0.99),
    )


def run(database_url: str | None, sizes: tuple[int, ...]) -> Section:
    section = Section("Decision latency (per access check)")
    rng = random.Random(7)
    results: dict[int, Figures] = {}
    for size in sizes:
        with fresh_kluis(database_url) as kluis:
            _seed_assignments(kluis, size)
            results[size] = _measure(kluis, size, rng)
    for size, f in results.items():
        section.rows.append(
            (
                f"Kluis decision, {size:,} assignments (p50 / p99)",
                f"{f.decide_p50:.2f} / {f.decide_p99:.2f} µs",
                f"raw pycasbin enforce p50 {f.raw_p50:.1f} µs",
                f"{f.decide_p50 / f.raw_p50:.3f}×",
            )
        )
    for size, f in results.items():
        section.rows.append(
            (
                f"relation lookup (indexed SQL), {size:,} assignments (p50 / p99)",
                f"{f.lookup_p50:.1f} / {f.lookup_p99:.1f} µs",
                f"Kluis decision p50 {f.decide_p50:.2f} µs",
                f"{f.lookup_p50 / f.decide_p50:.0f}×",
            )
        )
    small, large = results[sizes[0]], results[sizes[-1]]
    section.notes.append(
        f"Flatness {sizes[0]:,} → {sizes[-1]:,} assignments: decision p50 ×{large.decide_p50 / small.decide_p50:.2f}, "
        f"relation lookup p50 ×{large.lookup_p50 / small.lookup_p50:.2f} (target ≤ 1.5×). The decision is the Casbin "
        "verdict for a DecisionRequest (each held role with its relation to the case, category, action, purpose and "
        "the request's conditions), memoized per loaded policy; the relation comes from one indexed query on "
        "case_assignments, which is what grows with the number of assignments. The lookup timed here is that query "
        "and its rows; the guard also checks each row's MAC (vault/access/_row_macs.py), which it leaves out (the "
        "seeded rows carry none)."
    )
    section.notes.append(
        "A decision is timed as the guard makes one (Work.check): build the DecisionRequest (a NamedTuple) from the "
        "roles held on the case, kept in canonical order per case and unit of work, then look it up in the memo. "
        f"The lookup alone, on a request built beforehand, takes {small.prebuilt_p50:.2f} µs ({sizes[0]:,} "
        f"assignments) and {large.prebuilt_p50:.2f} µs ({sizes[-1]:,}) at p50."
    )
    return section
