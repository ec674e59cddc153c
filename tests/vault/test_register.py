"""The processing register (DOMAIN R45, GDPR art. 30(1)): one entry per category, generated from what runs — the
policy's purposes, the retention schedule, the BSN bases, the processors under agreement, the KEK versions — and
flagging what only configuration can say when it is missing; exported by the privacy officer only, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.register_document import register_html
from tests.conftest import actor, make_settings
from tests.harness import Harness
from vault import AccessDenied, BsnBasis, Category, NewAgreement, NewRecord, Purpose, Role, Settings
from vault.config import DEFAULT_RETENTION_RULES, RegisterParty, RetentionRule
from vault.vocabulary import RetentionClass

PRIVACY = actor("pia", "privacy_officer")
KEYS = actor("kai", "key_admin")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    liability = RetentionRule(
        category=Category.HEALTH,
        retention_class=RetentionClass.LIABILITY,
        years=20,
        kinds=["injury_report"],
        basis="BW 3:310 lid 2",
    )
    return make_settings(
        tmp_path,
        database_url,
        retention_rules=[*DEFAULT_RETENTION_RULES, liability],
        bsn_fields={"health:income_benefit": BsnBasis.WET_IB_2001},
        register_controller=RegisterParty(name="Verzekeraar <A> N.V.", contact="privacy@example.invalid"),
    )


def test_each_category_entry_is_generated_from_what_runs(kluis: Harness) -> None:
    kluis.vault.records.create(
        actor("op", "importer"),
        NewRecord(
            subject_ref="CUST-1",
            case_ref="C-1",
            category=Category.HEALTH,
            kind="medical_report",
            fields={"summary": "Fictional"},
            source="GP",
            purpose=Purpose.CLAIM_ASSESSMENT,
        ),
    )
    kluis.vault.processors.record(
        PRIVACY, NewAgreement(processor="bureau-x", reference="VWO-2026-014", roles=[Role.MEDICAL_ADVISER])
    )
    register = kluis.vault.register.export(PRIVACY)
    health, criminal = register.categories
    assert (health.category, criminal.category) == (Category.HEALTH, Category.CRIMINAL)
    assert set(health.purposes) == {"acceptance", "claim_assessment", "legal_claims"}  # the policy's, not a list
    assert "marketing" not in health.purposes + criminal.purposes
    assert "security_integrity" in criminal.purposes and "claim_assessment" not in criminal.purposes
    assert "records of kind medical_report" in health.data and not any("medical_report" in d for d in criminal.data)
    assert [(r.retention_class, r.period) for r in health.retention] == [
        ("case_file", "7 years after the case closes"),
        ("liability", "20 years after the case closes"),
    ]
    assert health.bsn == ["income_benefit: wet_ib_2001"] and criminal.bsn == []
    assert any("Belastingdienst" in r for r in health.recipients)
    assert [(p.processor, p.agreement, p.live) for p in health.processors] == [("bureau-x", "VWO-2026-014", True)]
    assert criminal.processors == []  # the agreement covers no criminal-data role
    assert health.security.kek_versions == [1] and health.security.audit_retention_years == 5
    assert register.incomplete == ["the data protection officer (KLUIS_REGISTER_DPO)"]
    kluis.vault.keys.rotate(KEYS, Category.HEALTH)
    assert kluis.vault.register.export(PRIVACY).categories[0].security.kek_versions == [1, 2]  # live, not written
    with kluis.sessions() as session:
        events = [json.loads(bytes(b)) for b in session.scalars(sa.text("SELECT body FROM audit_events"))]
    exports = [e for e in events if e["event_type"] == "register.export"]
    assert len(exports) == 2 and {e["outcome"] for e in exports} == {"allowed"}


def test_only_the_privacy_officer_exports_the_register(kluis: Harness) -> None:
    for someone in (KEYS, actor("sol", "security_officer"), actor("dr.jansen", "medical_adviser")):
        with pytest.raises(AccessDenied):
            kluis.vault.register.export(someone)


def test_the_readable_document_escapes_what_configuration_says(kluis: Harness, tmp_path: Path) -> None:
    html = register_html(kluis.vault.register.export(PRIVACY))
    assert "Verzekeraar &lt;A&gt; N.V." in html and "<A>" not in html
    assert "Processing register" in html and "not configured" in html  # the DPO
    assert "20 years after the case closes" in html
