"""Shared benchmark plumbing: a fresh Kluis on a scratch database, seen from inside the trust boundary (as a
database administrator or the key custodian could), timers and percentiles. Self-contained: bench imports no tests."""

from __future__ import annotations

import gc
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vault import Actor, Clock, Settings, Vault, initialise, open_vault
from vault.access import AccessGuard, Policy
from vault.audit._log import AuditLog
from vault.keys import KeyProvider

OPERATOR = Actor(user="operator:bench", roles=("key_admin",), organisation="default")


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # what, ours, baseline, ratio
    notes: list[str] = field(default_factory=list)


@dataclass
class Kluis:
    """A running vault, and what it is made of (``vault._deps``): the benchmarks seed rows and time the parts
    directly, the way the tests' harness does."""

    vault: Vault

    @property
    def settings(self) -> Settings:
        return self.vault.settings

    @property
    def engine(self) -> Engine:
        return self.vault._deps.engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.vault._deps.sessions

    @property
    def read_sessions(self) -> sessionmaker[Session]:
        return self.vault._deps.read_sessions

    @property
    def guard(self) -> AccessGuard:
        return self.vault._deps.guard

    @property
    def audit_log(self) -> AuditLog:
        return self.vault._deps.guard._audit_log

    @property
    def provider(self) -> KeyProvider:
        return self.vault._deps.provider

    def policy(self) -> Policy:
        """The loaded policy, as the guard decides with it."""
        return self.vault._deps.policies.current()

    def close(self) -> None:
        self.vault.close()


def open_kluis(settings: Settings, clock: Clock | None = None) -> Kluis:
    return Kluis(open_vault(settings, clock))


@contextmanager
def fresh_kluis(database_url: str | None, clock: Clock | None = None) -> Iterator[Kluis]:
    with tempfile.TemporaryDirectory(prefix="kluis-bench-") as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'kluis.db'}"
        config = Settings(data_dir=Path(scratch) / "data", database_url=url)
        initialise(config, OPERATOR, clock)
        kluis = open_kluis(config, clock)
        try:
            yield kluis
        finally:
            kluis.close()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_call_ns(fn: Callable[[], object], calls: int) -> list[int]:
    """Per-call timings with the garbage collector paused, as timeit does: a collection triggered by earlier
    allocations (a million seeded rows) would otherwise land in whichever call happens to be running."""
    samples = []
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        for _ in range(calls):
            start = clock()
            fn()
            samples.append(clock() - start)
    finally:
        gc.enable()
    return samples


def p(samples: list[int], q: float) -> float:
    """The q-quantile in microseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


@contextmanager
def postgres_scratch(admin_url: str) -> Iterator[str]:
    """A fresh schema on the given PostgreSQL, as a URL whose search_path points at it; dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{admin_url}{'&' if '?' in admin_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
