"""Processors over HTTP (DOMAIN R47): which processors an issuer's tokens may speak for is configuration
(KLUIS_OIDC_PROCESSORS), not the token's word; the privacy officer records and ends agreements at
/v1/processing-agreements; a processor's staff act only under one, and their events say so."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, make_settings
from tests.harness import Harness, open_harness
from vault import initialise

Served = tuple[TestClient, Harness, IdentityProvider]
VOLMACHT = "volmacht-y"


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    idp = IdentityProvider(tmp_path)
    settings = make_settings(
        tmp_path,
        database_url,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_file=idp.jwks_file,
        oidc_processors=[VOLMACHT],
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    with TestClient(create_app(settings, kluis.vault)) as client:
        yield client, kluis, idp
    kluis.close()


def _events(kluis: Harness) -> list[dict[str, Any]]:
    with kluis.sessions() as session:
        rows = session.execute(sa.text("SELECT body FROM audit_events ORDER BY seq")).scalars()
        return [json.loads(bytes(b)) for b in rows]


@pytest.mark.parametrize(
    ("processor", "reason"), [("bureau-unknown", "processor_not_allowed"), (["volmacht-y"], "malformed_processor")]
)
def test_a_token_for_a_processor_its_issuer_does_not_speak_for_is_refused_and_audited(
    served: Served, processor: object, reason: str
) -> None:
    client, kluis, idp = served
    response = client.get(
        "/v1/cases/C-1?purpose=claim_assessment", headers=idp.bearer("henk", "claims_handler", processor=processor)
    )
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
    kluis.vault.close()  # flushes the aggregated refusals
    refused = [e for e in _events(kluis) if e["event_type"] == "auth.token"]
    assert refused[-1]["reason"] == reason


def test_the_privacy_officer_records_an_agreement_and_the_volmacht_holder_works_under_it(served: Served) -> None:
    client, kluis, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    handler = idp.bearer("henk", "claims_handler", processor=VOLMACHT)
    question = {"subject_ref": "CUST-1", "question": "Fictional: can the claimant work?"}
    assert client.post("/v1/cases/C-1/referrals", headers=idp.bearer("anna", "claims_handler"), json=question)

    before = client.get("/v1/cases/C-1?purpose=claim_assessment", headers=handler)
    assert before.status_code == 404  # no agreement yet: the token counts for nothing

    body = {"processor": VOLMACHT, "reference": "VWO-2026-014", "roles": ["claims_handler"]}
    made = client.post("/v1/processing-agreements", headers=privacy, json=body)
    assert made.status_code == 201, made.text
    agreement = made.json()
    assert agreement["live"] and agreement["roles"] == ["claims_handler"]
    assert client.post("/v1/processing-agreements", headers=privacy, json=body).status_code == 409  # one at a time

    assert client.get("/v1/cases/C-1?purpose=claim_assessment", headers=handler).status_code == 200
    viewed = [e for e in _events(kluis) if e["event_type"] == "case.view"]
    assert viewed[-1]["actor"]["processor"] == VOLMACHT and viewed[-1]["actor"]["agreement"] == "VWO-2026-014"
    assert viewed[0]["reason"] == "no_processing_agreement"

    listed = client.get(
        f"/v1/processing-agreements?processor={VOLMACHT}", headers=idp.bearer("sara", "security_officer")
    )
    assert [a["reference"] for a in listed.json()] == ["VWO-2026-014"]
    ended = client.delete(f"/v1/processing-agreements/{agreement['agreement_id']}", headers=privacy)
    assert ended.status_code == 200 and ended.json()["ended_by"] == "pia"
    assert client.get("/v1/cases/C-1?purpose=claim_assessment", headers=handler).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"processor": VOLMACHT, "reference": "VWO-1", "roles": ["key_admin"]},
        {"processor": VOLMACHT, "reference": "VWO-1", "roles": []},
        {"processor": "no spaces", "reference": "VWO-1", "roles": ["claims_handler"]},
        {"processor": VOLMACHT, "reference": "VWO-1", "roles": ["claims_handler"], "ends_at": "2027-01-01T00:00:00"},
        {"processor": VOLMACHT, "reference": "VWO-1", "roles": ["claims_handler"], "extra": 1},
    ],
)
def test_a_malformed_agreement_is_422_and_records_nothing(served: Served, body: dict[str, Any]) -> None:
    client, _, idp = served
    privacy = idp.bearer("pia", "privacy_officer")
    response = client.post("/v1/processing-agreements", headers=privacy, json=body)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/processing-agreements", headers=privacy).json() == []


def test_only_the_privacy_officer_records_agreements(served: Served) -> None:
    client, _, idp = served
    body = {"processor": VOLMACHT, "reference": "VWO-1", "roles": ["claims_handler"]}
    for role in ("key_admin", "security_officer", "claims_handler"):
        assert client.post("/v1/processing-agreements", headers=idp.bearer("x", role), json=body).status_code == 403
    assert client.get("/v1/processing-agreements", headers=idp.bearer("c", "claims_handler")).status_code == 403
    assert client.delete("/v1/processing-agreements/0", headers=idp.bearer("pia", "privacy_officer")).status_code == 422
