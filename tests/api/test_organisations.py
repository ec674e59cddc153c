"""Organisations (DOMAIN R47): which organisations a token may act for is configuration tied to the issuer, not the
token's word; no search, overview, export or decision crosses organisations."""

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

BUREAU = "advice-bureau"  # a second organisation this issuer may act for


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, Harness, IdentityProvider]]:
    idp = IdentityProvider(tmp_path)
    settings = make_settings(
        tmp_path,
        database_url,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_file=idp.jwks_file,
        oidc_organisations=["default", BUREAU],
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


def test_a_token_for_an_organisation_its_issuer_may_not_act_for_is_refused_and_audited(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    foreign = idp.bearer("sara", "security_officer", org="other-insurer")
    response = client.get("/v1/audit/events", headers=foreign)
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
    kluis.vault.close()  # flushes the aggregated refusals
    refused = [e for e in _events(kluis) if e["event_type"] == "auth.token"]
    assert refused[-1]["reason"] == "organisation_not_allowed" and refused[-1]["actor"]["user"] == "anonymous"


def test_a_security_officer_sees_only_the_own_organisations_events_and_cannot_export_the_shared_log(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    home = idp.bearer("sara", "security_officer")
    bureau = idp.bearer("bob", "security_officer", org=BUREAU)
    claims_home, claims_bureau = idp.bearer("anna", "claims_handler"), idp.bearer("ben", "claims_handler", org=BUREAU)
    question = {"subject_ref": "CUST-1", "question": "Fictional: can the claimant work?"}
    assert client.post("/v1/cases/H-1/referrals", headers=claims_home, json=question).status_code == 201
    assert client.post("/v1/cases/B-1/referrals", headers=claims_bureau, json=question).status_code == 201

    seen = client.get("/v1/audit/events?limit=500", headers=bureau).json()["events"]
    assert seen and {e["actor"]["organisation"] for e in seen} == {BUREAU}
    assert "H-1" not in {e["case_ref"] for e in seen}
    assert client.get("/v1/audit/events?user=anna", headers=bureau).json()["events"] == []
    assert client.get("/v1/audit/overview?user=anna", headers=bureau).json() == []
    assert client.get("/v1/audit/overview?user=anna", headers=home).json() != []

    # the shared chain holds every organisation's events: only the organisation running Kluis verifies and exports it
    assert client.get("/v1/audit/export", headers=bureau).status_code == 403
    assert client.get("/v1/audit/verify", headers=bureau).status_code == 403
    last = _events(kluis)[-1]
    assert last["reason"] == "other_organisation" and last["actor"]["organisation"] == BUREAU
    assert client.get("/v1/audit/verify", headers=home).json()["ok"] is True

    # the claims side of the bureau does not see, or close, the insurer's case
    assert client.get("/v1/cases/H-1?purpose=claim_assessment", headers=claims_bureau).status_code == 404
    assert client.post("/v1/cases/H-1/close", headers=claims_bureau).status_code == 404
