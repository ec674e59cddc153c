"""The data subject's rights over HTTP (DOMAIN R24, R29, R32): the privacy officer registers a request, records the
identity check, erases on it (200 with a signed receipt, or 202 when a legal hold defers it), and nobody else can."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import Harness, open_harness
from vault import Category, NewRecord, Purpose, initialise, receipt_signed

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
