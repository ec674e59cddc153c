"""Restriction of processing (DOMAIN R30, art. 18): restricted records are stored and shown as "restricted", and
opened or changed only under a live exception (a privacy-officer order for legal claims, or the subject's
consent); everyone else's data read as before; placing, exceptions and lifting are the privacy officer's, each
audited; and a database administrator who lifts, moves or widens what Kluis sealed gains nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, ManualClock, register
from vault import (
    AccessDenied,
    AdviceInput,
    Category,
    CausalLink,
    Conclusion,
    Conflict,
    ExceptionKind,
    Identity,
    IdentityMethod,
    InvalidInput,
    Lifting,
    LiftReason,
    NewException,
    NewRecord,
    NewRequest,
    NewRestriction,
    NotFound,
    Purpose,
    RequestKind,
    Restricted,
    RestrictionGround,
    Role,
)

PRIVACY = actor("pia", "privacy_officer")
ADVISER = actor("dr.jansen", "medical_adviser")
CLAIMS = actor("bram", "claims_handler")
OFFICER = actor("cor", "criminal_data_officer")
CHECKED = Identity(method=IdentityMethod.ID_DOCUMENT_SEEN, reference="ID-CHECK-2026-91")


def _events(kluis: Harness, count: int = 1) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.scalars(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT :n"), {"n": count})
        return [dict(json.loads(bytes(body))) for body in rows]


def _last(kluis: Harness) -> dict[str, Any]:
    return _events(kluis)[0]


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


def _read(kluis: Harness, record_id: str, purpose: Purpose = Purpose.CLAIM_ASSESSMENT) -> str:
    return kluis.vault.records.read(ADVISER, record_id, purpose).fields["summary"]


@pytest.fixture
def held(timed: Harness) -> dict[str, str]:
    """CUST-1 with health records on C-1 (referred, with published advice) and C-2, and a criminal record on C-1;
    CUST-2 with a health record on C-3. dr.jansen is assigned to all three cases."""
    register(timed.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    for case in ("C-1", "C-2", "C-3"):
        timed.vault.assignments.assign(REGISTRAR, case_ref=case, user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    timed.vault.cases.refer(CLAIMS, "C-1", "CUST-1", "Fictional: is the claim explained by the accident?")
    ids = {
        "one-c1": _record(timed, "CUST-1", "C-1"),
        "one-c2": _record(timed, "CUST-1", "C-2"),
        "one-criminal": _record(timed, "CUST-1", "C-1", Category.CRIMINAL),
        "two-c3": _record(timed, "CUST-2", "C-3"),
    }
    timed.vault.cases.publish_advice(ADVISER, "C-1", _advice(), Purpose.CLAIM_ASSESSMENT)
    return ids


def _advice() -> AdviceInput:
    return AdviceInput(
        conclusion=Conclusion.PARTLY_COVERED,
        causal_link=CausalLink.PARTLY,
        explanation="Partly explained by the accident; re-assess in three months.",
    )


def _request(kluis: Harness, kind: RequestKind = RequestKind.RESTRICTION, subject: str = "CUST-1") -> int:
    request_id = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref=subject, kind=kind)).request_id
    kluis.vault.subjects.verify_identity(PRIVACY, request_id, CHECKED)
    return request_id


def _restrict(kluis: Harness, case: str | None = None, category: Category = Category.HEALTH) -> int:
    new = NewRestriction(
        request_id=_request(kluis), category=category, ground=RestrictionGround.ACCURACY_CONTESTED, case_ref=case
    )
    return kluis.vault.restrictions.place(PRIVACY, new).restriction_id


def _order(kluis: Harness, restriction_id: int, days: int = 30, **fields: Any) -> int:
    new = NewException(
        kind=fields.pop("kind", ExceptionKind.LEGAL_CLAIMS_ORDER),
        reference=fields.pop("reference", "CLAIM-2026-17"),
        ends_at=kluis.vault.clock.now() + timedelta(days=days),
        **fields,
    )
    view = kluis.vault.restrictions.grant_exception(PRIVACY, restriction_id, new)
    return view.exceptions[-1].exception_id


# -- what a restriction does ---------------------------------------------------------------------------------------
def test_restricted_records_do_not_open_and_everyone_elses_still_do(timed: Harness, held: dict[str, str]) -> None:
    _restrict(timed)
    event = _last(timed)
    assert (event["event_type"], event["outcome"], event["category"]) == ("restriction.place", "allowed", "health")
    for record in ("one-c1", "one-c2"):
        with pytest.raises(Restricted):
            _read(timed, held[record])
        denied = _last(timed)
        assert (denied["event_type"], denied["outcome"], denied["reason"]) == ("record.read", "denied", "restricted")
        assert denied["record_id"] == held[record] and "CANARY" not in json.dumps(denied)
    assert _read(timed, held["two-c3"]) == "CANARY-CUST-2-C-3"  # another subject
    register(timed.vault, "cor", Role.CRIMINAL_DATA_OFFICER)
    timed.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="cor", role=Role.CRIMINAL_DATA_OFFICER)
    criminal = timed.vault.records.read(OFFICER, held["one-criminal"], Purpose.ACCEPTANCE)
    assert criminal.fields["summary"] == "CANARY-CUST-1-C-1"  # another category is its own restriction


def test_a_restricted_record_is_not_changed_but_new_data_are_stored(timed: Harness, held: dict[str, str]) -> None:
    _restrict(timed)
    with pytest.raises(Restricted):
        timed.vault.records.update(ADVISER, held["one-c1"], Purpose.CLAIM_ASSESSMENT, {"summary": "changed"})
    assert (_last(timed)["event_type"], _last(timed)["reason"]) == ("record.update", "restricted")
    with timed.sessions() as session:  # the stored value is the one sealed before
        count = session.scalar(
            sa.text("SELECT count(*) FROM record_fields WHERE record_id = :r"), {"r": held["one-c1"]}
        )
    assert count == 1
    stored = _record(timed, "CUST-1", "C-1")  # storage is what a restriction still allows (art. 18(2))
    with pytest.raises(Restricted):
        _read(timed, stored)


def test_the_case_view_shows_restricted_records_without_content_and_withholds_the_advice(
    timed: Harness, held: dict[str, str]
) -> None:
    before = timed.vault.cases.view(CLAIMS, "C-1", Purpose.CLAIM_ASSESSMENT)
    assert before.advice is not None and {r.status for r in before.records} == {"active"}
    _restrict(timed, case="C-1")
    view = timed.vault.cases.view(CLAIMS, "C-1", Purpose.CLAIM_ASSESSMENT)
    health = [r for r in view.records if r.category == "health"]
    assert health and {r.status for r in health} == {"restricted"}
    accepting = timed.vault.cases.view(CLAIMS, "C-1", Purpose.ACCEPTANCE)  # the purpose criminal data serve
    assert {r.status for r in accepting.records if r.category == "criminal"} == {"active"}
    assert view.advice is None and view.advice_restricted and len(view.advice_history) == 1
    other_case = timed.vault.cases.view(ADVISER, "C-2", Purpose.CLAIM_ASSESSMENT)  # the restriction is C-1's only
    assert {r.status for r in other_case.records} == {"active"}
    assert _read(timed, held["one-c2"]) == "CANARY-CUST-1-C-2"
    resolved = timed.vault.records.resolve(CLAIMS, health[0].reference, Purpose.CLAIM_ASSESSMENT)
    assert resolved.status == "restricted" and not resolved.values_included
    with pytest.raises(Restricted):  # new advice is processing too
        timed.vault.cases.publish_advice(ADVISER, "C-1", _advice(), Purpose.CLAIM_ASSESSMENT)
    assert (_last(timed)["event_type"], _last(timed)["reason"]) == ("advice.publish", "restricted")


# -- exceptions ----------------------------------------------------------------------------------------------------
def test_a_legal_claims_order_opens_the_records_for_legal_claims_only_until_it_ends(
    timed: Harness, clock: ManualClock, held: dict[str, str]
) -> None:
    restriction_id = _restrict(timed)
    exception_id = _order(timed, restriction_id, days=10)
    assert _read(timed, held["one-c1"], Purpose.LEGAL_CLAIMS) == "CANARY-CUST-1-C-1"
    event = _last(timed)
    assert (event["outcome"], event["reason"]) == ("allowed", "restriction_exception")
    assert event["target"] == f"restriction_exception:{exception_id}"
    with pytest.raises(Restricted):  # the order is for legal claims, not the claim's assessment
        _read(timed, held["one-c1"])
    clock.current += timedelta(days=10)
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"], Purpose.LEGAL_CLAIMS)


def test_an_ended_exception_lets_nothing_through(timed: Harness, held: dict[str, str]) -> None:
    restriction_id = _restrict(timed)
    exception_id = _order(timed, restriction_id)
    view = timed.vault.restrictions.end_exception(PRIVACY, exception_id)
    assert not view.exceptions[0].live
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"], Purpose.LEGAL_CLAIMS)
    with pytest.raises(Conflict):
        timed.vault.restrictions.end_exception(PRIVACY, exception_id)


def test_the_subjects_consent_opens_the_records_for_its_purpose(timed: Harness, held: dict[str, str]) -> None:
    restriction_id = _restrict(timed)
    _order(
        timed,
        restriction_id,
        kind=ExceptionKind.SUBJECT_CONSENT,
        purpose=Purpose.CLAIM_ASSESSMENT,
        reference="CONSENT-2026-4",
    )
    assert _read(timed, held["one-c1"]) == "CANARY-CUST-1-C-1"
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"], Purpose.LEGAL_CLAIMS)


def test_exceptions_that_would_let_nothing_through_or_too_much_are_refused(
    timed: Harness, held: dict[str, str]
) -> None:
    restriction_id = _restrict(timed)
    with pytest.raises(InvalidInput):  # an order is for legal claims
        _order(timed, restriction_id, purpose=Purpose.CLAIM_ASSESSMENT)
    with pytest.raises(InvalidInput):  # criminal data are never read for marketing, nor health data
        _order(timed, restriction_id, kind=ExceptionKind.SUBJECT_CONSENT, purpose=Purpose.MARKETING)
    with pytest.raises(InvalidInput):  # longer than a year
        _order(timed, restriction_id, days=400)
    criminal = _restrict(timed, category=Category.CRIMINAL)
    with pytest.raises(InvalidInput):  # criminal data serve no legal claims under the policy (R22)
        _order(timed, criminal)
    assert (_last(timed)["event_type"], _last(timed)["outcome"]) == ("restriction_exception.grant", "denied")


# -- placing and lifting -------------------------------------------------------------------------------------------
def test_a_restriction_answers_an_identified_request_that_asks_for_one(timed: Harness, held: dict[str, str]) -> None:
    unidentified = timed.vault.subjects.register(
        PRIVACY, NewRequest(subject_ref="CUST-1", kind=RequestKind.RESTRICTION)
    ).request_id
    new = NewRestriction(request_id=unidentified, category=Category.HEALTH, ground=RestrictionGround.OBJECTION_PENDING)
    with pytest.raises(Conflict):
        timed.vault.restrictions.place(PRIVACY, new)
    assert _last(timed)["reason"] == "identity_not_verified"
    access = _request(timed, RequestKind.ACCESS)
    with pytest.raises(InvalidInput):
        timed.vault.restrictions.place(PRIVACY, new.model_copy(update={"request_id": access}))
    with pytest.raises(NotFound):
        timed.vault.restrictions.place(PRIVACY, new.model_copy(update={"request_id": 9999}))
    objection = _request(timed, RequestKind.OBJECTION)
    placed = timed.vault.restrictions.place(PRIVACY, new.model_copy(update={"request_id": objection}))
    assert placed.live and placed.request_id == objection
    with pytest.raises(Conflict):  # the same scope twice
        timed.vault.restrictions.place(PRIVACY, new.model_copy(update={"request_id": objection}))
    with pytest.raises(AccessDenied):
        timed.vault.restrictions.place(ADVISER, new.model_copy(update={"request_id": objection}))
    assert [r.restriction_id for r in timed.vault.restrictions.list(PRIVACY, "CUST-1")] == [placed.restriction_id]
    assert timed.vault.restrictions.list(PRIVACY, "CUST-2") == []


def test_a_restriction_is_lifted_once_the_subject_was_told(
    timed: Harness, clock: ManualClock, held: dict[str, str]
) -> None:
    clock.current = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
    restriction_id = _restrict(timed)
    clock.current = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
    for told in (date(2027, 3, 9), date(2027, 3, 21)):  # before it was placed; tomorrow
        with pytest.raises(InvalidInput):
            timed.vault.restrictions.lift(
                PRIVACY, restriction_id, Lifting(reason=LiftReason.ACCURACY_VERIFIED, subject_told_on=told)
            )
    lifting = Lifting(reason=LiftReason.ACCURACY_VERIFIED, subject_told_on=date(2027, 3, 18))
    view = timed.vault.restrictions.lift(PRIVACY, restriction_id, lifting)
    assert not view.live and view.lift_reason is LiftReason.ACCURACY_VERIFIED
    assert (_last(timed)["event_type"], _last(timed)["outcome"]) == ("restriction.lift", "allowed")
    assert _read(timed, held["one-c1"]) == "CANARY-CUST-1-C-1"
    with pytest.raises(Conflict):
        timed.vault.restrictions.lift(PRIVACY, restriction_id, lifting)


# -- against a database administrator ----------------------------------------------------------------------------
def _sql(kluis: Harness, statement: str, **params: Any) -> None:
    with kluis.sessions() as session, session.begin():
        session.execute(sa.text(statement), params)


def test_a_restriction_lifted_or_moved_in_the_database_still_restricts(timed: Harness, held: dict[str, str]) -> None:
    restriction_id = _restrict(timed, case="C-1")
    _sql(timed, "UPDATE restrictions SET case_ref = 'C-9' WHERE id = :i", i=restriction_id)
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"])
    kinds = {(e["event_type"], e["reason"]) for e in _events(timed, 2)}
    assert ("integrity.alert", "mac_invalid") in kinds
    _sql(
        timed,
        "UPDATE restrictions SET case_ref = 'C-1', lifted_at = :t WHERE id = :i",
        t=datetime.now(UTC),
        i=restriction_id,
    )
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"])
    with pytest.raises(Restricted):  # a changed row restricts every case of the subject: its case may be the change
        _read(timed, held["one-c2"])
    lifting = Lifting(reason=LiftReason.ACCURACY_VERIFIED, subject_told_on=timed.vault.clock.now().date())
    with pytest.raises(Conflict):  # and Kluis will not lift it either
        timed.vault.restrictions.lift(PRIVACY, restriction_id, lifting)
    assert _last(timed)["reason"] == "mac_invalid"


def test_an_exception_inserted_or_prolonged_in_the_database_lets_nothing_through(
    timed: Harness, clock: ManualClock, held: dict[str, str]
) -> None:
    restriction_id = _restrict(timed)
    _sql(
        timed,
        "INSERT INTO restriction_exceptions (organisation, restriction_id, kind, purpose, reference, starts_at,"
        " ends_at, granted_by) VALUES ('default', :r, 'subject_consent', 'claim_assessment', 'X', :s, :e, 'pia')",
        r=restriction_id,
        s=clock.now() - timedelta(days=1),
        e=clock.now() + timedelta(days=30),
    )
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"])
    assert ("integrity.alert", "mac_invalid") in {(e["event_type"], e["reason"]) for e in _events(timed, 3)}
    exception_id = _order(timed, restriction_id, days=1)
    _sql(
        timed,
        "UPDATE restriction_exceptions SET ends_at = :e WHERE id = :i",
        e=clock.now() + timedelta(days=300),
        i=exception_id,
    )
    clock.current += timedelta(days=2)
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"], Purpose.LEGAL_CLAIMS)


@pytest.mark.parametrize(("column", "value"), [("category", "criminal"), ("organisation", "elsewhere")])
def test_a_restriction_moved_to_another_category_or_organisation_still_restricts(
    timed: Harness, held: dict[str, str], column: str, value: str
) -> None:
    """From an insider review: the lookup filtered on the columns a database administrator would change."""
    restriction_id = _restrict(timed)
    _sql(timed, f"UPDATE restrictions SET {column} = :v WHERE id = :i", v=value, i=restriction_id)
    with pytest.raises(Restricted):
        _read(timed, held["one-c1"])
    assert ("integrity.alert", "mac_invalid") in {(e["event_type"], e["reason"]) for e in _events(timed, 2)}


def test_the_access_report_lists_restricted_records_as_restricted(timed: Harness, held: dict[str, str]) -> None:
    _restrict(timed, case="C-1")
    access = _request(timed, RequestKind.ACCESS)
    report = timed.vault.subjects.report(PRIVACY, access)
    status = {r.record_id: r.status for c in report.categories for r in c.records}
    assert status[held["one-c1"]] == "restricted" and status[held["one-c2"]] == "active"
    assert status[held["one-criminal"]] == "active"
