"""Plumbing with no domain words: database engines and sessions, the clock, SQL helpers, schema migration."""

from vault._kit.clock import Clock, SystemClock
from vault._kit.db import make_engine, make_sessionmaker, writer_lock
from vault._kit.migrations import current_revision, migrate
from vault._kit.privileges import grant_service_role, service_grants
from vault._kit.sql import chunks, fetch_all, is_uuid

__all__ = [
    "Clock",
    "SystemClock",
    "chunks",
    "current_revision",
    "fetch_all",
    "grant_service_role",
    "is_uuid",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "service_grants",
    "writer_lock",
]
