"""The subject access report (DOMAIN R25, R26): with several subjects and cases, the report on one subject lists
every audit event about that subject — allowed, denied and break-glass — and nothing about anyone else; what is held
per category with its origin, purposes, legal bases, recipients and retention, never a value; employees unnamed
unless the privacy officer gives a reason, which the report's own event records."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import actor
from tests.harness import REGISTRAR, Harness, drop_append_only_guard, register
from vault import (
    AccessDenied,
    AdviceInput,
    BreakGlassReason,
    Category,
    CausalLink,
    Conclusion,
    Conflict,
    Identity,
    IdentityMethod,
    InvalidInput,
    NameDisclosure,
    NewRecord,
    NewRequest,
    NotFound,
    Purpose,
    RequestKind,
    Role,
)

PRIVACY = actor("pia", "privacy_officer")
JANSEN = actor("dr.jansen", "medical_adviser")
DEVRIES = actor("dr.devries", "medical_adviser")
CLAIMS = actor("anna", "claims_handler")
CHECKED = Identity(method=IdentityMethod.DIGID, reference="DIGID-2026-5")


def _record(kluis: Harness, subject: str, case: str, category: Category = Category.HEALTH) -> str:
    new = NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=category,
        kind="medical_report" if category is Category.HEALTH else "declared_fact",
        fields={"summary": f"CANARY-{subject}-{case}"},
        source=f"GP under consent {case}" if category is Category.HEALTH else "applicant",
        purpose=Purpose.CLAIM_ASSESSMENT if category is Category.HEALTH else Purpose.ACCEPTANCE,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


def _bodies(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(b)) for b in rows]


@pytest.fixture
def history(kluis: Harness) -> dict[str, str]:
    """CUST-1 on C-1 (health and criminal) and C-2; CUST-2 on C-1. Reads allowed, denied and by break-glass."""
    for user in ("dr.jansen", "dr.devries"):
        register(kluis.vault, user, Role.MEDICAL_ADVISER)
    for case, subject in (("C-1", "CUST-1"), ("C-2", "CUST-1"), ("C-3", "CUST-2")):
        kluis.vault.cases.refer(CLAIMS, case, subject, "Fictional: can the claimant work?")
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-3", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    ids = {
        "one": _record(kluis, "CUST-1", "C-1"),
        "one-c2": _record(kluis, "CUST-1", "C-2"),
        "one-criminal": _record(kluis, "CUST-1", "C-1", Category.CRIMINAL),
        "two": _record(kluis, "CUST-2", "C-3"),
    }
    kluis.vault.records.read(JANSEN, ids["one"], Purpose.CLAIM_ASSESSMENT)
    kluis.vault.records.read(JANSEN, ids["two"], Purpose.CLAIM_ASSESSMENT)
    with pytest.raises((AccessDenied, NotFound)):
        kluis.vault.records.read(CLAIMS, ids["one"], Purpose.CLAIM_ASSESSMENT)
    kluis.vault.break_glass.open(DEVRIES, "C-2", BreakGlassReason.URGENT_DECISION, "Fictional: urgent", minutes=30)
    kluis.vault.records.read(DEVRIES, ids["one-c2"], Purpose.CLAIM_ASSESSMENT)
    advice = AdviceInput(
        conclusion=Conclusion.PARTLY_COVERED,
        causal_link=CausalLink.PARTLY,
        explanation="Partly explained by the accident; re-assess in three months.",
    )
    kluis.vault.cases.publish_advice(JANSEN, "C-1", advice, Purpose.CLAIM_ASSESSMENT)
    return ids


def _access_request(kluis: Harness, subject: str = "CUST-1", kind: RequestKind = RequestKind.ACCESS) -> int:
    request_id = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref=subject, kind=kind)).request_id
    kluis.vault.subjects.verify_identity(PRIVACY, request_id, CHECKED)
    return request_id


def test_the_report_lists_every_event_about_the_subject_and_none_about_anyone_else(
    kluis: Harness, history: dict[str, str]
) -> None:
    request_id = _access_request(kluis)
    before = _bodies(kluis)  # the log as the report sees it (its own event comes after)
    report = kluis.vault.subjects.report(PRIVACY, request_id)
    subject = report.subject
    expected = [(e["occurred_at"], e["event_type"], e["outcome"]) for e in before if e["subject"] == subject]
    listed = [(a.at, a.event_type, a.outcome) for a in report.access_history]
    assert listed == expected and len(listed) >= 8
    other = {e["subject"] for e in before if e["subject"] not in (None, subject)}
    assert other and not other & {subject}  # CUST-2's events exist, and none is in the report
    assert {a.record_id for a in report.access_history} & {history["two"]} == set()
    assert any(a.outcome == "denied" and a.event_type == "record.read" for a in report.access_history)
    flagged = [a for a in report.access_history if a.break_glass]
    assert flagged and all(a.case_ref == "C-2" for a in flagged)
    assert all(a.user is None for a in report.access_history)  # employees unnamed by default
    assert any(a.roles == ["medical_adviser"] for a in report.access_history)


def test_the_report_says_what_is_held_where_it_came_from_and_who_received_what(
    kluis: Harness, history: dict[str, str]
) -> None:
    report = kluis.vault.subjects.report(PRIVACY, _access_request(kluis))
    health, criminal = report.categories
    assert (health.category, criminal.category) == (Category.HEALTH, Category.CRIMINAL)
    reports = [r.record_id for r in health.records if r.kind == "medical_report"]
    assert sorted(reports) == sorted([history["one"], history["one-c2"]])
    assert {r.kind for r in health.records} == {"medical_report", "referral_question"}  # the claims side's question
    assert {"GP under consent C-1", "GP under consent C-2"} <= set(health.origins)
    assert health.purposes == ["claim_assessment"] and "30(3)(b) UAVG" in health.legal_bases[0]
    assert [(d.case_ref, d.recipient) for d in health.recipients] == [("C-1", "claims_dossier")]
    assert criminal.recipients == [] and "art. 10 GDPR" in criminal.legal_bases[0]
    assert health.retention and "adviser" in health.content
    assert "CANARY" not in report.model_dump_json()  # never a value


def test_names_are_disclosed_only_with_a_reason_that_the_log_records(kluis: Harness, history: dict[str, str]) -> None:
    request_id = _access_request(kluis)
    named = kluis.vault.subjects.report(PRIVACY, request_id, NameDisclosure.SUBJECT_DISPUTES_ACCESS)
    assert {"dr.jansen", "dr.devries"} <= {a.user for a in named.access_history}
    event = _bodies(kluis)[-1]
    assert (event["event_type"], event["reason"]) == ("subject.report", "names_disclosed")


def test_a_report_needs_an_identified_access_request_of_the_privacy_officer(
    kluis: Harness, history: dict[str, str]
) -> None:
    unverified = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-1", kind=RequestKind.ACCESS))
    with pytest.raises(Conflict):
        kluis.vault.subjects.report(PRIVACY, unverified.request_id)
    erasure = _access_request(kluis, kind=RequestKind.ERASURE)
    with pytest.raises(InvalidInput):
        kluis.vault.subjects.report(PRIVACY, erasure)
    request_id = _access_request(kluis)
    for who in (CLAIMS, JANSEN, actor("sara", "security_officer"), actor("kees", "key_admin")):
        with pytest.raises(AccessDenied):
            kluis.vault.subjects.report(who, request_id)
    assert kluis.vault.subjects.report(PRIVACY, _access_request(kluis, kind=RequestKind.PORTABILITY)).categories


def test_an_edited_subject_column_brings_no_other_subjects_event_into_the_report(
    kluis: Harness, history: dict[str, str]
) -> None:
    request_id = _access_request(kluis)
    subject = kluis.vault.subjects.report(PRIVACY, request_id).subject
    drop_append_only_guard(kluis)
    with kluis.engine.begin() as connection:  # the insider points CUST-2's events at CUST-1's pseudonym
        connection.execute(
            sa.text("UPDATE audit_events SET subject = :one WHERE subject IS NOT NULL AND subject <> :one"),
            {"one": subject},
        )
    report = kluis.vault.subjects.report(PRIVACY, request_id)
    assert history["two"] not in {a.record_id for a in report.access_history}
