"""Rectification and completion (DOMAIN R28, art. 16): every change of a record keeps the values it replaced; an
adviser's professional opinion is never overwritten, the subject's own statement is appended beside it; changes
on the subject's request name it, and are refused on a request that is not identified, open, of the right kind and
theirs; an erasure takes the history with it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, register
from vault import (
    AccessDenied,
    Category,
    Conflict,
    Decision,
    Erased,
    Identity,
    IdentityMethod,
    InvalidInput,
    NewRecord,
    NewRequest,
    NewRestriction,
    NotFound,
    Purpose,
    RequestKind,
    RequestOutcome,
    Restricted,
    RestrictionGround,
    Role,
)

PRIVACY = actor("pia", "privacy_officer")
ADVISER = actor("dr.jansen", "medical_adviser")
CHECKED = Identity(method=IdentityMethod.DIGID, reference="DIGID-2026-40")
CLAIM = Purpose.CLAIM_ASSESSMENT


def _last(kluis: Harness) -> dict[str, Any]:
    with kluis.sessions() as session:
        body = session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))
    return dict(json.loads(bytes(body)))


def _record(kluis: Harness, subject: str = "CUST-1", kind: str = "medical_report", **fields: str) -> str:
    new = NewRecord(
        subject_ref=subject,
        case_ref="C-1",
        category=Category.HEALTH,
        kind=kind,
        fields=fields or {"summary": "CANARY-first", "history": "CANARY-history"},
        source="GP",
        purpose=CLAIM,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


def _request(kluis: Harness, kind: RequestKind = RequestKind.RECTIFICATION, subject: str = "CUST-1") -> int:
    request_id = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref=subject, kind=kind)).request_id
    kluis.vault.subjects.verify_identity(PRIVACY, request_id, CHECKED)
    return request_id


@pytest.fixture
def unit(kluis: Harness) -> Harness:
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    return kluis


def test_every_change_keeps_the_values_it_replaced(unit: Harness) -> None:
    record_id = _record(unit)
    unit.vault.records.update(ADVISER, record_id, CLAIM, {"summary": "CANARY-second"})
    unit.vault.records.update(ADVISER, record_id, CLAIM, {"summary": "CANARY-third", "added": "CANARY-new"})
    found = unit.vault.records.history(ADVISER, record_id, CLAIM)
    assert found.current.fields == {"summary": "CANARY-third", "history": "CANARY-history", "added": "CANARY-new"}
    assert [(v.version, v.fields) for v in found.versions] == [
        (1, {"summary": "CANARY-first"}),
        (2, {"summary": "CANARY-second"}),  # a field added by a change had no earlier value to keep
    ]
    assert all(v.replaced_by == "dr.jansen" and v.request_id is None for v in found.versions)
    event = _last(unit)
    assert (event["event_type"], event["outcome"]) == ("record.history", "allowed")
    assert event["fields"] == ["added", "history", "summary"] and "CANARY" not in json.dumps(event)
    with pytest.raises(AccessDenied):  # the history is read like the record: need-to-know first
        unit.vault.records.history(actor("bram", "claims_handler"), record_id, CLAIM)


def test_a_rectification_on_the_subjects_request_names_it(unit: Harness) -> None:
    record_id = _record(unit)
    request_id = _request(unit)
    unit.vault.rectifications.rectify(ADVISER, request_id, record_id, CLAIM, {"summary": "CANARY-corrected"})
    event = _last(unit)
    assert (event["event_type"], event["outcome"], event["target"]) == (
        "record.update",
        "allowed",
        f"subject_request:{request_id}",
    )
    versions = unit.vault.records.history(ADVISER, record_id, CLAIM).versions
    assert [(v.request_id, v.fields) for v in versions] == [(request_id, {"summary": "CANARY-first"})]


def test_a_professional_opinion_is_not_overwritten_and_the_subjects_statement_goes_beside_it(unit: Harness) -> None:
    opinion = _record(unit, kind="adviser_opinion", opinion="CANARY-opinion")
    request_id = _request(unit, RequestKind.COMPLETION)
    with pytest.raises(Conflict):
        unit.vault.records.update(ADVISER, opinion, CLAIM, {"opinion": "CANARY-changed"})
    assert (_last(unit)["outcome"], _last(unit)["reason"]) == ("denied", "professional_opinion")
    with pytest.raises(Conflict):  # not on the subject's request either
        unit.vault.rectifications.rectify(ADVISER, request_id, opinion, CLAIM, {"opinion": "CANARY-changed"})
    for said in ("CANARY-I disagree", "CANARY-and more"):
        unit.vault.rectifications.add_statement(ADVISER, request_id, opinion, CLAIM, said)
    assert (_last(unit)["event_type"], _last(unit)["fields"]) == ("record.statement", ["subject_statement_2"])
    read = unit.vault.records.read(ADVISER, opinion, CLAIM).fields
    assert read == {
        "opinion": "CANARY-opinion",
        "subject_statement_1": "CANARY-I disagree",
        "subject_statement_2": "CANARY-and more",
    }


def test_the_subjects_statements_are_only_ever_appended(unit: Harness) -> None:
    record_id = _record(unit)
    with pytest.raises(InvalidInput):
        unit.vault.records.update(ADVISER, record_id, CLAIM, {"subject_statement_1": "forged"})
    with pytest.raises(InvalidInput):
        _record(unit, subject_statement_1="forged")


@pytest.mark.parametrize("problem", ["unidentified", "access", "answered", "another_subject", "unknown"])
def test_a_change_is_refused_on_a_request_it_does_not_carry_out(unit: Harness, problem: str) -> None:
    record_id = _record(unit)
    _record(unit, subject="CUST-2")
    if problem == "unidentified":
        new = NewRequest(subject_ref="CUST-1", kind=RequestKind.RECTIFICATION)
        request_id = unit.vault.subjects.register(PRIVACY, new).request_id
    elif problem == "access":
        request_id = _request(unit, RequestKind.ACCESS)
    elif problem == "answered":
        request_id = _request(unit)
        unit.vault.subjects.decide(PRIVACY, request_id, Decision(outcome=RequestOutcome.COMPLETED))
    elif problem == "another_subject":
        request_id = _request(unit, subject="CUST-2")
    else:
        request_id = 999
    with pytest.raises((Conflict, NotFound)):
        unit.vault.rectifications.rectify(ADVISER, request_id, record_id, CLAIM, {"summary": "CANARY-x"})
    event = _last(unit)
    assert event["outcome"] == "denied" and event["target"] == f"subject_request:{request_id}"
    assert unit.vault.records.read(ADVISER, record_id, CLAIM).fields["summary"] == "CANARY-first"


def test_while_restricted_only_the_subjects_own_rectification_changes_the_record(unit: Harness) -> None:
    record_id = _record(unit)
    request_id = _request(unit)
    restriction = NewRestriction(
        request_id=request_id, category=Category.HEALTH, ground=RestrictionGround.ACCURACY_CONTESTED
    )
    unit.vault.restrictions.place(PRIVACY, restriction)
    with pytest.raises(Restricted):
        unit.vault.records.update(ADVISER, record_id, CLAIM, {"summary": "CANARY-own-idea"})
    unit.vault.rectifications.rectify(ADVISER, request_id, record_id, CLAIM, {"summary": "CANARY-asked"})
    assert (_last(unit)["outcome"], _last(unit)["reason"]) == ("allowed", "restriction_exception")
    with pytest.raises(Restricted):  # reading to check it still waits for an exception or the lifting
        unit.vault.records.read(ADVISER, record_id, CLAIM)


def test_an_erasure_takes_the_history_with_it(unit: Harness) -> None:
    record_id = _record(unit)
    unit.vault.records.update(ADVISER, record_id, CLAIM, {"summary": "CANARY-second"})
    request_id = _request(unit, RequestKind.ERASURE)
    assert unit.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH).erased
    with pytest.raises(Erased):
        unit.vault.records.history(ADVISER, record_id, CLAIM)


# -- from an insider review --------------------------------------------------------------------------------------
def test_two_statements_at_once_are_both_appended(unit: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from vault.records import _repository

    record_id = _record(unit)
    requests = {1: _request(unit), 2: _request(unit, RequestKind.COMPLETION)}
    original = _repository.statement_names

    def slowly(session: Any, record: str, prefix: str) -> list[str]:
        names = original(session, record, prefix)
        time.sleep(0.5)  # both would read the same names, were the record not locked first
        return names

    monkeypatch.setattr(_repository, "statement_names", slowly)
    errors: list[BaseException] = []

    def state(n: int) -> None:
        try:
            unit.vault.rectifications.add_statement(ADVISER, requests[n], record_id, CLAIM, f"CANARY-{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=state, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    fields = unit.vault.records.read(ADVISER, record_id, CLAIM).fields
    assert sorted(v for k, v in fields.items() if k.startswith("subject_statement_")) == ["CANARY-1", "CANARY-2"]


def test_an_erasure_with_a_case_hold_goes_ahead_when_an_old_key_only_seals_replaced_values_elsewhere(
    unit: Harness,
) -> None:
    """From an insider review: a pre-scope key kept for the history of one case deferred the erasure for good."""
    from tests.conftest import OPERATOR
    from vault import HoldGround, NewHold

    record_id = _record(unit)
    new = NewRecord(
        subject_ref="CUST-1",
        case_ref="C-2",
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY-c2"},
        source="GP",
        purpose=CLAIM,
    )
    unit.vault.records.create(actor("op", "importer"), new)
    with unit.engine.begin() as connection:
        connection.execute(sa.text("UPDATE data_keys SET case_ref = NULL"))
    unit.vault.records.update(ADVISER, record_id, CLAIM, {"summary": "CANARY-corrected", "history": "CANARY-h2"})
    unit.vault.keys.migrate(OPERATOR)
    unit.vault.subjects.place_hold(
        PRIVACY, NewHold(subject_ref="CUST-1", ground=HoldGround.LEGAL_CLAIM, case_ref="C-2")
    )
    result = unit.vault.subjects.erase(PRIVACY, _request(unit, RequestKind.ERASURE), Category.HEALTH)
    assert result.erased
    with pytest.raises(Erased):
        unit.vault.records.history(ADVISER, record_id, CLAIM)
