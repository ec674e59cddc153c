"""The data subject's rights over HTTP (DOMAIN R24, R29, R32): the privacy officer registers a request, records the
identity check, erases on it (200 with a signed receipt, or 202 when a legal hold defers it), and nobody else can."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import REGISTRAR, Harness, open_harness, register
from vault import Category, NewRecord, Purpose, Role, initialise, receipt_signed

Served = tuple[TestClient, Harness, IdentityProvider]


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    idp = IdentityProvider(tmp_path)
    settings = make_settings(
        tmp_path, database_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_file=idp.jwks_file
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    new = NewRecord(
        subject_ref="CUST-7",
        case_ref="C-7",
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY-HTTP"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    kluis.vault.records.create(actor("op", "importer"), new)
    with TestClient(create_app(settings, kluis.vault)) as client:
        yield client, kluis, idp
    kluis.close()


def _request(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    made = client.post("/v1/subject-requests", headers=headers, json={"subject_ref": "CUST-7", "kind": "erasure"})
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_the_privacy_officer_erases_on_an_identified_request_and_gets_a_signed_receipt(served: Served) -> None:
    client, kluis, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    request = _request(client, privacy)
    assert request["status"] == "open" and request["identity_verified"] is False
    erase = f"/v1/subject-requests/{request['request_id']}/erasure"
    early = client.post(erase, headers=privacy, json={"category": "health"})
    assert early.status_code == 409 and early.headers["content-type"] == "application/problem+json"
    identity = {"method": "digid", "reference": "DIGID-2026-1"}
    assert client.post(f"/v1/subject-requests/{request['request_id']}/identity", headers=privacy, json=identity)
    done = client.post(erase, headers=privacy, json={"category": "health"})
    assert done.status_code == 200, done.text
    receipt = done.json()["receipt"]
    assert receipt["keys_destroyed"] == 1 and not receipt["final"]
    assert receipt_signed(receipt["receipt"], receipt["signature"], kluis.public_key)
    listed = client.get(f"/v1/subject-requests/{request['request_id']}/erasures", headers=privacy).json()
    assert [r["erasure_id"] for r in listed] == [receipt["erasure_id"]]


def test_a_legal_hold_defers_an_erasure_with_202(served: Served) -> None:
    client, _, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    request = _request(client, privacy)
    identity = {"method": "in_person", "reference": "DESK-1"}
    client.post(f"/v1/subject-requests/{request['request_id']}/identity", headers=privacy, json=identity)
    hold = client.post("/v1/legal-holds", headers=privacy, json={"subject_ref": "CUST-7", "ground": "legal_claim"})
    assert hold.status_code == 201
    deferred = client.post(
        f"/v1/subject-requests/{request['request_id']}/erasure", headers=privacy, json={"category": "health"}
    )
    assert deferred.status_code == 202 and deferred.json()["deferred_ground"] == "legal_claim"
    assert client.get("/v1/subject-requests", headers=privacy).json()[0]["status"] == "deferred"
    assert client.delete(f"/v1/legal-holds/{hold.json()['hold_id']}", headers=privacy).json()["live"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"subject_ref": "CUST-7", "kind": "forget_me"},
        {"subject_ref": "123456782", "kind": "access"},  # a BSN
        {"subject_ref": "CUST-7", "kind": "access", "received_at": "2026-12-01T10:00:00"},  # no zone
        {"subject_ref": "CUST-7", "kind": "access", "extra": True},
    ],
)
def test_a_malformed_request_is_422(served: Served, body: dict[str, Any]) -> None:
    client, _, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    response = client.post("/v1/subject-requests", headers=privacy, json=body)
    assert response.status_code == 422 and "123456782" not in response.text
    assert client.get("/v1/subject-requests", headers=privacy).json() == []


def test_nobody_but_the_privacy_officer_reaches_the_register(served: Served) -> None:
    client, _, idp = served
    request = _request(client, idp.bearer("pia", "privacy_officer"))
    for role in ("key_admin", "security_officer", "medical_adviser", "claims_handler"):
        headers = idp.bearer("x", role)
        assert client.get("/v1/subject-requests", headers=headers).status_code == 403
        erase = f"/v1/subject-requests/{request['request_id']}/erasure"
        assert client.post(erase, headers=headers, json={"category": "health"}).status_code == 403


def test_the_access_report_over_http_names_nobody_unless_a_reason_is_given(served: Served) -> None:
    client, _, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    made = client.post("/v1/subject-requests", headers=privacy, json={"subject_ref": "CUST-7", "kind": "access"})
    request_id = made.json()["request_id"]
    identity = {"method": "customer_portal", "reference": "PORTAL-9"}
    client.post(f"/v1/subject-requests/{request_id}/identity", headers=privacy, json=identity)
    report = client.get(f"/v1/subject-requests/{request_id}/report", headers=privacy)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["format"] == "kluis.subject-report.v1" and body["categories"][0]["category"] == "health"
    assert body["access_history"] and all(a["user"] is None for a in body["access_history"])
    assert "CANARY" not in report.text
    named = client.get(f"/v1/subject-requests/{request_id}/report?names=court_order", headers=privacy).json()
    assert any(a["user"] == "pia" for a in named["access_history"])
    bad = client.get(f"/v1/subject-requests/{request_id}/report?names=curiosity", headers=privacy)
    assert bad.status_code == 422


def test_the_access_report_is_a_pdf_in_the_language_asked(served: Served) -> None:
    client, _, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    made = client.post("/v1/subject-requests", headers=privacy, json={"subject_ref": "CUST-7", "kind": "access"})
    request_id = made.json()["request_id"]
    identity = {"method": "customer_portal", "reference": "PORTAL-9"}
    client.post(f"/v1/subject-requests/{request_id}/identity", headers=privacy, json=identity)
    for language in ("nl", "en"):
        pdf = client.get(f"/v1/subject-requests/{request_id}/report.pdf?language={language}", headers=privacy)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
    assert client.get(f"/v1/subject-requests/{request_id}/report.pdf?language=de", headers=privacy).status_code == 422
    other = client.get(f"/v1/subject-requests/{request_id}/report.pdf", headers=idp.bearer("x", "claims_handler"))
    assert other.status_code == 403 and other.headers["content-type"] == "application/problem+json"


# -- an outside caller's input (from a review of the first version) ----------------------------------------------
BSN = "123456782"  # passes the 11-test (fictional)


def _request_id(client: TestClient, privacy: dict[str, str], kind: str = "access") -> int:
    made = client.post("/v1/subject-requests", headers=privacy, json={"subject_ref": "CUST-7", "kind": kind})
    return int(made.json()["request_id"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/v1/subject-requests",
            {"subject_ref": "CUST-7", "kind": "access", "received_at": "1900-01-01T00:00:00+14:00"},
        ),
        (
            "post",
            "/v1/subject-requests",
            {"subject_ref": "CUST-7", "kind": "access", "received_at": "2999-12-31T23:59:59-23:59"},
        ),
        (
            "post",
            "/v1/subject-requests",
            {"subject_ref": "CUST-7", "kind": "access", "received_at": "2027-02-29T10:00:00Z"},
        ),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": "2027-02-30"}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": "0001-01-01"}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": "9999-12-31"}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 1, "reason": "complexity", "told_on": 10**20}),
        ("post", "/v1/subject-requests/{id}/extension", {"months": 3, "reason": "complexity", "told_on": "2026-12-01"}),
        (
            "post",
            "/v1/subject-requests/{id}/extension",
            {"months": 1, "reason": "complexity", "told_on": "2026-12-01T00:00:00"},
        ),
        ("get", "/v1/subject-requests/{id}/report?names=", None),
        ("get", "/v1/subject-requests/{id}/report.pdf?language=", None),
        ("get", "/v1/subject-requests/{id}/report.pdf?language=EN", None),
        ("get", "/v1/subject-requests/99999999999999999999/report", None),
        ("get", "/v1/subject-requests/due?within_days=367", None),
        ("delete", "/v1/legal-holds/0", None),
        ("post", "/v1/subject-requests/{id}/erasure", {"category": "Health"}),
        ("post", "/v1/legal-holds", {"subject_ref": "CUST-7", "ground": "legal_claim", "case_ref": "x" * 200}),
    ],
)
def test_bad_input_is_a_4xx_problem(served: Served, method: str, path: str, body: object) -> None:
    client, _, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    request_id = _request_id(client, privacy)
    response = getattr(client, method)(
        path.replace("{id}", str(request_id)), headers=privacy, **({} if body is None else {"json": body})
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body",
    [
        {"subject_ref": BSN, "ground": "legal_claim"},
        {"subject_ref": "CUST-7", "ground": "legal_claim", "case_ref": BSN},
        {"subject_ref": "CUST-7", "ground": "legal_claim", "reference": BSN},
    ],
)
def test_a_legal_hold_never_takes_a_bsn(served: Served, body: dict[str, str]) -> None:
    client, kluis, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    response = client.post("/v1/legal-holds", headers=privacy, json=body)
    assert response.status_code == 422, response.text
    with kluis.engine.connect() as connection:
        subjects = connection.execute(sa.text("SELECT subject_ref FROM subjects")).scalars().all()
        bodies = [bytes(b).decode() for b in connection.execute(sa.text("SELECT body FROM audit_events")).scalars()]
    assert BSN not in subjects and not any(BSN in b for b in bodies)


# -- restriction of processing (R30) -----------------------------------------------------------------------------
def test_a_restricted_record_is_451_until_a_legal_claims_order_and_the_lifting(served: Served) -> None:
    client, kluis, idp = served
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-7", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    privacy, adviser = idp.bearer("pia", "privacy_officer"), idp.bearer("dr.jansen", "medical_adviser")
    with kluis.sessions() as session:
        record_id = session.scalar(sa.text("SELECT id FROM records"))
    read = f"/v1/records/{record_id}?purpose="
    assert client.get(read + "claim_assessment", headers=adviser).status_code == 200
    request_id = _request_id(client, privacy, "restriction")
    identity = {"method": "digid", "reference": "DIGID-2026-2"}
    client.post(f"/v1/subject-requests/{request_id}/identity", headers=privacy, json=identity)
    body = {"request_id": request_id, "category": "health", "ground": "accuracy_contested"}
    placed = client.post("/v1/restrictions", headers=privacy, json=body)
    assert placed.status_code == 201, placed.text
    restriction = placed.json()["restriction_id"]
    refused = client.get(read + "claim_assessment", headers=adviser)
    assert refused.status_code == 451 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:kluis:problem:restricted" and "CANARY" not in refused.text
    assert client.post("/v1/restrictions", headers=adviser, json=body).status_code == 403
    order = {"kind": "legal_claims_order", "reference": BSN, "ends_at": "2027-01-15T00:00:00Z"}
    bad = client.post(f"/v1/restrictions/{restriction}/exceptions", headers=privacy, json=order)
    assert bad.status_code == 422 and BSN not in bad.text
    order["reference"] = "CLAIM-2026-3"
    granted = client.post(f"/v1/restrictions/{restriction}/exceptions", headers=privacy, json=order)
    assert granted.status_code == 201, granted.text
    assert client.get(read + "legal_claims", headers=adviser).json()["fields"]["summary"] == "CANARY-HTTP"
    assert client.get(read + "claim_assessment", headers=adviser).status_code == 451
    # the subject is told on the insurer's calendar day (Europe/Amsterdam), which after 23:00 UTC is tomorrow's
    told_on = kluis.vault.clock.now().astimezone(ZoneInfo("Europe/Amsterdam")).date().isoformat()
    lifting = {"reason": "accuracy_verified", "subject_told_on": told_on}
    lifted = client.post(f"/v1/restrictions/{restriction}/lifting", headers=privacy, json=lifting)
    assert lifted.status_code == 200 and lifted.json()["live"] is False
    assert client.get(read + "claim_assessment", headers=adviser).status_code == 200
    listed = client.get("/v1/restrictions", headers=privacy).json()
    assert [r["restriction_id"] for r in listed] == [restriction] and len(listed[0]["exceptions"]) == 1


# -- rectification and completion (R28) --------------------------------------------------------------------------
def test_a_rectification_over_http_keeps_the_old_value_and_appends_the_subjects_statement(served: Served) -> None:
    client, kluis, idp = served
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-7", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    privacy, adviser = idp.bearer("pia", "privacy_officer"), idp.bearer("dr.jansen", "medical_adviser")
    with kluis.sessions() as session:
        record_id = session.scalar(sa.text("SELECT id FROM records"))
    request_id = _request_id(client, privacy, "rectification")
    client.post(
        f"/v1/subject-requests/{request_id}/identity", headers=privacy, json={"method": "digid", "reference": "D-3"}
    )
    record = f"/v1/records/{record_id}"
    patch = {"fields": {"summary": "CANARY-CORRECTED"}, "request_id": request_id}
    changed = client.patch(record + "?purpose=claim_assessment", headers=adviser, json=patch)
    assert changed.status_code == 200, changed.text
    statement = {"request_id": request_id, "statement": "CANARY-MY-WORDS"}
    added = client.post(record + "/statements?purpose=claim_assessment", headers=adviser, json=statement)
    assert added.status_code == 201 and "CANARY" not in added.text
    history = client.get(record + "/history?purpose=claim_assessment", headers=adviser)
    assert history.status_code == 200, history.text
    body = history.json()
    assert body["current"]["fields"] == {"summary": "CANARY-CORRECTED", "subject_statement_1": "CANARY-MY-WORDS"}
    assert [(v["version"], v["fields"], v["request_id"]) for v in body["versions"]] == [
        (1, {"summary": "CANARY-HTTP"}, request_id)
    ]
    forged = client.patch(
        record + "?purpose=claim_assessment", headers=adviser, json={"fields": {"subject_statement_2": "x"}}
    )
    assert forged.status_code == 422 and forged.headers["content-type"] == "application/problem+json"
    claims = client.get(record + "/history?purpose=claim_assessment", headers=idp.bearer("bram", "claims_handler"))
    assert claims.status_code in (403, 404) and "CANARY" not in claims.text


# -- copies of the medical file (R27) ----------------------------------------------------------------------------
def test_the_adviser_releases_a_copy_over_http_and_the_privacy_officer_sees_only_that_it_was(served: Served) -> None:
    client, kluis, idp = served
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-7", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    privacy, adviser = idp.bearer("pia", "privacy_officer"), idp.bearer("dr.jansen", "medical_adviser")
    request_id = _request_id(client, privacy, "access")
    client.post(
        f"/v1/subject-requests/{request_id}/identity", headers=privacy, json={"method": "digid", "reference": "D-4"}
    )
    path = f"/v1/subject-requests/{request_id}/medical-copy"
    order = {"recipient": "physician", "physician": {"name": "Dr. K. Bakker"}}
    assert client.post(path, headers=privacy, json=order).status_code == 403
    copy = client.post(path, headers=adviser, json=order)
    assert copy.status_code == 200, copy.text
    assert copy.json()["records"][0]["fields"] == {"summary": "CANARY-HTTP"}
    assert copy.headers["cache-control"] == "no-store"  # health content: no cache keeps a copy
    assert client.post(path, headers=adviser, json={"recipient": "physician"}).status_code == 422
    listed = client.get(f"/v1/subject-requests/{request_id}/medical-releases", headers=privacy)
    assert listed.status_code == 200 and listed.json()[0]["records_released"] == 1
    assert "CANARY" not in listed.text
    pdf = client.get(f"/v1/subject-requests/{request_id}/report.pdf?language=en", headers=privacy)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    letter = client.post(path.replace("medical-copy", "medical-copy.pdf") + "?language=en", headers=adviser, json=order)
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF-") and letter.headers["cache-control"] == "no-store"
