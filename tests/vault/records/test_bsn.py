"""The BSN (DOMAIN R33, UAVG art. 46): a record holds one only in its ``bsn`` field, on a kind for which a legal
basis is configured, only a number passing the 11-test, and sealed like any value; every refusal is clear and never
echoes the number; the audit event names the field, never the value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from tests.conftest import actor, make_settings
from tests.harness import REGISTRAR, Harness, register
from vault import BsnBasis, Category, InvalidInput, NewRecord, Purpose, Role, Settings, import_lines

VALID = "111222333"  # passes the 11-test (fictional)
INVALID = "111222334"
IMPORTER = actor("op", "importer")
ADVISER = actor("dr.jansen", "medical_adviser")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, bsn_fields={"health:income_benefit": BsnBasis.WET_IB_2001})


def _new(kind: str, fields: dict[str, str]) -> NewRecord:
    return NewRecord(
        subject_ref="CUST-1",
        case_ref="C-1",
        category=Category.HEALTH,
        kind=kind,
        fields=fields,
        source="payroll",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )


def _bodies(kluis: Harness) -> str:
    with kluis.sessions() as session:
        return "\n".join(bytes(b).decode() for b in session.scalars(sa.text("SELECT body FROM audit_events")))


def test_a_configured_kind_holds_a_valid_bsn_sealed_and_its_event_names_only_the_field(kluis: Harness) -> None:
    created = kluis.vault.records.create(IMPORTER, _new("income_benefit", {"bsn": VALID, "amount": "1200"}))
    with kluis.sessions() as session:
        stored = [bytes(c) for c in session.scalars(sa.text("SELECT ciphertext FROM record_fields"))]
        rows = " ".join(str(r) for r in session.execute(sa.text("SELECT * FROM records")).all())
    assert all(VALID.encode() not in c for c in stored) and VALID not in rows
    assert VALID not in _bodies(kluis)
    event = json.loads(_bodies(kluis).splitlines()[-1])
    assert event["event_type"] == "record.create" and "bsn" in event["fields"]
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    view = kluis.vault.records.read(ADVISER, created.record_id, Purpose.CLAIM_ASSESSMENT)
    assert view.fields["bsn"] == VALID
    assert kluis.vault.records.bsn_fields.basis("health", "income_benefit") is BsnBasis.WET_IB_2001


def test_a_bsn_on_another_kind_or_failing_the_11_test_is_refused_without_echo(kluis: Harness) -> None:
    for kind, number, why in (
        ("medical_report", VALID, "no legal basis is configured"),
        ("income_benefit", INVALID, "no valid BSN"),
    ):
        with pytest.raises(InvalidInput, match=why) as refused:
            kluis.vault.records.create(IMPORTER, _new(kind, {"bsn": number}))
        assert number not in str(refused.value)
    with kluis.sessions() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM records")) == 0


def test_no_other_field_is_named_for_a_bsn_whatever_the_kind() -> None:
    for name in ("partner_bsn", "burgerservicenummer", "sofinummer", "bsn_2"):
        with pytest.raises(ValidationError, match="no field is named for a BSN"):
            _new("income_benefit", {name: VALID})


def test_an_update_adding_a_bsn_to_an_unconfigured_kind_is_denied_and_audited(kluis: Harness) -> None:
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    created = kluis.vault.records.create(IMPORTER, _new("medical_report", {"summary": "Fictional"}))
    with pytest.raises(InvalidInput, match="no legal basis"):
        kluis.vault.records.update(ADVISER, created.record_id, Purpose.CLAIM_ASSESSMENT, {"bsn": VALID})
    event = json.loads(_bodies(kluis).splitlines()[-1])
    assert (event["event_type"], event["outcome"], event["reason"]) == ("record.update", "denied", "no_bsn_basis")
    assert VALID not in _bodies(kluis)


def test_an_import_line_with_a_bsn_on_an_unconfigured_kind_is_reported_by_number(kluis: Harness) -> None:
    lines = [
        json.dumps(_new("income_benefit", {"bsn": VALID}).model_dump(mode="json")).encode(),
        json.dumps(_new("medical_report", {"bsn": VALID}).model_dump(mode="json")).encode(),
    ]
    report = import_lines(kluis.vault.records, IMPORTER, lines)
    assert report.imported == 1 and [n for n, _ in report.malformed] == [2]
    assert VALID not in report.malformed[0][1]


def test_the_configuration_is_keyed_by_category_and_kind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    for bad in ({"income_benefit": "wet_ib_2001"}, {"health:Income": "wet_ib_2001"}, {"health:x": "no_such_law"}):
        with pytest.raises(ValidationError):
            make_settings(tmp_path, url, bsn_fields=bad)


def test_a_change_takes_no_field_name_a_create_would_refuse(kluis: Harness) -> None:
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    kluis.vault.assignments.assign(REGISTRAR, case_ref="C-1", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    created = kluis.vault.records.create(IMPORTER, _new("medical_report", {"summary": "Fictional"}))
    for name in ("partner_bsn", f"n{VALID}", "Bad Name!"):
        with pytest.raises(InvalidInput, match="field name") as refused:
            kluis.vault.records.update(ADVISER, created.record_id, Purpose.CLAIM_ASSESSMENT, {name: "x"})
        assert VALID not in str(refused.value)
    assert VALID not in _bodies(kluis)
