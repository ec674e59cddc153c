"""One injected clock: events, checkpoints and need-to-know all follow it, to the minute."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import Harness, ManualClock, enrol
from vault import AuditQuery, Category, NewRecord, NotFound, Purpose, Role


def test_an_assignment_ends_on_the_injected_clock_to_the_minute(timed: Harness, clock: ManualClock) -> None:
    adviser = actor("dr.jansen", "medical_adviser")
    enrol(timed.vault, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR, ends_at=clock.now() + timedelta(hours=1))
    new = NewRecord(
        subject_ref="S-1",
        case_ref="C-1",
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "x"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    created = timed.vault.records.create(adviser, new)
    clock.advance(minutes=59)
    assert timed.vault.records.read(adviser, created.record_id, Purpose.CLAIM_ASSESSMENT).fields == {"summary": "x"}
    clock.advance(minutes=1)
    with pytest.raises(NotFound):
        timed.vault.records.read(adviser, created.record_id, Purpose.CLAIM_ASSESSMENT)


def test_events_and_checkpoints_carry_the_injected_time(timed: Harness, clock: ManualClock) -> None:
    clock.advance(days=3)
    for _ in range(12):  # past the test interval of 10: one checkpoint
        timed.vault.audit.search(actor("sec", "security_officer"), AuditQuery(limit=1))
    with timed.sessions() as session:
        last = json.loads(bytes(session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))))
        signed = session.scalar(sa.text("SELECT max(signed_at) FROM audit_checkpoints"))
    assert last["occurred_at"] == clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert str(signed).startswith(clock.now().strftime("%Y-%m-%d %H:%M"))
