"""Liveness, readiness and metrics: unauthenticated, and they say nothing about the data."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import VaultDep
from api.metrics import exposition

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(vault: VaultDep) -> JSONResponse:
    """Ready when the database answers and the audit head is readable (no audit, no access)."""
    if not vault.ready():
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
def metrics() -> Response:
    """Request counts and latencies per route, decisions by outcome, refused tokens, audit commit latency, events
    per group commit, and the audit head beside the witnessed head: summed over all workers (api/metrics.py)."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
