"""What the case operations return: a referral, the case view the claims dossier sees, published advice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vault.records import RecordSummary


@dataclass(frozen=True, slots=True)
class Referral:
    case_ref: str
    reference: str  # of the sealed question, which the claims side cannot read back
    status: str


@dataclass(frozen=True, slots=True)
class PublishedAdvice:
    version: int
    published_at: datetime
    fields: dict[str, object]


@dataclass(frozen=True, slots=True)
class CaseView:
    case_ref: str
    status: str | None
    referred_at: datetime | None
    records: list[RecordSummary]
    advice: PublishedAdvice | None
    advice_history: list[tuple[int, datetime]]
    advice_restricted: bool = False  # the subject's health data on this case are restricted: no advice is shown
