"""The audit console's API for the security officer: search, overviews, verification, export. Every one of these
reads is itself decided by the policy and audited."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, KluisDep
from api.schemas import AuditPageOut, TallyOut, VerificationOut
from vault.audit_search import AuditQuery
from vault.errors import InvalidInput

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Filter = Annotated[str | None, Query(max_length=128)]


@router.get("/events", response_model=AuditPageOut)
def search(
    actor: CurrentActor,
    kluis: KluisDep,
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
    page = kluis.vault.search_audit(actor, query)
    return AuditPageOut(events=page.events, next_cursor=page.next_cursor)


@router.get("/overview", response_model=list[TallyOut])
def overview(actor: CurrentActor, kluis: KluisDep, user: Filter = None, subject: Filter = None) -> list[TallyOut]:
    if (user is None) == (subject is None):
        raise InvalidInput("give exactly one of user or subject")
    return [TallyOut.model_validate(t) for t in kluis.vault.audit_overview(actor, user=user, subject=subject)]


@router.get("/verify", response_model=VerificationOut)
def verify(actor: CurrentActor, kluis: KluisDep) -> VerificationOut:
    return VerificationOut.model_validate(kluis.vault.verify_audit(actor))


@router.get("/export")
def export(actor: CurrentActor, kluis: KluisDep) -> StreamingResponse:
    """JSON lines (docs/FORMATS.md), streamed from the database: memory stays flat however long the log."""
    lines = (line.encode("ascii") + b"\n" for line in kluis.vault.export_audit(actor))
    return StreamingResponse(
        lines,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="kluis-audit.jsonl"'},
    )
