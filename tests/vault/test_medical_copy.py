"""Copies of the medical file (DOMAIN R27, art. 15(3)): on an identified access request a medical adviser releases
the health records of their own cases into a copy for the subject or a physician the subject named; work notes and
third-party data are left out, each exclusion listed with its ground; the privacy officer sees the release and the
exclusions, never the content; and nothing of another subject or another category enters the copy."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, register
from vault import (
    AccessDenied,
    Category,
    Conflict,
    CopyOrder,
    CopyRecipient,
    ExclusionGround,
    Identity,
    IdentityMethod,
    InvalidInput,
    NewRecord,
    NewRequest,
    NewRestriction,
    NotFound,
    Purpose,
    RequestKind,
    RestrictionGround,
    Role,
)

PRIVACY = actor("pia", "privacy_officer")
JANSEN = actor("dr.jansen", "medical_adviser")
CHECKED = Identity(method=IdentityMethod.CUSTOMER_PORTAL, reference="PORTAL-2026-5")


def _events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        return [dict(json.loads(bytes(b))) for b in session.scalars(sa.text("SELECT body FROM audit_events"))]


def _record(kluis: Harness, subject: str, case: str, kind: str, category: Category = Category.HEALTH) -> str:
    new = NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=category,
        kind=kind,
        fields={"text": f"CANARY-{subject}-{case}-{kind}"},
        source="GP under consent C-9",
        purpose=Purpose.CLAIM_ASSESSMENT if category is Category.HEALTH else Purpose.ACCEPTANCE,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


@pytest.fixture
def held(kluis: Harness) -> dict[str, str]:
    """CUST-1: on C-1 (dr.jansen's) a report, a work note, a letter about a relative and a criminal record; on C-2
    (dr.devries's) a report. CUST-2: a report on C-1."""
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    register(kluis.vault, "dr.devries", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-2", user_id="dr.devries", role=Role.MEDICAL_ADVISER)
    return {
        "report": _record(kluis, "CUST-1", "C-1", "medical_report"),
        "note": _record(kluis, "CUST-1", "C-1", "work_note"),
        "relative": _record(kluis, "CUST-1", "C-1", "family_history"),
        "criminal": _record(kluis, "CUST-1", "C-1", "declared_fact", Category.CRIMINAL),
        "other-case": _record(kluis, "CUST-1", "C-2", "medical_report"),
        "other-subject": _record(kluis, "CUST-2", "C-1", "medical_report"),
    }


def _access_request(kluis: Harness, kind: RequestKind = RequestKind.ACCESS) -> int:
    request_id = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-1", kind=kind)).request_id
    kluis.vault.subjects.verify_identity(PRIVACY, request_id, CHECKED)
    return request_id


def _order(held: dict[str, str], **fields: Any) -> CopyOrder:
    exclude = [{"record_id": held["relative"], "ground": "third_party"}]
    return CopyOrder.model_validate({"recipient": "subject", "exclude": exclude, **fields})


def test_the_adviser_releases_their_cases_records_and_lists_every_exclusion(
    kluis: Harness, held: dict[str, str]
) -> None:
    request_id = _access_request(kluis)
    copy = kluis.vault.copies.release(JANSEN, request_id, _order(held))
    assert [(r.record_id, r.fields) for r in copy.records] == [
        (held["report"], {"text": "CANARY-CUST-1-C-1-medical_report"})
    ]
    assert {(e.record_id, e.ground) for e in copy.excluded} == {
        (held["note"], ExclusionGround.WORK_NOTE),
        (held["relative"], ExclusionGround.THIRD_PARTY),
        (held["other-case"], ExclusionGround.OUTSIDE_ADVISERS_CASES),  # dr.devries releases that one
    }
    copies = [e for e in _events(kluis) if e["event_type"] == "subject.medical_copy"]
    released = [e for e in copies if e["outcome"] == "allowed" and e["reason"] != "excluded"]
    assert {e["record_id"] for e in copies if e["reason"] == "excluded"} == {held["note"], held["relative"]}
    assert [(e["record_id"], e["purpose"]) for e in released] == [(held["report"], "legal_obligation")]
    assert released[0]["target"] == f"subject_request:{request_id};recipient:subject"
    assert "CANARY" not in json.dumps(_events(kluis))

    devries = kluis.vault.copies.release(actor("dr.devries", "medical_adviser"), request_id, _order(held))
    assert [r.record_id for r in devries.records] == [held["other-case"]]


def test_the_privacy_officer_sees_the_release_and_its_exclusions_never_its_content(
    kluis: Harness, held: dict[str, str]
) -> None:
    request_id = _access_request(kluis)
    kluis.vault.copies.release(JANSEN, request_id, _order(held))
    releases = kluis.vault.subjects.releases(PRIVACY, request_id)
    assert [(r.recipient, r.released_by, r.records_released, len(r.excluded)) for r in releases] == [
        (CopyRecipient.SUBJECT, "dr.jansen", 1, 3)
    ]
    report = kluis.vault.subjects.report(PRIVACY, request_id)
    health = next(c for c in report.categories if c.category is Category.HEALTH)
    copies = [d for d in health.recipients if d.case_ref is None]
    assert [(d.recipient, d.records) for d in copies] == [("subject", 1)]
    assert {e["ground"] for e in report.excluded} == {"work_note", "third_party", "outside_advisers_cases"}
    assert "CANARY" not in releases[0].model_dump_json() + report.model_dump_json()


def test_a_copy_for_a_physician_names_them_and_work_notes_go_in_only_when_included(
    kluis: Harness, held: dict[str, str]
) -> None:
    with pytest.raises(ValidationError):
        CopyOrder.model_validate({"recipient": "physician"})
    with pytest.raises(ValidationError):
        CopyOrder.model_validate({"recipient": "subject", "physician": {"name": "Dr. K. de Vries"}})
    order = _order(held, recipient="physician", physician={"name": "Dr. K. Bakker", "big_number": "49012345601"})
    copy = kluis.vault.copies.release(
        JANSEN, _access_request(kluis), order.model_copy(update={"include_work_notes": True})
    )
    assert copy.physician is not None and copy.physician.name == "Dr. K. Bakker"
    assert {r.record_id for r in copy.records} == {held["report"], held["note"]}


def test_only_an_adviser_on_the_case_releases_and_only_on_an_identified_access_request(
    kluis: Harness, held: dict[str, str]
) -> None:
    request_id = _access_request(kluis)
    for someone in (PRIVACY, actor("bram", "claims_handler"), actor("sec", "security_officer")):
        with pytest.raises(AccessDenied):
            kluis.vault.copies.release(someone, request_id, _order(held))
    with pytest.raises(Conflict):
        kluis.vault.copies.release(JANSEN, _access_request(kluis, RequestKind.RECTIFICATION), _order(held))
    unidentified = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-1", kind=RequestKind.ACCESS))
    with pytest.raises(Conflict):
        kluis.vault.copies.release(JANSEN, unidentified.request_id, _order(held))
    with pytest.raises(InvalidInput):  # Kluis, not the adviser, says what lies outside their cases
        kluis.vault.copies.release(
            JANSEN,
            request_id,
            CopyOrder.model_validate(
                {"recipient": "subject", "exclude": [{"record_id": held["report"], "ground": "outside_advisers_cases"}]}
            ),
        )
    with pytest.raises(NotFound):  # another subject's record is not this subject's to leave out
        kluis.vault.copies.release(
            JANSEN, request_id, _order(held, exclude=[{"record_id": held["other-subject"], "ground": "third_party"}])
        )
    assert kluis.vault.subjects.releases(PRIVACY, request_id) == []


def test_restricted_and_erased_records_in_a_copy(kluis: Harness, held: dict[str, str]) -> None:
    restriction_request = _access_request(kluis, RequestKind.RESTRICTION)
    restriction = NewRestriction(
        request_id=restriction_request, category=Category.HEALTH, ground=RestrictionGround.NEEDED_FOR_LEGAL_CLAIMS
    )
    kluis.vault.restrictions.place(PRIVACY, restriction)
    copy = kluis.vault.copies.release(JANSEN, _access_request(kluis), _order(held))
    assert [r.record_id for r in copy.records] == [held["report"]]  # the subject's own access: with their consent
    assert any(
        e.get("reason") == "restriction_exception" for e in _events(kluis) if e["event_type"] == "subject.medical_copy"
    )
    erasure = _access_request(kluis, RequestKind.ERASURE)
    kluis.vault.subjects.erase(PRIVACY, erasure, Category.HEALTH)
    after = kluis.vault.copies.release(JANSEN, _access_request(kluis), _order(held))
    assert after.records == [] and (held["report"], ExclusionGround.ERASED) in {
        (e.record_id, e.ground) for e in after.excluded
    }


# -- from an insider review --------------------------------------------------------------------------------------
def test_a_copy_with_every_record_left_out_is_answered_with_its_exclusions(
    kluis: Harness, held: dict[str, str]
) -> None:
    exclude = [{"record_id": held[name], "ground": "third_party"} for name in ("report", "relative")]
    order = CopyOrder.model_validate({"recipient": "subject", "exclude": exclude})
    copy = kluis.vault.copies.release(JANSEN, _access_request(kluis), order)
    assert copy.records == [] and {e.ground for e in copy.excluded} == {
        ExclusionGround.THIRD_PARTY,
        ExclusionGround.WORK_NOTE,
        ExclusionGround.OUTSIDE_ADVISERS_CASES,
    }
    left_out = [e for e in _events(kluis) if e["event_type"] == "subject.medical_copy" and e["reason"] == "excluded"]
    assert len(left_out) == 3 and all(e["outcome"] == "allowed" and e["fields"] == [] for e in left_out)


def test_someone_outside_the_unit_learns_nothing_of_the_request_register(kluis: Harness, held: dict[str, str]) -> None:
    claims = actor("bram", "claims_handler")
    unidentified = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-1", kind=RequestKind.OBJECTION))
    probes = [999, _access_request(kluis), _access_request(kluis, RequestKind.ERASURE), unidentified.request_id]
    answers = set()
    for request_id in probes:
        with pytest.raises(AccessDenied) as refused:
            kluis.vault.copies.release(claims, request_id, CopyOrder(recipient=CopyRecipient.SUBJECT))
        answers.add(str(refused.value))
        with pytest.raises(AccessDenied):
            kluis.vault.rectifications.rectify(claims, request_id, held["report"], Purpose.CLAIM_ASSESSMENT, {"a": "b"})
    assert len(answers) == 1


def test_a_release_rewritten_in_the_database_is_flagged_and_left_out_of_the_report(
    kluis: Harness, held: dict[str, str]
) -> None:
    request_id = _access_request(kluis)
    order = CopyOrder.model_validate({"recipient": "physician", "physician": {"name": "Dr. K. Bakker"}})
    kluis.vault.copies.release(JANSEN, request_id, order)
    assert [r.sealed for r in kluis.vault.subjects.releases(PRIVACY, request_id)] == [True]
    with kluis.sessions() as session, session.begin():
        session.execute(sa.text("UPDATE medical_releases SET recipient = 'subject', physician_name = NULL"))
    assert [r.sealed for r in kluis.vault.subjects.releases(PRIVACY, request_id)] == [False]
    assert any(e["event_type"] == "integrity.alert" for e in _events(kluis)[-2:])
    report = kluis.vault.subjects.report(PRIVACY, request_id)
    assert not [d for c in report.categories for d in c.recipients if d.case_ref is None]
