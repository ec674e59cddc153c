"""Audit review bodies for the security officer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditPageOut(BaseModel):
    events: list[dict[str, object]]
    next_cursor: int | None


class TallyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str | None
    event_type: str
    outcome: str
    count: int
    first: datetime
    last: datetime


class VerificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ok: bool
    events: int
    last_seq: int
    checkpoints: int
    unsigned_tail: int
    problem: str | None
    first_bad_seq: int | None
    detail: str
