"""Fixtures: every database test runs on SQLite and on PostgreSQL (a fresh schema per test).

PostgreSQL comes from KLUIS_TEST_POSTGRES_URL (default: the local server, database `test`). If it is unreachable the
PostgreSQL half is skipped, loudly, unless KLUIS_REQUIRE_POSTGRES=1 (as in CI), which turns that into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.harness import Harness, ManualClock, open_harness
from vault import Actor, Settings, initialise

POSTGRES_URL = os.environ.get("KLUIS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("KLUIS_REQUIRE_POSTGRES") == "1"
_postgres_state: dict[str, str | None] = {}


def postgres_unavailable() -> str | None:
    """None when reachable, else why not (checked once per run)."""
    if "why" not in _postgres_state:
        try:
            engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            engine.dispose()
            _postgres_state["why"] = None
        except Exception as exc:  # any failure to connect means: not available
            _postgres_state["why"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return _postgres_state["why"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    why = _postgres_state.get("why")
    if why:
        terminalreporter.write_line(
            f"NOTE: PostgreSQL was NOT tested ({why}); its half of the suite was skipped.", yellow=True
        )


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    why = postgres_unavailable()
    if why:
        if REQUIRE_POSTGRES:
            pytest.fail(f"KLUIS_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: {why}")
        pytest.skip(f"PostgreSQL unreachable: {why}")
    return POSTGRES_URL


@contextmanager
def fresh_schema(postgres_admin_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in postgres_admin_url else "?"
    yield f"{postgres_admin_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    with fresh_schema(postgres_admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kluis.db'}"
    return str(request.getfixturevalue("postgres_url"))


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "audit_checkpoint_interval": 10,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


def actor(user: str, *roles: str, organisation: str = "default", responsible_user: str | None = None) -> Actor:
    return Actor(user=user, roles=roles, organisation=organisation, responsible_user=responsible_user)


OPERATOR = actor("operator:test", "key_admin")


@pytest.fixture
def kluis(settings: Settings) -> Iterator[Harness]:
    initialise(settings, OPERATOR)
    running = open_harness(settings)
    yield running
    running.close()


@pytest.fixture
def clock() -> ManualClock:
    """The injected clock, at 2026-12-01 09:00 UTC, moved by the test."""
    return ManualClock()


@pytest.fixture
def timed(settings: Settings, clock: ManualClock) -> Iterator[Harness]:
    """A running vault on the injected clock (boundary tests)."""
    initialise(settings, OPERATOR, clock)
    running = open_harness(settings, clock)
    yield running
    running.close()
