"""The audit console's API for the security officer: search, overviews, verification, export. Every one of these
reads is itself decided by the policy and audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import CurrentActor, KluisDep
from api.schemas import AuditPageOut, TallyOut, VerificationOut
from vault import audit_review
from vault.audit_search import AuditQuery
from vault.bootstrap import Kluis
from vault.errors import InvalidInput
from vault.vocabulary import Resource

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
    kluis.vault.authorize_operation(actor, Resource.AUDIT_LOG, "audit.verify")
    with kluis.read_sessions() as session:
        result = audit_review.verify_stored(
            session, kluis.keyring.audit_signer().public_bytes(), kluis.audit.checkpoint_interval
        )
    kluis.vault.record_outcome(
        actor, "audit.verify", "ok" if result.ok else "failed", result.problem or f"{result.events} events"
    )
    return VerificationOut.model_validate(result)


@router.get("/export")
def export(actor: CurrentActor, kluis: KluisDep) -> StreamingResponse:
    """JSON lines (docs/FORMATS.md), streamed from the database: memory stays flat however long the log."""
    kluis.vault.authorize_operation(actor, Resource.AUDIT_LOG, "audit.export")
    with kluis.sessions() as session, session.begin():
        kluis.audit.seal_head(session)
    return StreamingResponse(
        _lines(kluis),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="kluis-audit.jsonl"'},
    )


def _lines(kluis: Kluis) -> Iterator[bytes]:
    with kluis.read_sessions() as session:
        for line in audit_review.export(session, kluis.keyring.audit_signer().public_bytes()):
            yield line.encode("ascii") + b"\n"
