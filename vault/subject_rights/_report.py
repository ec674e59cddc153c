"""The subject access report (DOMAIN R25, R26; GDPR art. 15): per category what is held, for which purposes on which
legal bases, where it came from, who received what, how long it is kept, and the chronological access history in
the NEN 7513 shape. Built from identifiers and metadata only: field values never enter it (health content reaches a
report only when the medical adviser releases it, R27 — the slot says so until that exists).

The same document is the portability export (JSON, ``kluis.subject-report.v1``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from vault.config import OtherHolder
from vault.records import SubjectRecord
from vault.retention import RetentionSchedule
from vault.subject_rights._schemas import ReleaseView
from vault.vocabulary import Category

REPORT_FORMAT = "kluis.subject-report.v1"

# What the report states as the legal basis when the deployment configures none (KLUIS_LEGAL_BASES overrides, per
# "category" or "category:purpose"). The insurer's privacy statement is the authority; these follow the Dutch
# implementation act (UAVG) for insurers.
DEFAULT_LEGAL_BASES: Mapping[str, str] = {
    "health": "art. 9(2)(g) GDPR with art. 30(3)(b) UAVG: assessing the risk to insure and performing the insurance",
    "health:legal_claims": "art. 9(2)(f) GDPR: establishing, exercising or defending legal claims",
    "criminal": "art. 10 GDPR with art. 33 UAVG, under the Gedragscode Verwerking Persoonsgegevens Financiële "
    "Instellingen and its Protocol Incidentenwaarschuwingssysteem",
}


class NameDisclosure(StrEnum):
    """Why a report names the employees who accessed the data (left out by default, R26; CJEU C-579/21)."""

    SUBJECT_DISPUTES_ACCESS = "subject_disputes_access"  # the subject contests an access and needs to know who
    SUPERVISORY_AUTHORITY = "supervisory_authority"  # the Autoriteit Persoonsgegevens asks
    COURT_ORDER = "court_order"


class HeldRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    record_id: str
    case_ref: str
    kind: str
    origin: str
    purpose: str
    status: str
    created_at: datetime
    updated_at: datetime


class Disclosure(BaseModel):
    """Who received something about the subject: the claims dossier, an advice in non-medical terms."""

    model_config = ConfigDict(frozen=True)

    recipient: str
    case_ref: str | None  # None: not about one case (a copy of the medical file)
    what: str
    at: datetime
    named: str | None = None  # the physician the subject named, for a copy sent to them
    records: int | None = None  # how many records a copy held


class CategoryReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    category: Category
    records: list[HeldRecord]
    purposes: list[str]
    legal_bases: list[str]
    origins: list[str]
    recipients: list[Disclosure]
    retention: list[str]
    content: str  # where the content itself is to be had


class Access(BaseModel):
    """One audit event about the subject, as NEN 7513 ch. 9 lists it."""

    model_config = ConfigDict(frozen=True)

    at: str
    organisation: str
    processor: str | None
    roles: list[str]
    responsible_user: str | None
    user: str | None  # None unless the report discloses names, with a reason
    record_id: str | None
    case_ref: str | None
    category: str | None
    event_type: str
    action: str
    outcome: str
    purpose: str | None
    rule: str | None
    break_glass: bool


class SubjectReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    format: str
    organisation: str
    subject: str
    request_id: int
    generated_at: datetime
    categories: list[CategoryReport]
    access_history: list[Access]
    names_disclosed: NameDisclosure | None
    excluded: list[dict[str, str]]  # what was left out, each with its ground (R27: work notes, third-party data)
    other_holders: list[OtherHolder]


def build(
    *,
    organisation: str,
    subject: str,
    request_id: int,
    generated_at: datetime,
    records: Sequence[SubjectRecord],
    publications: Sequence[tuple[str, int, datetime, str]],
    events: Sequence[dict[str, Any]],
    names: NameDisclosure | None,
    other_holders: Sequence[OtherHolder],
    legal_bases: Mapping[str, str],
    schedule: RetentionSchedule,
    releases: Sequence[ReleaseView] = (),
) -> SubjectReport:
    bases = {**DEFAULT_LEGAL_BASES, **legal_bases}
    categories = [
        _category(
            category, [r for r in records if r.category == category.value], publications, bases, schedule, releases
        )
        for category in Category
        if any(r.category == category.value for r in records)
    ]
    return SubjectReport(
        format=REPORT_FORMAT,
        organisation=organisation,
        subject=subject,
        request_id=request_id,
        generated_at=generated_at,
        categories=categories,
        access_history=[_access(event, names is not None) for event in events],
        names_disclosed=names,
        excluded=[{**item, "release_id": str(r.release_id)} for r in releases for item in r.excluded],
        other_holders=list(other_holders),
    )


def _category(
    category: Category,
    records: Sequence[SubjectRecord],
    publications: Sequence[tuple[str, int, datetime, str]],
    bases: Mapping[str, str],
    schedule: RetentionSchedule,
    releases: Sequence[ReleaseView],
) -> CategoryReport:
    purposes = sorted({r.purpose for r in records})
    stated = [bases[key] for key in (category.value, *(f"{category.value}:{p}" for p in purposes)) if key in bases]
    cases = {r.case_ref for r in records}
    recipients = []
    if category is Category.HEALTH:  # advice is the medical unit's conclusion about health data
        recipients = [
            Disclosure(recipient=recipient, case_ref=case, what=f"advice in non-medical terms, version {v}", at=at)
            for case, v, at, recipient in publications
            if case in cases
        ] + [
            Disclosure(
                recipient=r.recipient.value,
                case_ref=None,
                what="a copy of the medical file, released by the medical adviser",
                at=r.released_at,
                named=None if r.physician is None else r.physician.name,
                records=r.records_released,
            )
            for r in releases
        ]
    classes = sorted({r.retention_class for r in records})
    return CategoryReport(
        category=category,
        records=[
            HeldRecord(
                record_id=r.record_id,
                case_ref=r.case_ref,
                kind=r.kind,
                origin=r.source,
                purpose=r.purpose,
                status=r.status,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
            for r in records
        ],
        purposes=purposes,
        legal_bases=list(dict.fromkeys(stated)),
        origins=sorted({r.source for r in records}),
        recipients=recipients,
        retention=[schedule.describe(category.value, name) for name in classes],
        content=(
            "released by the medical adviser on request (a copy for you or a physician you name)"
            if category is Category.HEALTH
            else "released by the criminal-data officer on request"
        ),
    )


def _access(event: dict[str, Any], names: bool) -> Access:
    actor = event.get("actor", {})
    return Access(
        at=event["occurred_at"],
        organisation=actor.get("organisation", ""),
        processor=actor.get("processor"),
        roles=list(actor.get("roles", [])),
        responsible_user=actor.get("responsible_user"),  # the accountable adviser, named as R26 asks
        user=actor.get("user") if names else None,
        record_id=event.get("record_id"),
        case_ref=event.get("case_ref"),
        category=event.get("category"),
        event_type=event["event_type"],
        action=event["action_code"],
        outcome=event["outcome"],
        purpose=event.get("purpose"),
        rule=event.get("rule"),
        break_glass=bool(event.get("break_glass", False)),
    )
