"""The baseline for the HTTP benchmark: a plain FastAPI endpoint that reads the same record row from the same
database, with no authentication, no authorisation, no audit and no decryption."""

from __future__ import annotations

import os

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vault._kit import make_engine, make_sessionmaker
from vault.models import Record, RecordField


def read_plain(sessions: sessionmaker[Session], record_id: str) -> dict[str, object]:
    """The endpoint's work: the record row and its field names (the HTTP benchmark also times it in-process)."""
    with sessions() as session:
        record = session.get(Record, record_id)
        fields = session.execute(select(RecordField.name).where(RecordField.record_id == record_id)).scalars()
        assert record is not None
        return {"record_id": record.id, "kind": record.kind, "status": record.status, "fields": list(fields)}


def create_app() -> FastAPI:
    sessions = make_sessionmaker(make_engine(os.environ["KLUIS_DATABASE_URL"]), read_only=True)
    app = FastAPI()

    @app.get("/plain/records/{record_id}")
    def read(record_id: str) -> dict[str, object]:
        return read_plain(sessions, record_id)

    return app


def main() -> None:
    """Serve it as `kluis serve` serves Kluis: uvicorn, the same worker count, the same HTTP protocol class."""
    import argparse

    import uvicorn

    from api.http_protocol import NoDelayH11Protocol

    parser = argparse.ArgumentParser(prog="python -m bench.plain_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.plain_app:create_app",
        factory=True,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        http=NoDelayH11Protocol,
    )


if __name__ == "__main__":
    main()
