"""A break-glass use as the security officer reviews it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from vault.vocabulary import BreakGlassReason, ReviewOutcome, Role


class BreakGlassView(BaseModel):
    """``sealed``: the assignment row that gave the access still carries its MAC."""

    model_config = ConfigDict(frozen=True)

    use_id: int
    case_ref: str
    user_id: str
    role: Role
    reason: BreakGlassReason
    note: str
    opened_at: datetime
    ends_at: datetime
    outcome: ReviewOutcome | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    cleared_at: datetime | None
    sealed: bool
