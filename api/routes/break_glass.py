"""Break-glass (DOMAIN R37): a unit member opens a case without an assignment; the security officer sees each use at
once, reviews it and clears not-justified findings. The vault decides, checks and audits every call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from api.deps import CurrentActor, VaultDep
from api.routes._params import CaseRef
from api.schemas._common import Strict
from vault import USER_ID_PATTERN, BreakGlassReason, BreakGlassView, Purpose, ReviewOutcome

router = APIRouter(prefix="/v1", tags=["break-glass"])
UseId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Note = Annotated[str, Field(min_length=10, max_length=500)]


class BreakGlassIn(Strict):
    reason: BreakGlassReason
    note: Note  # why, in the member's own words: kept with the use, never in an audit event
    purpose: Purpose = Purpose.CLAIM_ASSESSMENT
    minutes: Annotated[int | None, Field(ge=1, le=480)] = None


class ReviewIn(Strict):
    outcome: ReviewOutcome
    note: Note


class ClearIn(Strict):
    user: Annotated[str, Field(min_length=1, max_length=128, pattern=USER_ID_PATTERN)]


class ClearedOut(BaseModel):
    cleared: int


@router.post("/cases/{case_ref}/break-glass", status_code=status.HTTP_201_CREATED, response_model=BreakGlassView)
def open_case(case_ref: CaseRef, body: BreakGlassIn, actor: CurrentActor, vault: VaultDep) -> BreakGlassView:
    return vault.break_glass.open(actor, case_ref, body.reason, body.note, purpose=body.purpose, minutes=body.minutes)


@router.get("/break-glass", response_model=list[BreakGlassView])
def uses(
    actor: CurrentActor,
    vault: VaultDep,
    all: Annotated[bool, Query(description="include reviewed uses")] = False,
    user: Annotated[str | None, Query(min_length=1, max_length=128, pattern=USER_ID_PATTERN)] = None,
) -> list[BreakGlassView]:
    """The security officer's alerts: uses awaiting review (or all)."""
    return vault.break_glass.uses(actor, pending_only=not all, user_id=user)


@router.post("/break-glass/{use_id}/review", response_model=BreakGlassView)
def review(use_id: UseId, body: ReviewIn, actor: CurrentActor, vault: VaultDep) -> BreakGlassView:
    return vault.break_glass.review(actor, use_id, body.outcome, body.note)


@router.post("/break-glass/clear", response_model=ClearedOut)
def clear(body: ClearIn, actor: CurrentActor, vault: VaultDep) -> ClearedOut:
    """Clear a user's not-justified findings, so they may break glass again."""
    return ClearedOut(cleared=vault.break_glass.clear(actor, body.user))
