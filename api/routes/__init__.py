"""HTTP routes, one module per domain. Each route only authenticates, calls the vault and renders."""

from fastapi import APIRouter

from api.routes import (
    assignments,
    audit,
    break_glass,
    cases,
    delegations,
    health,
    processors,
    records,
    subjects,
    unit,
)

ROUTERS: tuple[APIRouter, ...] = (
    records.router,
    cases.router,
    assignments.router,
    unit.router,
    break_glass.router,
    delegations.router,
    processors.router,
    subjects.router,
    audit.router,
    health.router,
)

__all__ = ["ROUTERS"]
