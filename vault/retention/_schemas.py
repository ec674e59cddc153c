"""What a retention run reports: every record whose period ran out, and what became of it (R36)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from vault.vocabulary import Category, HoldGround, RetentionDeferral

REPORT_FORMAT = "kluis.retention-report.v1"


class RetentionOutcome(StrEnum):
    SHREDDED = "shredded"  # its data keys are destroyed: no copy of its values opens any more
    WOULD_SHRED = "would_shred"  # a dry run: it would be shredded now
    DEFERRED = "deferred"  # kept for now, on the ground named
    REFUSED = "refused"  # the policy did not allow the erasure (its event says so)


class RetentionItem(BaseModel):
    """One record whose retention period has run: identifiers and metadata, never a value."""

    model_config = ConfigDict(frozen=True)

    record_id: str
    subject: str  # the pseudonym
    case_ref: str
    category: Category
    kind: str
    retention_class: str
    expired_on: date  # the first day it could be shredded
    outcome: RetentionOutcome
    ground: RetentionDeferral | None = None
    hold_ground: HoldGround | None = None  # the legal hold's own ground, for a deferral by a hold


class RetentionReport(BaseModel):
    """A run's machine-readable report (``kluis retention run --report``)."""

    model_config = ConfigDict(frozen=True)

    format: str = REPORT_FORMAT
    organisation: str
    started_at: datetime
    finished_at: datetime
    today: date  # the local date periods were counted to (Europe/Amsterdam)
    dry_run: bool
    records_examined: int  # records a live key still seals
    shredded: int
    would_shred: int
    deferred: int
    refused: int
    keys_destroyed: int
    items: list[RetentionItem]
