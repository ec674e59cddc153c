"""Bulk import: each line sealed and audited through the service; a bad line is reported and stores nothing."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.conftest import actor
from tests.harness import Harness
from vault import import_lines
from vault.models import Record, RecordField, Reference
from vault.models.audit import AuditEventRow

IMPORTER = actor("operator:test", "importer")


def line(**overrides: object) -> bytes:
    record: dict[str, object] = {
        "subject_ref": "CUST-1",
        "case_ref": "CLAIM-1",
        "category": "health",
        "kind": "medical_report",
        "fields": {"summary": "CANARY-IMPORT", "date": "2026-01-01"},
        "source": "legacy system",
        "purpose": "claim_assessment",
    }
    record.update(overrides)
    return json.dumps(record).encode() + b"\n"


def count(kluis: Harness, model: type) -> int:
    with kluis.sessions() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def test_valid_lines_are_sealed_referenced_and_audited(kluis: Harness) -> None:
    before = count(kluis, AuditEventRow)
    report = import_lines(
        kluis.vault.records,
        IMPORTER,
        [line(), line(subject_ref="CUST-2", category="criminal", purpose="acceptance")],
        batch_size=1,
    )
    assert report.imported == 2 and not report.malformed and not report.denied
    assert count(kluis, Record) == 2 and count(kluis, RecordField) == 4 and count(kluis, Reference) == 2
    assert count(kluis, AuditEventRow) == before + 2
    with kluis.sessions() as session:
        stored = b"".join(session.execute(sa.select(RecordField.ciphertext)).scalars())
    assert b"CANARY-IMPORT" not in stored


def test_malformed_lines_are_reported_by_number_and_store_nothing(kluis: Harness) -> None:
    lines = [
        line(),
        b'{"subject_ref": "CUST-1", "fields": {"x": "CANARY-BAD"}\n',  # not JSON (truncated)
        line(category="financial"),  # unknown category
        line(extra="field"),  # unknown field
        line(fields={}),  # no fields
        line(subject_ref="111222333"),  # a BSN (passes the 11-test)
        b"\n",  # blank lines are skipped, not errors
        line(fields={"Bad Name": "x"}),
        line(),
    ]
    report = import_lines(kluis.vault.records, IMPORTER, lines)
    assert report.imported == 2
    assert [number for number, _ in report.malformed] == [2, 3, 4, 5, 6, 8]
    assert all("CANARY-BAD" not in why and "111222333" not in why for _, why in report.malformed)
    assert count(kluis, Record) == 2


def test_commercial_purpose_is_refused_by_policy_and_audited(kluis: Harness) -> None:
    report = import_lines(kluis.vault.records, IMPORTER, [line(purpose="marketing"), line()])
    assert report.denied == [1] and report.imported == 1
    with kluis.sessions() as session:
        outcomes = [
            json.loads(b)["outcome"]
            for b in session.execute(
                sa.select(AuditEventRow.body).where(AuditEventRow.event_type == "record.create")
            ).scalars()
        ]
    assert sorted(outcomes) == ["allowed", "denied"]


def test_importer_cannot_read_what_it_imported(kluis: Harness) -> None:
    import pytest

    from vault import NotFound, Purpose

    import_lines(kluis.vault.records, IMPORTER, [line()])
    with kluis.sessions() as session:
        record_id = session.scalar(sa.select(Record.id))
    with pytest.raises(NotFound):
        kluis.vault.records.read(IMPORTER, str(record_id), Purpose.CLAIM_ASSESSMENT)
