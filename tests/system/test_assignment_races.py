"""Races between registrars on PostgreSQL (READ COMMITTED, where writers only meet at the audit head): a case closed
while someone is being assigned to it, and one person registered into an officer's duty and a data role at once.
SQLite serialises its writers from the first statement, so these are PostgreSQL's alone."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import REGISTRAR, Harness, open_harness, register
from vault import Category, Conflict, NewRecord, NotFound, Purpose, Role, initialise
from vault.assignments import _service as assignment_service
from vault.unit import _service as unit_service

HANDLER = actor("anna", "claims_handler")
NURSE = actor("nurse.b", "medical_staff")
SECURITY = actor("sara", "security_officer")


@pytest.fixture
def kluis(tmp_path: Path, postgres_url: str) -> Iterator[Harness]:
    settings = make_settings(tmp_path, postgres_url)
    initialise(settings, OPERATOR)
    running = open_harness(settings)
    yield running
    running.close()


def _paused_after(module: Any, name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Make ``module.repository.<name>`` pause after it ran, until released: the window a racing writer uses."""
    reached, release = threading.Event(), threading.Event()
    original = getattr(module.repository, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        answer = original(*args, **kwargs)
        if not reached.is_set():
            reached.set()
            release.wait(10)
        return answer

    monkeypatch.setattr(module.repository, name, paused)
    return reached, release


def test_a_case_closed_while_someone_is_assigned_to_it_keeps_no_live_assignment(
    kluis: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = kluis.vault
    register(vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(vault, "nurse.b", Role.MEDICAL_STAFF)
    vault.cases.refer(HANDLER, "C-1", "CUST-1", "Fictional: can the claimant work?")
    vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref="C-1",
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY-RACE"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    record = vault.records.create(actor("op", "importer"), new).record_id
    checked, release = _paused_after(assignment_service, "case_closed", monkeypatch)
    outcomes: dict[str, Any] = {}

    def assign() -> None:
        try:
            outcomes["assign"] = vault.assignments.assign(
                REGISTRAR, case_ref="C-1", user_id="nurse.b", role=Role.MEDICAL_STAFF
            )
        except Conflict as exc:
            outcomes["assign"] = exc

    def close() -> None:
        outcomes["close"] = vault.cases.close(HANDLER, "C-1")

    assigning = threading.Thread(target=assign)
    assigning.start()
    assert checked.wait(10)  # the assignment has found the case open...
    closing = threading.Thread(target=close)
    closing.start()
    time.sleep(0.5)  # ...and the close runs meanwhile
    release.set()
    assigning.join(20)
    closing.join(20)
    assert outcomes == {"assign": outcomes["assign"], "close": 2}  # the close waited, and ended both
    assert vault.assignments.assignments(SECURITY, case_ref="C-1") == []
    with pytest.raises(NotFound):
        vault.records.read(NURSE, record, Purpose.CLAIM_ASSESSMENT)


def test_an_officers_duty_and_a_data_role_registered_at_once_are_never_both_taken(
    kluis: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked, release = _paused_after(unit_service, "members", monkeypatch)
    outcomes: list[Any] = []

    def registering(role: Role) -> None:
        try:
            outcomes.append(register(kluis.vault, "dr.x", role))
        except Conflict as exc:
            outcomes.append(exc)

    duty = threading.Thread(target=registering, args=(Role.SECURITY_OFFICER,))
    duty.start()
    assert checked.wait(10)
    adviser = threading.Thread(target=registering, args=(Role.MEDICAL_ADVISER,))
    adviser.start()
    time.sleep(0.5)
    release.set()
    duty.join(20)
    adviser.join(20)
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "int"]
