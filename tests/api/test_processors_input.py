"""Processors over HTTP with bad input: a 4xx problem+json, never a 500 (from a review of the first version)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, make_settings
from tests.harness import Harness, open_harness
from vault import initialise

Served = tuple[TestClient, Harness, IdentityProvider]


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    idp = IdentityProvider(tmp_path)
    settings = make_settings(
        tmp_path,
        database_url,
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_file=idp.jwks_file,
        oidc_processors=["volmacht-y"],
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    with TestClient(create_app(settings, kluis.vault), raise_server_exceptions=False) as client:
        yield client, kluis, idp
    kluis.close()


@pytest.mark.parametrize(
    "period",
    [
        {"ends_at": "9999-12-31T23:30:00-05:00"},
        {"starts_at": "9999-12-31T23:30:00-05:00"},
        {"starts_at": "0001-01-01T00:30:00+05:00"},
    ],
)
def test_an_agreement_period_at_the_calendars_edge_is_a_4xx_problem(served: Served, period: dict[str, str]) -> None:
    client, _, idp = served
    body = {"processor": "volmacht-y", "reference": "VWO-1", "roles": ["claims_handler"], **period}
    response = client.post("/v1/processing-agreements", headers=idp.bearer("pia", "privacy_officer"), json=body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"


def test_a_registration_period_at_the_calendars_edge_is_a_4xx_problem(served: Served) -> None:
    """Pre-existing twin of the above (not new in ef57d4b): the unit register on the same input."""
    client, _, idp = served
    body = {"user_id": "henk", "role": "security_officer", "ends_at": "9999-12-31T23:30:00-05:00"}
    response = client.post("/v1/unit/members", headers=idp.bearer("kees", "key_admin"), json=body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_processor_registration_with_a_processor_that_is_not_configured_is_a_4xx(served: Served) -> None:
    client, _, idp = served
    body = {
        "user_id": "dr.x",
        "role": "medical_adviser",
        "credential": "12345678901",
        "credential_date": "2026-01-05T00:00:00+00:00",
        "processor": "bureau x",
    }
    response = client.post("/v1/unit/members", headers=idp.bearer("kees", "key_admin"), json=body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body["processor"] = "nobody-configured"
    response = client.post("/v1/unit/members", headers=idp.bearer("kees", "key_admin"), json=body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
