"""Engines and sessions. SQLite is the embedded default; PostgreSQL is the production path."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(
    url: str,
    *,
    foreign_keys: bool = True,
    lock_timeout_seconds: float | None = None,
    statement_timeout_seconds: float | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for the URL. ``foreign_keys=False`` only for schema migrations on SQLite, whose batch mode
    rebuilds tables that other tables' foreign keys point at (checked with foreign_key_check afterwards).

    On PostgreSQL the timeouts bound how long a request waits for a lock (the audit head, a row) or runs a
    statement: a lock held elsewhere must not pin every worker forever; the request fails closed (503) instead."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine, foreign_keys=foreign_keys)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    settings = {
        name: f"{int(seconds * 1000)}ms"
        for name, seconds in (("lock_timeout", lock_timeout_seconds), ("statement_timeout", statement_timeout_seconds))
        if seconds
    }
    if settings:

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                for name, value in settings.items():
                    cursor.execute(f"SET {name} = '{value}'")  # names and values are ours, not input
            dbapi_connection.commit()

    return engine


_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def writer_lock(engine: Engine) -> AbstractContextManager[object]:
    """Serialise this process's write transactions on a SQLite database.

    SQLite admits one writer at a time; threads that collide on BEGIN IMMEDIATE wait in SQLite's busy handler, which
    sleeps in growing steps (tens of milliseconds), so under concurrent requests latency balloons. Queueing on a lock
    in the process hands the database over at once. Other processes still meet the busy timeout. PostgreSQL needs no
    such thing (its row lock on the audit head queues writers itself).
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    key = str(engine.url)
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(key, threading.Lock())


def _configure_sqlite(engine: Engine, *, foreign_keys: bool) -> None:
    """WAL and synchronous=FULL for durability; BEGIN IMMEDIATE so "read the chain head, then append" cannot race.

    Python's sqlite3 would otherwise delay BEGIN until the first write, letting two processes read the same head.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Long read-only scans (verify, export) ask for DEFERRED so they do not hold the write lock.
        # query_only makes a write in a read-only session fail instead of quietly taking the lock.
        deferred = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        if connection.info.get("query_only") != deferred:  # the pragma lasts with the connection: set on change
            connection.exec_driver_sql(f"PRAGMA query_only={int(deferred)}")
            connection.info["query_only"] = deferred
        connection.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")


READ_ONLY_OPTION = "kluis_read_only"


def make_sessionmaker(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions for the engine. ``read_only`` sessions cannot write: on SQLite they never take the write lock
    (query_only), on PostgreSQL their transactions are READ ONLY."""
    if not read_only:
        return sessionmaker(engine, expire_on_commit=False)
    options: dict[str, object] = {READ_ONLY_OPTION: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    bind = engine.execution_options(**options)
    return sessionmaker(bind, expire_on_commit=False)
