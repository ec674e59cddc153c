"""Strong authentication (DOMAIN R38): where the deployment requires it (by default in production for every data
role), a data role counts only for a token whose holder authenticated with several factors; every event records the
strength used."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import Harness, enrol, open_harness
from vault import AuthStrength, Category, NewRecord, NotFound, Purpose, Role, Settings, initialise
from vault.vocabulary import DATA_ROLES

ADVISER = actor("dr.jansen", "medical_adviser")


@pytest.fixture
def strict(tmp_path: Path, database_url: str) -> Iterator[Harness]:
    settings = make_settings(tmp_path, database_url, multi_factor_roles=["medical_adviser", "criminal_data_officer"])
    initialise(settings, OPERATOR)
    running = open_harness(settings)
    yield running
    running.close()


def _last(kluis: Harness) -> dict[str, Any]:
    with kluis.sessions() as session:
        body = session.scalar(sa.text("SELECT body FROM audit_events ORDER BY seq DESC LIMIT 1"))
    return dict(json.loads(bytes(body)))


def _record(kluis: Harness) -> str:
    enrol(kluis.vault, "C-1", "dr.jansen", Role.MEDICAL_ADVISER, by=OPERATOR)
    new = NewRecord(
        subject_ref="S-1",
        case_ref="C-1",
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": "CANARY-MFA"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


@pytest.mark.parametrize("strength", [AuthStrength.UNKNOWN, AuthStrength.SINGLE_FACTOR])
def test_a_role_that_needs_multi_factor_counts_for_nothing_without_it(strict: Harness, strength: AuthStrength) -> None:
    record = _record(strict)
    with pytest.raises(NotFound):
        strict.vault.records.read(replace(ADVISER, auth_strength=strength), record, Purpose.CLAIM_ASSESSMENT)
    last = _last(strict)
    assert last["outcome"] == "denied" and last["reason"] == "weak_authentication"
    assert last["actor"]["auth_strength"] == strength.value and last["actor"]["roles"] == []


def test_with_multi_factor_the_role_counts_and_the_event_records_the_strength(strict: Harness) -> None:
    record = _record(strict)
    strong = replace(ADVISER, auth_strength=AuthStrength.MULTI_FACTOR)
    assert strict.vault.records.read(strong, record, Purpose.CLAIM_ASSESSMENT).fields == {"summary": "CANARY-MFA"}
    last = _last(strict)
    assert last["outcome"] == "allowed" and last["actor"]["auth_strength"] == "multi_factor"


def test_a_role_the_deployment_does_not_name_needs_no_second_factor(strict: Harness) -> None:
    _record(strict)
    enrol(strict.vault, "C-1", "nurse.b", Role.MEDICAL_STAFF, by=OPERATOR)
    staff = actor("nurse.b", "medical_staff")  # single factor, and staff are not in multi_factor_roles here
    assert strict.vault.cases.view(staff, "C-1", Purpose.CLAIM_ASSESSMENT).records


def test_production_requires_multi_factor_for_every_data_role_unless_told_otherwise(tmp_path: Path) -> None:
    production = Settings(environment="production", data_dir=tmp_path)
    assert production.effective_multi_factor_roles == DATA_ROLES
    assert Settings(data_dir=tmp_path).effective_multi_factor_roles == frozenset()
    chosen = Settings(environment="production", data_dir=tmp_path, multi_factor_roles=[Role.MEDICAL_ADVISER])
    assert chosen.effective_multi_factor_roles == {Role.MEDICAL_ADVISER}
