"""Several processes appending to one audit log at once still make one linear chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing

import sqlalchemy as sa

from tests.conftest import actor
from tests.harness import Harness, open_harness, verify_stored
from vault import Settings
from vault.audit import EventType, Reason

PROCESSES, EVENTS_EACH = 4, 500


def _append_many(settings: Settings, worker: int) -> None:
    kluis = open_harness(settings)
    who = actor(f"worker-{worker}", "security_officer")
    try:
        guard = kluis.vault._deps.guard
        for _ in range(EVENTS_EACH):  # each its own transaction through the guard, as every request appends
            guard.conclude(who, EventType.AUDIT_VERIFY, ok=True, reason=Reason.COMPLETED)
    finally:
        kluis.close()


def test_four_processes_appending_make_one_chain_that_verifies(kluis: Harness) -> None:
    with kluis.sessions() as session:
        start = session.scalar(sa.text("SELECT seq FROM audit_head"))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(kluis.settings, w)) for w in range(PROCESSES)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
        assert process.exitcode == 0
    with kluis.read_sessions() as session:
        seqs = list(session.execute(sa.text("SELECT seq FROM audit_events ORDER BY seq")).scalars())
        writers = set(session.execute(sa.text("SELECT actor FROM audit_events WHERE seq > :s"), {"s": start}).scalars())
        result = verify_stored(session, kluis.public_key, kluis.audit.checkpoint_interval)
    assert seqs == list(range(1, start + PROCESSES * EVENTS_EACH + 1))  # no gap, no fork, nothing lost
    assert writers == {f"worker-{w}" for w in range(PROCESSES)}
    assert result.ok, result.detail
    assert result.events == start + PROCESSES * EVENTS_EACH


def _import_same_subjects(settings: Settings, worker: int) -> None:
    from vault import Category, NewRecord, Purpose

    kluis = open_harness(settings)
    who = actor(f"importer-{worker}", "importer")
    try:
        for n in range(20):
            record = NewRecord(
                subject_ref=f"NEW-{n}",
                case_ref=f"CASE-{n}",
                category=Category.HEALTH,
                kind="legacy_file",
                fields={"v": f"{worker}-{n}"},
                source="legacy",
                purpose=Purpose.ACCEPTANCE,
            )
            kluis.vault.records.create_many(who, [record])
    finally:
        kluis.close()


def test_processes_creating_the_same_new_subjects_share_one_subject_and_key(kluis: Harness) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_import_same_subjects, args=(kluis.settings, w)) for w in range(3)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=300)
        assert process.exitcode == 0
    with kluis.sessions() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM records")) == 60
        assert session.scalar(sa.text("SELECT count(*) FROM subjects")) == 20
        assert session.scalar(sa.text("SELECT count(*) FROM data_keys")) == 20
        assert session.scalar(sa.text("SELECT sum(seals) FROM data_keys")) == 60
