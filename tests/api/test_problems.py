"""Every core error has its problem+json answer, and lawful states answer as such: erased data are 410 Gone."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import vault.errors
from api.app import create_app
from api.problems import STATUS
from tests.api.support import AUDIENCE, ISSUER, IdentityProvider
from tests.conftest import OPERATOR, make_settings
from tests.harness import Harness, enrol, open_harness
from vault import Category, NewRecord, Purpose, Role, VaultError, initialise


def _core_errors() -> list[type[VaultError]]:
    return [c for _, c in inspect.getmembers(vault.errors, inspect.isclass) if issubclass(c, VaultError)]


@pytest.mark.parametrize("error", _core_errors(), ids=lambda c: c.__name__)
def test_every_core_error_class_has_its_own_problem_mapping(error: type[VaultError]) -> None:
    assert error in STATUS
    status, title = STATUS[error]
    assert 400 <= status < 600 and title


def test_lawful_states_are_not_server_errors() -> None:
    assert STATUS[vault.errors.Erased][0] == 410
    assert STATUS[vault.errors.ConsentRequired][0] == 409


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[TestClient, Harness, IdentityProvider]]:
    idp = IdentityProvider(tmp_path)
    settings = make_settings(
        tmp_path, database_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_file=idp.jwks_file
    )
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    with TestClient(create_app(settings, kluis.vault)) as client:
        yield client, kluis, idp
    kluis.close()


def test_an_erased_record_is_410_gone_with_an_erased_event(
    served: tuple[TestClient, Harness, IdentityProvider],
) -> None:
    client, kluis, idp = served
    enrol(kluis.vault, "C-1", "dr.a", Role.MEDICAL_ADVISER, by=OPERATOR)
    adviser = idp.bearer("dr.a", "medical_adviser")
    new = NewRecord(
        subject_ref="S-1",
        case_ref="C-1",
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY-ERASED-77"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    created = kluis.vault.records.create(kluis.vault.as_operator("test", "importer"), new)
    with kluis.engine.begin() as connection:  # crypto-shredding, as erasure will do it
        connection.execute(sa.text("UPDATE data_keys SET wrapped = NULL"))
    response = client.get(f"/v1/records/{created.record_id}?purpose=claim_assessment", headers=adviser)
    assert response.status_code == 410
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kluis:problem:erased" and "CANARY" not in response.text
    with kluis.sessions() as session:
        last = json.loads(bytes(session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))))
    assert last["outcome"] == "erased" and last["record_id"] == created.record_id
