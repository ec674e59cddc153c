"""The data subject's rights (DOMAIN R24, R29, R32), on the injected clock: the request register's deadlines at month
ends and in leap years, extensions only within the first month, answers only for an identified requester, and
erasure by crypto-shredding — the subject's data read as erased while everyone else's still read, a signed receipt,
a legal hold deferring it with its ground, and a backup of the data keys that stops opening once the old KEK
versions are retired."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, ManualClock, register
from vault import (
    AccessDenied,
    Category,
    Conflict,
    Decision,
    DecryptionFailed,
    Erased,
    Extension,
    ExtensionReason,
    HoldGround,
    Identity,
    IdentityMethod,
    InvalidInput,
    KeyUnavailable,
    NewHold,
    NewRecord,
    NewRequest,
    NotFound,
    Purpose,
    RequestKind,
    RequestOutcome,
    RequestStatus,
    Role,
    VaultError,
    receipt_signed,
)
from vault.subject_rights._deadlines import add_months, due_on

PRIVACY = actor("pia", "privacy_officer")
ADVISER = actor("dr.jansen", "medical_adviser")
OFFICER = actor("cor", "criminal_data_officer")
KEYS = actor("kees", "key_admin")
CHECKED = Identity(method=IdentityMethod.ID_DOCUMENT_SEEN, reference="ID-CHECK-2026-88")


def _last(kluis: Harness) -> dict[str, Any]:
    with kluis.sessions() as session:
        body = session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))
    return dict(json.loads(bytes(body)))


def _denied(kluis: Harness, event_type: str, reason: str) -> dict[str, Any]:
    last = _last(kluis)
    assert (last["event_type"], last["outcome"], last["reason"]) == (event_type, "denied", reason)
    return last


# -- deadlines ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2027, 1, 31), date(2027, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2028, 2, 29), date(2028, 3, 29)),
        (date(2027, 3, 31), date(2027, 4, 30)),
        (date(2027, 12, 15), date(2028, 1, 15)),
        (date(2027, 8, 31), date(2027, 9, 30)),
    ],
)
def test_a_request_is_due_one_calendar_month_later_or_on_that_months_last_day(received: date, due: date) -> None:
    assert add_months(received, 1) == due


def test_the_deadline_counts_in_dutch_calendar_days() -> None:
    late_evening_utc = datetime(2027, 2, 28, 23, 30, tzinfo=UTC)  # already 1 March in Amsterdam
    assert due_on(late_evening_utc) == date(2027, 4, 1)
    assert add_months(date(2027, 1, 31), 3) == date(2027, 4, 30)  # the longest extension from 31 January


# -- the request register -----------------------------------------------------------------------------------------
def _request(kluis: Harness, kind: RequestKind = RequestKind.ERASURE, **fields: Any) -> int:
    new = NewRequest(subject_ref=fields.pop("subject_ref", "CUST-1"), kind=kind, **fields)
    return kluis.vault.subjects.register(PRIVACY, new).request_id


def test_a_registered_request_gets_its_deadline_and_its_event_names_the_pseudonym_only(
    timed: Harness, clock: ManualClock
) -> None:
    clock.current = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    view = timed.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-1", kind=RequestKind.ACCESS))
    assert (view.due_on, view.status, view.identity_verified) == (date(2027, 2, 28), RequestStatus.OPEN, False)
    event = _last(timed)
    assert event["event_type"] == "subject_request.register" and event["outcome"] == "allowed"
    assert event["subject"] == view.subject and "CUST-1" not in json.dumps(event)
    with pytest.raises(ValidationError):  # a BSN is never the customer number
        NewRequest(subject_ref="123456782", kind=RequestKind.ACCESS)


def test_an_extension_is_told_within_the_first_month_once(timed: Harness, clock: ManualClock) -> None:
    clock.current = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    request_id = _request(timed, RequestKind.ACCESS)
    clock.current = datetime(2027, 2, 20, 10, 0, tzinfo=UTC)
    extension = Extension(months=2, reason=ExtensionReason.COMPLEXITY, told_on=date(2027, 2, 20))
    view = timed.vault.subjects.extend(PRIVACY, request_id, extension)
    assert (view.due_on, view.first_due_on, view.extended) == (date(2027, 4, 30), date(2027, 2, 28), True)
    with pytest.raises(Conflict):
        timed.vault.subjects.extend(PRIVACY, request_id, extension)
    _denied(timed, "subject_request.extend", "policy")


def test_an_extension_told_after_the_first_month_is_refused_and_audited(timed: Harness, clock: ManualClock) -> None:
    clock.current = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    request_id = _request(timed, RequestKind.ACCESS)
    clock.current = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # the first month ended on 28 February
    late = Extension(months=1, reason=ExtensionReason.NUMBER_OF_REQUESTS, told_on=date(2027, 3, 1))
    with pytest.raises(Conflict):
        timed.vault.subjects.extend(PRIVACY, request_id, late)
    _denied(timed, "subject_request.extend", "too_late")
    backdated = Extension(months=1, reason=ExtensionReason.COMPLEXITY, told_on=date(2027, 2, 27))
    with pytest.raises(Conflict):  # deciding it now and saying it was told earlier does not help either
        timed.vault.subjects.extend(PRIVACY, request_id, backdated)
    _denied(timed, "subject_request.extend", "too_late")


def test_the_due_list_raises_overdue_requests_and_those_about_to_be(timed: Harness, clock: ManualClock) -> None:
    clock.current = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    early = _request(timed, RequestKind.ACCESS)
    clock.current = datetime(2027, 1, 25, 10, 0, tzinfo=UTC)
    later = _request(timed, RequestKind.OBJECTION, subject_ref="CUST-2")
    clock.current = datetime(2027, 2, 10, 10, 0, tzinfo=UTC)  # early is due today, later on 25 February
    due = timed.vault.subjects.due(PRIVACY, within_days=7)
    assert [(v.request_id, v.overdue, v.days_left) for v in due] == [(early, False, 0)]
    clock.current = datetime(2027, 2, 11, 10, 0, tzinfo=UTC)
    due = timed.vault.subjects.due(PRIVACY, within_days=14)
    assert [(v.request_id, v.overdue) for v in due] == [(early, True), (later, False)]
    timed.vault.subjects.verify_identity(PRIVACY, early, CHECKED)
    timed.vault.subjects.decide(PRIVACY, early, Decision(outcome=RequestOutcome.COMPLETED))
    assert [v.request_id for v in timed.vault.subjects.due(PRIVACY, within_days=14)] == [later]


def test_answers_wait_for_the_requesters_identity_and_an_objection_is_upheld_or_rejected(timed: Harness) -> None:
    request_id = _request(timed, RequestKind.OBJECTION)
    with pytest.raises(Conflict):
        timed.vault.subjects.decide(PRIVACY, request_id, Decision(outcome=RequestOutcome.OBJECTION_REJECTED))
    _denied(timed, "subject_request.decide", "identity_not_verified")
    timed.vault.subjects.verify_identity(PRIVACY, request_id, CHECKED)
    with pytest.raises(InvalidInput):
        timed.vault.subjects.decide(PRIVACY, request_id, Decision(outcome=RequestOutcome.COMPLETED))
    view = timed.vault.subjects.decide(PRIVACY, request_id, Decision(outcome=RequestOutcome.OBJECTION_REJECTED))
    assert (view.status, view.outcome) == (RequestStatus.ANSWERED, RequestOutcome.OBJECTION_REJECTED)
    with pytest.raises(Conflict):  # decided once
        timed.vault.subjects.decide(PRIVACY, request_id, Decision(outcome=RequestOutcome.OBJECTION_UPHELD))
    _denied(timed, "subject_request.decide", "too_late")
    refused = _request(timed, RequestKind.ACCESS, subject_ref="CUST-9")  # unverifiable: refused on that ground
    view = timed.vault.subjects.decide(PRIVACY, refused, Decision(outcome=RequestOutcome.REFUSED_IDENTITY))
    assert view.status is RequestStatus.REFUSED


def test_only_the_privacy_officer_keeps_the_register(timed: Harness) -> None:
    new = NewRequest(subject_ref="CUST-1", kind=RequestKind.ACCESS)
    for who in (KEYS, ADVISER, actor("sara", "security_officer"), actor("anna", "claims_handler")):
        with pytest.raises(AccessDenied):
            timed.vault.subjects.register(who, new)
        _denied(timed, "subject_request.register", "policy")
    with pytest.raises(NotFound):
        timed.vault.subjects.decide(PRIVACY, 999, Decision(outcome=RequestOutcome.COMPLETED))
    _denied(timed, "subject_request.decide", "not_found")


# -- erasure ------------------------------------------------------------------------------------------------------
def _record(kluis: Harness, subject: str, case: str, category: Category = Category.HEALTH) -> str:
    new = NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=category,
        kind="medical_report" if category is Category.HEALTH else "declared_fact",
        fields={"summary": f"CANARY-{subject}-{case}"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT if category is Category.HEALTH else Purpose.ACCEPTANCE,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


def _read(kluis: Harness, record_id: str) -> str:
    return kluis.vault.records.read(ADVISER, record_id, Purpose.CLAIM_ASSESSMENT).fields["summary"]


@pytest.fixture
def two_subjects(timed: Harness) -> dict[str, str]:
    """CUST-1 with health records on C-1 and C-2 and a criminal record; CUST-2 with one on C-1."""
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    for case in ("C-1", "C-2"):
        timed.vault.assignments.assign(REGISTRAR, case_ref=case, user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    return {
        "one-c1": _record(timed, "CUST-1", "C-1"),
        "one-c2": _record(timed, "CUST-1", "C-2"),
        "one-criminal": _record(timed, "CUST-1", "C-1", Category.CRIMINAL),
        "two-c1": _record(timed, "CUST-2", "C-1"),
    }


def _erasure_request(kluis: Harness, subject_ref: str = "CUST-1") -> int:
    request_id = _request(kluis, RequestKind.ERASURE, subject_ref=subject_ref)
    kluis.vault.subjects.verify_identity(PRIVACY, request_id, CHECKED)
    return request_id


def test_erasure_shreds_the_subjects_keys_in_the_category_and_nobody_elses(
    timed: Harness, two_subjects: dict[str, str]
) -> None:
    request_id = _erasure_request(timed)
    result = timed.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH)
    assert result.erased and result.receipt is not None and result.receipt.keys_destroyed == 2
    event = _last(timed)
    assert (event["event_type"], event["outcome"], event["category"]) == ("subject.erase", "allowed", "health")
    assert event["subject"] == result.receipt.subject and "CANARY" not in json.dumps(event)
    for record in ("one-c1", "one-c2"):
        with pytest.raises(Erased):
            _read(timed, two_subjects[record])
        assert _last(timed)["outcome"] == "erased"  # a lawful state, not a failure
    assert _read(timed, two_subjects["two-c1"]) == "CANARY-CUST-2-C-1"  # everyone else still reads
    register(timed.vault, "cor", Role.CRIMINAL_DATA_OFFICER)
    timed.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="cor", role=Role.CRIMINAL_DATA_OFFICER)
    criminal = timed.vault.records.read(OFFICER, two_subjects["one-criminal"], Purpose.ACCEPTANCE)
    assert criminal.fields["summary"] == "CANARY-CUST-1-C-1"  # the other category is its own erasure


def test_erasing_a_subject_keeps_every_audit_event_about_them(timed: Harness, two_subjects: dict[str, str]) -> None:
    def about_one() -> list[bytes]:
        with timed.sessions() as session:
            subject = session.scalar(sa.text("SELECT id FROM subjects WHERE subject_ref = 'CUST-1'"))
            query = sa.text("SELECT body FROM audit_events WHERE subject = :s ORDER BY seq")
            return [bytes(b) for b in session.scalars(query, {"s": subject})]

    before = about_one()
    assert len(before) >= 3  # the records created about CUST-1
    timed.vault.subjects.erase(PRIVACY, _erasure_request(timed), Category.HEALTH)
    after = about_one()
    assert after[: len(before)] == before  # kept as written (R42); the erasure's own events come after
    assert timed.vault.audit.verify(actor("sol", "security_officer")).ok


def test_the_receipt_is_signed_and_says_which_keys(timed: Harness, two_subjects: dict[str, str]) -> None:
    request_id = _erasure_request(timed)
    receipt = timed.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH).receipt
    assert receipt is not None
    statement = json.loads(receipt.receipt)
    assert statement["request_id"] == request_id and len(statement["data_keys_destroyed"]) == 2
    assert receipt_signed(receipt.receipt, receipt.signature, timed.public_key)
    forged = receipt.receipt.replace('"health"', '"criminal"')
    assert not receipt_signed(forged, receipt.signature, timed.public_key)
    assert timed.vault.subjects.erasures(PRIVACY, request_id) == [receipt]


def test_a_backup_of_the_keys_opens_until_the_old_kek_is_retired_and_never_after(
    timed: Harness, two_subjects: dict[str, str]
) -> None:
    with timed.engine.connect() as connection:  # the backup: the data keys as they were before the erasure
        backup = connection.execute(sa.text("SELECT id, kek_version, wrapped FROM data_keys")).all()
    request_id = _erasure_request(timed)
    receipt = timed.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH).receipt
    assert receipt is not None and not receipt.final

    def restore() -> None:
        with timed.engine.begin() as connection:
            for key_id, version, wrapped in backup:
                connection.execute(
                    sa.text("UPDATE data_keys SET kek_version = :v, wrapped = :w, destroyed_at = NULL WHERE id = :id"),
                    {"v": version, "w": wrapped, "id": key_id},
                )

    restore()  # before retirement the restored copy still opens: why an erasure is not final yet
    assert _read(timed, two_subjects["one-c1"]) == "CANARY-CUST-1-C-1"
    with timed.engine.begin() as connection:  # undo the restore: the erasure stands again
        connection.execute(
            sa.text("UPDATE data_keys SET wrapped = NULL WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": json.loads(receipt.receipt)["data_keys_destroyed"]},
        )
    retirement = timed.vault.keys.retire(KEYS, Category.HEALTH)
    assert retirement.retired == [1] and retirement.version == 2
    assert timed.vault.subjects.erasures(PRIVACY, request_id)[0].final
    assert _read(timed, two_subjects["two-c1"]) == "CANARY-CUST-2-C-1"  # re-wrapped under version 2: still reads
    restore()  # the old backup's keys are wrapped under a KEK that no longer exists
    with pytest.raises((KeyUnavailable, DecryptionFailed)):
        _read(timed, two_subjects["one-c1"])
    assert _last(timed)["outcome"] == "failed"
    with pytest.raises(VaultError):
        _read(timed, two_subjects["two-c1"])  # the backup's copy of everyone's keys is dead too: restore no key


def test_a_subject_wide_legal_hold_defers_the_erasure_with_its_ground(
    timed: Harness, two_subjects: dict[str, str]
) -> None:
    request_id = _erasure_request(timed)
    hold = timed.vault.subjects.place_hold(PRIVACY, NewHold(subject_ref="CUST-1", ground=HoldGround.LEGAL_CLAIM))
    result = timed.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH)
    assert (result.erased, result.deferred_ground) == (False, HoldGround.LEGAL_CLAIM)
    event = _last(timed)
    assert (event["event_type"], event["reason"]) == ("subject.erase", "legal_hold")
    view = timed.vault.subjects.requests(PRIVACY, subject_ref="CUST-1")[0]
    assert (view.status, view.ground) == (RequestStatus.DEFERRED, "legal_claim")
    assert _read(timed, two_subjects["one-c1"])  # nothing destroyed
    timed.vault.subjects.lift_hold(PRIVACY, hold.hold_id)
    assert timed.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH).erased
    with pytest.raises(Erased):
        _read(timed, two_subjects["one-c1"])


def test_a_cases_legal_hold_keeps_that_case_and_erases_the_rest(timed: Harness, two_subjects: dict[str, str]) -> None:
    request_id = _erasure_request(timed)
    held = NewHold(subject_ref="CUST-1", ground=HoldGround.RETENTION_OBLIGATION, case_ref="C-2")
    timed.vault.subjects.place_hold(PRIVACY, held)
    result = timed.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH)
    assert result.erased and result.receipt is not None and result.receipt.keys_destroyed == 1
    assert json.loads(result.receipt.receipt)["cases_held"] == ["C-2"]
    with pytest.raises(Erased):
        _read(timed, two_subjects["one-c1"])
    assert _read(timed, two_subjects["one-c2"]) == "CANARY-CUST-1-C-2"
    assert timed.vault.subjects.requests(PRIVACY, subject_ref="CUST-1")[0].status is RequestStatus.DEFERRED


def test_erasure_is_refused_without_identity_on_another_kind_of_request_and_for_anyone_else(
    timed: Harness, two_subjects: dict[str, str]
) -> None:
    unverified = _request(timed, RequestKind.ERASURE)
    with pytest.raises(Conflict):
        timed.vault.subjects.erase(PRIVACY, unverified, Category.HEALTH)
    _denied(timed, "subject.erase", "identity_not_verified")
    access = _request(timed, RequestKind.ACCESS)
    timed.vault.subjects.verify_identity(PRIVACY, access, CHECKED)
    with pytest.raises(InvalidInput):
        timed.vault.subjects.erase(PRIVACY, access, Category.HEALTH)
    _denied(timed, "subject.erase", "policy")
    request_id = _erasure_request(timed)
    for who in (KEYS, ADVISER, actor("sara", "security_officer")):
        with pytest.raises(AccessDenied):
            timed.vault.subjects.erase(who, request_id, Category.HEALTH)
        _denied(timed, "subject.erase", "policy")
    assert _read(timed, two_subjects["one-c1"])
    with pytest.raises((AccessDenied, NotFound)):  # erasing never let the privacy officer read
        timed.vault.records.read(PRIVACY, two_subjects["one-c1"], Purpose.LEGAL_OBLIGATION)


def test_a_request_received_in_the_future_is_refused(timed: Harness, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput):
        _request(timed, RequestKind.ACCESS, received_at=clock.now() + timedelta(days=1))
    _denied(timed, "subject_request.register", "policy")


def test_the_receipt_signature_is_the_audit_keys(timed: Harness, two_subjects: dict[str, str]) -> None:
    receipt = timed.vault.subjects.erase(PRIVACY, _erasure_request(timed), Category.HEALTH).receipt
    assert receipt is not None
    assert len(base64.b64decode(receipt.signature)) == 64  # Ed25519
