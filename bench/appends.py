"""Audit appends from 16 concurrent writers at full durability, through the group commit every read-only request
uses, beside one writer committing one event per transaction (what each request did before group commit), in the
same run. Afterwards the whole log is verified: one chain, nothing lost."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from bench.common import Kluis, Section, fresh_kluis
from vault import Actor
from vault.audit import About, AuditEvent, EventType, events

WRITERS = 16
READER = Actor(user="dr.bench", roles=("medical_adviser",), organisation="default", client="10.0.0.1")
OFFICER = Actor(user="sec.bench", roles=("security_officer",), organisation="default")


def _event(i: int) -> AuditEvent:
    about = About(record_id=f"rec-{i}", case_ref=f"CASE-{i % 1000}", subject=f"subject-{i % 5000}", category="health")
    return events.decided(
        EventType.RECORD_READ,
        READER,
        "allowed",
        datetime.now(UTC),
        about,
        purpose="claim_assessment",
        rule="p, medical_adviser, health, read, health_purposes, case_member, allow",
    )


def _one_per_transaction(kluis: Kluis, n: int) -> float:
    """The baseline: one writer, each event in its own transaction and commit."""
    start = time.perf_counter()
    for i in range(n):
        with kluis.sessions() as session, session.begin():
            kluis.audit_log.append(session, [_event(i)])
    return n / (time.perf_counter() - start)


def _concurrent(kluis: Kluis, each: int) -> tuple[float, int]:
    """WRITERS threads, each submitting its events one at a time and waiting until each is durable."""
    group = kluis.guard._group
    writes_before = group.writes
    ready = threading.Barrier(WRITERS + 1)

    def writer(w: int) -> None:
        ready.wait()
        for i in range(each):
            group.submit([_event(w * each + i)])

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        futures = [pool.submit(writer, w) for w in range(WRITERS)]
        ready.wait()
        start = time.perf_counter()
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - start
    return WRITERS * each / elapsed, group.writes - writes_before


def run(database_url: str | None, each: int = 1000, baseline: int = 2000, label: str = "SQLite") -> Section:
    section = Section(f"Audit appends: {WRITERS} concurrent writers, full durability ({label})")
    with fresh_kluis(database_url) as kluis:
        plain_rate = _one_per_transaction(kluis, baseline)
        rate, writes = _concurrent(kluis, each)
        verification = kluis.vault.audit.verify(OFFICER)
    total = WRITERS * each
    assert verification.ok, verification.detail
    section.rows.append(
        (
            f"{WRITERS} writers × {each:,} events, each waiting until its event is committed (group commit)",
            f"{rate:,.0f} events/s ({total / writes:.1f} events per commit)",
            f"one writer, one event per transaction {plain_rate:,.0f} events/s",
            f"{rate / plain_rate:.1f}× ({'target ≥ 10,000 events/s met' if rate >= 10_000 else 'below 10,000/s'})",
        )
    )
    section.notes.append(
        f"After both, `vault.audit.verify` checked the whole log ({verification.events:,} events): one chain, every "
        "checkpoint signature, the search columns and the head. Durability: "
        + ("SQLite WAL with synchronous=FULL." if label == "SQLite" else "PostgreSQL, synchronous_commit on.")
    )
    return section
