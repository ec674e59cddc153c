"""`retention run` over N records whose period has run (issue 11), beside a plain query reading the same rows and a
plain, unaudited shred of the same keys (an UPDATE in one transaction, rolled back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.common import Kluis, Section, fresh_kluis, timed
from vault import Actor, Category, NewRecord, Purpose

PRIVACY = Actor(user="pia.bench", roles=("privacy_officer",), organisation="default")
CLAIMS = Actor(user="claims.bench", roles=("claims_handler",), organisation="default")
IMPORTER = Actor(user="op.bench", roles=("importer",), organisation="default")
PER_CASE = 50  # records per case: one key scope each, as a closed claim's medical file
ROUNDS = 3
# The records a live key still seals, one row each (as the run lists them, without deciding anything).
_PLAIN = sa.text(
    "SELECT r.id, r.subject_id, r.case_ref, r.category, r.kind, r.retention_class, r.updated_at, "
    "max(CASE WHEN k.case_ref IS NULL THEN 1 ELSE 0 END) "
    "FROM records r JOIN record_fields f ON f.record_id = r.id JOIN data_keys k ON k.id = f.data_key_id "
    "WHERE r.organisation = 'default' AND k.wrapped IS NOT NULL "
    "GROUP BY r.id, r.subject_id, r.case_ref, r.category, r.kind, r.retention_class, r.updated_at"
)
_SHRED = sa.text("UPDATE data_keys SET wrapped = NULL, destroyed_at = :now WHERE wrapped IS NOT NULL")


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


def _seed(kluis: Kluis, records: int) -> None:
    """records / PER_CASE referred cases of one subject each, filled with medical reports, then closed."""
    cases = max(1, records // PER_CASE)
    for case in range(cases):
        kluis.vault.cases.refer(CLAIMS, f"CASE-{case}", f"CUST-{case}", "Fictional: explained by the accident?")
        batch = [
            NewRecord(
                subject_ref=f"CUST-{case}",
                case_ref=f"CASE-{case}",
                category=Category.HEALTH,
                kind="medical_report",
                fields={"summary": "Fictional report", "date": "2019-01-01"},
                source="GP under consent",
                purpose=Purpose.CLAIM_ASSESSMENT,
            )
            for _ in range(PER_CASE - 1)  # the referral question is the case's first record
        ]
        kluis.vault.records.create_many(IMPORTER, batch)
        kluis.vault.cases.close(CLAIMS, f"CASE-{case}")


def run(database_url: str | None, records: int) -> Section:
    clock = _Clock(datetime(2018, 1, 10, 9, 0, tzinfo=UTC))
    section = Section(f"Retention run: {records:,} expired records in {max(1, records // PER_CASE):,} closed cases")
    with fresh_kluis(database_url, clock) as kluis:
        _seed(kluis, records)
        clock.current += timedelta(days=8 * 365)  # past the health case file's 7 years

        def plain() -> int:
            with kluis.read_sessions() as session:
                return len(session.execute(_PLAIN).all())

        def plain_shred() -> int:
            with kluis.sessions() as session:
                rows = len(session.execute(_PLAIN).all())
                session.execute(_SHRED, {"now": clock.current})
                session.rollback()
                return rows

        rows = plain()  # warm
        bare = min(timed(plain) for _ in range(ROUNDS))
        shred = min(timed(plain_shred) for _ in range(ROUNDS))
        dry = min(timed(lambda: kluis.vault.retention.run(PRIVACY, dry_run=True)) for _ in range(ROUNDS))
        done = None

        def real() -> None:
            nonlocal done
            done = kluis.vault.retention.run(PRIVACY, dry_run=False)

        ran = timed(real)
    assert done is not None and done.shredded == rows == records, (done and done.shredded, rows, records)
    section.rows += [
        (
            "`retention run --dry-run` (decided, every scope's closure seal, holds, requests and restrictions "
            "checked; its event committed)",
            f"{dry:.2f} s",
            f"plain query reading the same {rows:,} rows {bare * 1000:.0f} ms",
            f"{dry / bare:.1f}×",
        ),
        (
            f"`retention run` ({done.shredded:,} records shredded, {done.keys_destroyed:,} keys destroyed, one "
            "audit event per record, in batches of 200 subjects)",
            f"{ran:.2f} s",
            f"plain query {bare * 1000:.0f} ms",
            f"{ran / bare:.1f}×",
        ),
        (
            "the same `retention run`",
            f"{ran:.2f} s",
            f"plain unaudited shred: the query and one UPDATE of every key {shred * 1000:.0f} ms",
            f"{ran / shred:.1f}×",
        ),
    ]
    section.notes.append(
        f"Best of {ROUNDS} for the baselines and the dry run; the run itself once (it shreds). The run's cost is "
        "mostly its audit events — one per record, each chained, as R36 asks — and a unit of work per batch that "
        "locks the batch's subjects and decides again what is due."
    )
    return section
