"""The audit console's API for the security officer: search, overviews, verification, export. Every one of these
reads is itself decided by the policy and audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, VaultDep
from api.schemas import AuditPageOut, TallyOut, VerificationOut
from vault import AuditQuery

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Filter = Annotated[str | None, Query(max_length=128)]


@router.get("/events", response_model=AuditPageOut)
def search(
    actor: CurrentActor,
    vault: VaultDep,
    user: Filter = None,
    subject: Filter = None,
    case_ref: Filter = None,
    category: Filter = None,
    outcome: Filter = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPageOut:
    query = AuditQuery(
        user=user,
        subject=subject,
        case_ref=case_ref,
        category=category,
        outcome=outcome,
        since=since,
        until=until,
        before_seq=cursor,
        limit=limit,
    )
    page = vault.audit.search(actor, query)
    return AuditPageOut(events=page.events, next_cursor=page.next_cursor)


@router.get("/overview", response_model=list[TallyOut])
def overview(actor: CurrentActor, vault: VaultDep, user: Filter = None, subject: Filter = None) -> list[TallyOut]:
    return [TallyOut.model_validate(t) for t in vault.audit.overview(actor, user=user, subject=subject)]


@router.get("/verify", response_model=VerificationOut)
def verify(actor: CurrentActor, vault: VaultDep) -> VerificationOut:
    return VerificationOut.model_validate(vault.audit.verify(actor))


@router.get("/export")
def export(actor: CurrentActor, vault: VaultDep) -> StreamingResponse:
    """JSON lines (docs/FORMATS.md), streamed from the database: memory stays flat however long the log."""
    lines = (line.encode("ascii") + b"\n" for line in vault.audit.export(actor))
    return StreamingResponse(
        lines,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="kluis-audit.jsonl"'},
    )
