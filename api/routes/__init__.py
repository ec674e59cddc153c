"""HTTP routes, one module per domain. Each route only authenticates, calls the vault and renders."""

from fastapi import APIRouter

from api.routes import assignments, audit, cases, health, records, unit

ROUTERS: tuple[APIRouter, ...] = (
    records.router,
    cases.router,
    assignments.router,
    unit.router,
    audit.router,
    health.router,
)

__all__ = ["ROUTERS"]
