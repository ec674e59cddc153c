"""`kluis demo`: a fictional insurer in a fresh data directory — subjects, cases referred to the unit, health and
criminal records, published advice — and a dev token per persona. Dev mode only; every name here is made up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.auth import dev_token
from vault import (
    Actor,
    AdviceInput,
    BreakGlassReason,
    Category,
    CausalLink,
    Conclusion,
    NewRecord,
    Purpose,
    Registration,
    Role,
    Settings,
    Vault,
)


@dataclass(frozen=True)
class Persona:
    user: str
    role: Role
    says: str


PERSONAS = [
    Persona("anna.claims", Role.CLAIMS_HANDLER, "claims handler: case view and references, never a value"),
    Persona(
        "dr.jansen", Role.MEDICAL_ADVISER, "medical adviser: reads and writes the health records of CLAIM-2026-001"
    ),
    Persona("nurse.bakker", Role.MEDICAL_STAFF, "medical staff under dr.jansen (the register names him responsible)"),
    Persona("cor.integrity", Role.CRIMINAL_DATA_OFFICER, "criminal-data officer on APP-2026-042"),
    Persona("dr.devries", Role.MEDICAL_ADVISER, "on-call adviser: broke the glass on CLAIM-2026-001, awaiting review"),
    Persona("sara.security", Role.SECURITY_OFFICER, "security officer: the audit log and break-glass reviews"),
    Persona("kees.keys", Role.KEY_ADMIN, "key admin: the unit register, assignments and keys, never data"),
]


_CHECKED = datetime(2026, 1, 5, tzinfo=UTC)
_NEXT_WEEK = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=7)
# The unit register (R3): what makes the personas' token roles count. Every number and reference is fictional.
UNIT = [
    Registration(user_id="dr.jansen", role=Role.MEDICAL_ADVISER, credential="19012345601", credential_date=_CHECKED),
    Registration(
        user_id="nurse.bakker",
        role=Role.MEDICAL_STAFF,
        credential="GHO-2026-014",
        credential_date=_CHECKED,
        supervisor="dr.jansen",
    ),
    Registration(
        user_id="cor.integrity",
        role=Role.CRIMINAL_DATA_OFFICER,
        credential="AUTH-VZ-2026-3",
        credential_date=_CHECKED,
    ),
    Registration(user_id="dr.devries", role=Role.MEDICAL_ADVISER, credential="49012345602", credential_date=_CHECKED),
    Registration(user_id="sara.security", role=Role.SECURITY_OFFICER),
]


def _actor(settings: Settings, persona: Persona) -> Actor:
    return Actor(user=persona.user, roles=(persona.role.value,), organisation=settings.organisation, client="demo")


def seed(vault: Vault) -> dict[str, str]:
    """Create the demo data through the service, like any user would. Returns names of interesting ids, which it
    also keeps in the data directory so that a later run can print them without reading the vault."""
    settings = vault.settings
    claims, adviser, staff, officer, on_call, _, admin = (_actor(settings, p) for p in PERSONAS)
    for registration in UNIT:
        vault.unit.register(admin, registration)
    vault.cases.refer(
        claims, "CLAIM-2026-001", "CUST-1001", "Fictional: are the neck complaints caused by the accident?"
    )
    vault.assignments.assign(admin, case_ref="CLAIM-2026-001", user_id="dr.jansen", role=Role.MEDICAL_ADVISER)
    vault.assignments.assign(adviser, case_ref="CLAIM-2026-001", user_id="nurse.bakker", role=Role.MEDICAL_STAFF)
    vault.assignments.assign(admin, case_ref="APP-2026-042", user_id="cor.integrity", role=Role.CRIMINAL_DATA_OFFICER)
    report = vault.records.create(
        adviser,
        NewRecord(
            subject_ref="CUST-1001",
            case_ref="CLAIM-2026-001",
            category=Category.HEALTH,
            kind="medical_report",
            fields={
                "summary": "Fictional: whiplash grade II, physiotherapy for six weeks",
                "treating_physician": "Fictional GP A. de Vries",
            },
            source="GP under consent C-17",
            purpose=Purpose.CLAIM_ASSESSMENT,
        ),
    )
    vault.records.create(
        staff,
        NewRecord(
            subject_ref="CUST-1001",
            case_ref="CLAIM-2026-001",
            category=Category.HEALTH,
            kind="phone_note",
            fields={"note": "Fictional: claimant reports improvement"},
            source="phone call",
            purpose=Purpose.CLAIM_ASSESSMENT,
        ),
    )
    vault.records.create(
        officer,
        NewRecord(
            subject_ref="CUST-2002",
            case_ref="APP-2026-042",
            category=Category.CRIMINAL,
            kind="declared_fact",
            fields={"fact": "Fictional: traffic offence", "fact_date": "2021-03-01"},
            source="applicant",
            purpose=Purpose.ACCEPTANCE,
        ),
    )
    vault.cases.publish_advice(
        adviser,
        "CLAIM-2026-001",
        AdviceInput(
            conclusion=Conclusion.PARTLY_COVERED,
            causal_link=CausalLink.PARTLY,
            causal_link_percentage=60,
            restrictions=["no lifting above 10 kg", "at most 4 hours of screen work a day"],
            explanation="The complaints are partly explained by the accident; re-assess in three months.",
        ),
        Purpose.CLAIM_ASSESSMENT,
    )
    vault.delegations.delegate(  # dr.jansen is away next week: dr.devries covers his claim
        adviser, "dr.devries", starts_at=_NEXT_WEEK, ends_at=_NEXT_WEEK + timedelta(days=7), case_ref="CLAIM-2026-001"
    )
    vault.break_glass.open(
        on_call,
        "CLAIM-2026-001",
        BreakGlassReason.ADVISER_UNAVAILABLE,
        "Fictional: dr.jansen unreachable, the claimant waits for an answer today.",
        minutes=30,
    )
    ids = {"record_id": report.record_id, "reference": report.reference}
    _ids_file(settings).write_text(json.dumps(ids))
    return ids


def tokens(settings: Settings) -> dict[str, str]:
    return {
        p.user: dev_token(settings, p.user, [p.role.value])  # the responsible adviser comes from the register
        for p in PERSONAS
    }


def demo_ids(settings: Settings) -> dict[str, str] | None:
    """The demo's medical report, as remembered by the first run (nothing is read from the vault)."""
    try:
        return {k: str(v) for k, v in json.loads(_ids_file(settings).read_text()).items()}
    except (OSError, ValueError):
        return None


def _ids_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-ids.json"
