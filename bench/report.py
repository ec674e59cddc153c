"""The subject access report for one subject with 10,000 audit events among 1,000,000, beside a plain query that
reads the same rows (DOMAIN R25, R26; issue 10)."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime

import sqlalchemy as sa

from bench.common import Kluis, Section, fresh_kluis, timed
from vault import Actor, Category, Identity, IdentityMethod, NewRecord, NewRequest, Purpose, RequestKind
from vault.audit import About, EventType, events

WHO = Actor(user="dr.bench", roles=("medical_adviser",), organisation="default", client="10.0.0.1")
PRIVACY = Actor(user="pia.bench", roles=("privacy_officer",), organisation="default")
IMPORTER = Actor(user="op.bench", roles=("importer",), organisation="default")
ROUNDS = 5
_PLAIN = sa.text(
    "SELECT seq, body FROM audit_events WHERE organisation = :o AND subject = :s ORDER BY occurred_at, seq"
)


def _seed_subject(kluis: Kluis) -> str:
    for case in range(5):
        new = NewRecord(
            subject_ref="CUST-REPORT",
            case_ref=f"CASE-R{case}",
            category=Category.HEALTH,
            kind="medical_report",
            fields={"summary": "Fictional"},
            source="GP under consent",
            purpose=Purpose.CLAIM_ASSESSMENT,
        )
        kluis.vault.records.create(IMPORTER, new)
    with kluis.sessions() as session:
        subject = session.scalar(sa.text("SELECT id FROM subjects WHERE subject_ref = 'CUST-REPORT'"))
    return str(subject)


def _fill(kluis: Kluis, subject: str, total: int, own: int, batch: int = 5000) -> None:
    """``own`` events about ``subject`` spread evenly through ``total``; the rest about 5,000 other subjects."""
    every = max(1, total // own)
    now = datetime.now(UTC)
    for start in range(0, total, batch):
        built = [
            events.decided(
                EventType.RECORD_READ,
                WHO,
                "allowed",
                now,
                About(
                    record_id=f"rec-{i}",
                    case_ref=f"CASE-{i % 1000}",
                    subject=subject if i % every == 0 else f"subject-{i % 5000}",
                    category="health",
                    fields=("summary",),
                ),
                purpose="claim_assessment",
                rule="p, medical_adviser, health, read, health_purposes, case_member, allow",
            )
            for i in range(start, min(total, start + batch))
        ]
        with kluis.sessions() as session, session.begin():
            kluis.audit_log.append(session, built)


def run(database_url: str | None, total: int, own: int) -> Section:
    section = Section(f"Subject access report: {own:,} events of one subject among {total:,}")
    with fresh_kluis(database_url) as kluis:
        subject = _seed_subject(kluis)
        _fill(kluis, subject, total, own)
        identity = Identity(method=IdentityMethod.DIGID, reference="BENCH-1")
        request = NewRequest(subject_ref="CUST-REPORT", kind=RequestKind.ACCESS, identity=identity)
        request_id = kluis.vault.subjects.register(PRIVACY, request).request_id

        def plain() -> int:
            with kluis.read_sessions() as session:
                return len(session.execute(_PLAIN, {"o": "default", "s": subject}).all())

        def plain_parsed() -> int:
            with kluis.read_sessions() as session:
                rows = session.execute(_PLAIN, {"o": "default", "s": subject}).all()
                return len([json.loads(body) for _, body in rows])

        rows = plain()  # warm: the index pages in the cache
        bare = [timed(plain) for _ in range(ROUNDS)]
        parsed = [timed(plain_parsed) for _ in range(ROUNDS)]
        found = kluis.vault.subjects.report(PRIVACY, request_id)  # warm; it reads the rows the plain query read
        reports = [timed(lambda: kluis.vault.subjects.report(PRIVACY, request_id)) for _ in range(ROUNDS)]
    report, baseline, with_parse = (statistics.median(x) for x in (reports, bare, parsed))
    assert len(found.access_history) >= own and rows >= own
    section.rows.append(
        (
            f"`vault.subjects.report` (decided, {len(found.access_history):,} events held to their bodies, built, "
            "its own event committed)",
            f"{report * 1000:.0f} ms",
            f"plain query reading the same {rows:,} rows {baseline * 1000:.0f} ms",
            f"{report / baseline:.2f}×",
        )
    )
    section.rows.append(
        (
            "the same plain query, each body parsed (json.loads)",
            f"{with_parse * 1000:.0f} ms",
            f"plain query {baseline * 1000:.0f} ms",
            f"{with_parse / baseline:.2f}×",
        )
    )
    section.notes.append(
        f"Medians of {ROUNDS} rounds after a warm-up. Both read through the index on (subject, occurred_at); the "
        "report filters on the organisation too, parses every body to hold it to the search column and to build "
        "the NEN 7513 lines, and adds the records held and the advice published."
    )
    return section
