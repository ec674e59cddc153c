"""All audit SQL: the head row, inserting events and checkpoints (for the log, the only writer), reading them back
in order, and the reviewer's search and overviews.

Search results are the events as recorded (their stored canonical JSON), never re-derived, so what the security
officer reads is what the chain protects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, bindparam, delete, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from vault._kit import fetch_all
from vault.audit._archive import Boundary
from vault.audit._chain import Checkpoint, StoredEvent
from vault.audit._schemas import AuditPage, AuditQuery, Tally
from vault.models.audit import AuditArchive, AuditCheckpoint, AuditEventRow, AuditHead

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: bytes
    signed_seq: int = 0  # the newest checkpoint
    signed_at: datetime | None = None
    mac: bytes | None = None  # the seal over seq and hash (None: from before head seals)


# Built once: every append runs them.
_HEAD_COLUMNS = (AuditHead.seq, AuditHead.hash, AuditHead.signed_seq, AuditHead.signed_at, AuditHead.mac)
_LOCK_HEAD = select(*_HEAD_COLUMNS).where(AuditHead.id == 1).with_for_update()
_INSERT_EVENTS = insert(AuditEventRow.__table__)
_INSERT_CHECKPOINTS = insert(AuditCheckpoint.__table__)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(seq=bindparam("seq"), hash=bindparam("chain_hash"), mac=bindparam("seal"))
)
_MOVE_SIGNED_HEAD = _MOVE_HEAD.values(signed_seq=bindparam("signed_seq"), signed_at=bindparam("signed_at"))


def lock_head(session: Session) -> Head:
    """The head, locked for this transaction: whoever holds it owns the next sequence numbers (FOR UPDATE on
    PostgreSQL; on SQLite every write transaction begins IMMEDIATE)."""
    return _head(fetch_all(session, _LOCK_HEAD)[0])


def insert_events(session: Session, rows: list[dict[str, object]], marks: list[dict[str, object]]) -> None:
    connection = session.connection()
    if rows:
        connection.execute(_INSERT_EVENTS, rows)
    if marks:
        connection.execute(_INSERT_CHECKPOINTS, marks)


def move_head(
    session: Session, seq: int, chain_hash: bytes, seal: bytes, signed: tuple[int, datetime] | None = None
) -> None:
    params: dict[str, object] = {"seq": seq, "chain_hash": chain_hash, "seal": seal}
    if signed is not None:
        params["signed_seq"], params["signed_at"] = signed
    session.connection().execute(_MOVE_HEAD if signed is None else _MOVE_SIGNED_HEAD, params)


def newest_checkpoint(session: Session) -> Checkpoint | None:
    row = session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).scalar()
    return None if row is None else Checkpoint(row.seq, bytes(row.hash), bytes(row.signature))


def checkpoint_at(session: Session, seq: int) -> Checkpoint | None:
    row = session.get(AuditCheckpoint, seq)
    return None if row is None else Checkpoint(row.seq, bytes(row.hash), bytes(row.signature))


_HEAD = select(*_HEAD_COLUMNS).where(AuditHead.id == 1)


def head(session: Session) -> Head:
    return _head(fetch_all(session, _HEAD)[0])


def _head(row: tuple[Any, ...]) -> Head:
    seq, chain_hash, signed_seq, signed_at, mac = row
    return Head(seq, bytes(chain_hash), signed_seq, signed_at, None if mac is None else bytes(mac))


def iter_events(
    session: Session, *, after: int = 0, upto: int | None = None, batch: int = 10_000, with_index: bool = False
) -> Iterator[StoredEvent]:
    """Stream stored events in sequence order, keyset-paginated so memory stays flat. ``with_index``: also the
    row's search columns, so verification can hold them to the body."""
    columns: list[Any] = [AuditEventRow.seq, AuditEventRow.prev_hash, AuditEventRow.hash, AuditEventRow.body]
    if with_index:
        columns += [
            # the stored value itself: converting a million timestamps to datetimes and back costs seconds
            type_coerce(AuditEventRow.occurred_at, _Raw()),
            AuditEventRow.actor,
            AuditEventRow.event_type,
            AuditEventRow.outcome,
            AuditEventRow.category,
            AuditEventRow.subject,
            AuditEventRow.case_ref,
            AuditEventRow.organisation,
        ]
    while True:
        query = select(*columns).where(AuditEventRow.seq > after).order_by(AuditEventRow.seq).limit(batch)
        if upto is not None:
            query = query.where(AuditEventRow.seq <= upto)
        rows: list[Any] = list(session.execute(query).all())
        for row in rows:
            index = None
            if with_index:
                index = (_utc_text(row[4]), row[5], row[6], row[7], row[8], row[9], row[10], row[11])
            yield StoredEvent(row[0], bytes(row[1]), bytes(row[2]), bytes(row[3]), index)
        if len(rows) < batch:
            return
        after = rows[-1][0]


class _Raw(TypeDecorator[Any]):
    """The column's value as the driver returns it (SQLite: text; PostgreSQL: a datetime)."""

    impl = String
    cache_ok = True


def _utc_text(value: object) -> str:
    """A stored timestamp in the event body's form, YYYY-MM-DDTHH:MM:SS.ffffffZ, without a strptime/strftime."""
    if isinstance(value, str):  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff", in UTC (UTCDateTime binds UTC)
        text = value if "." in value else value + ".000000"
        return text.replace(" ", "T", 1) + "Z"
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return str(value)


def read_snapshot(session: Session) -> None:
    """Make this read session one consistent snapshot (PostgreSQL: REPEATABLE READ; SQLite's deferred read
    transaction already is one), so a verification sees the head and the events of the same moment."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def checkpoints(session: Session, upto: int | None = None) -> dict[int, Checkpoint]:
    query = select(AuditCheckpoint.seq, AuditCheckpoint.hash, AuditCheckpoint.signature)
    if upto is not None:
        query = query.where(AuditCheckpoint.seq <= upto)
    return {seq: Checkpoint(seq, bytes(h), bytes(sig)) for seq, h, sig in session.execute(query)}


def _in_chain() -> Any:
    """Rows in the stretch verification covers: after the newest archive boundary, up to the head. A row forged
    outside it (seq 0 or below, below a boundary, beyond the head) is never read as an event (verify reports it)."""
    floor = select(func.coalesce(func.max(AuditArchive.seq_to), 0)).scalar_subquery()
    top = select(AuditHead.seq).where(AuditHead.id == 1).scalar_subquery()
    return (AuditEventRow.seq > floor) & (AuditEventRow.seq <= top)


def rows_outside_chain(session: Session) -> int | None:
    """The lowest sequence number of a row outside the verified stretch, or None."""
    floor = select(func.coalesce(func.max(AuditArchive.seq_to), 0)).scalar_subquery()
    top = select(AuditHead.seq).where(AuditHead.id == 1).scalar_subquery()
    query = select(func.min(AuditEventRow.seq)).where((AuditEventRow.seq <= floor) | (AuditEventRow.seq > top))
    found = session.scalar(query)
    return None if found is None else int(found)


def search(session: Session, organisation: str, query: AuditQuery) -> AuditPage:
    """One organisation's events matching the query (never another's, R47)."""
    limit = max(1, min(query.limit, MAX_PAGE))
    statement = select(AuditEventRow.seq, AuditEventRow.body).where(
        AuditEventRow.organisation == organisation, _in_chain()
    )
    for column, value in (
        (AuditEventRow.actor, query.user),
        (AuditEventRow.subject, query.subject),
        (AuditEventRow.case_ref, query.case_ref),
        (AuditEventRow.category, query.category),
        (AuditEventRow.outcome, query.outcome),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.since is not None:
        statement = statement.where(AuditEventRow.occurred_at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEventRow.occurred_at < query.until)
    if query.before_seq is not None:
        statement = statement.where(AuditEventRow.seq < query.before_seq)
    rows = session.execute(statement.order_by(AuditEventRow.seq.desc()).limit(limit + 1)).all()
    events = [{"seq": seq, **json.loads(body)} for seq, body in rows[:limit]]
    return AuditPage(events, rows[limit - 1][0] if len(rows) > limit else None)


def subject_events(session: Session, organisation: str, subject: str) -> list[dict[str, Any]]:
    """Every event of the organisation about one subject, oldest first: the access history of a subject report.
    Chosen by the search column, then held to the body, so an edited column adds no other subject's event (and one
    that drops an event is what verify reports as mismatched_index)."""
    statement = (
        select(AuditEventRow.seq, AuditEventRow.body)
        .where(AuditEventRow.organisation == organisation, AuditEventRow.subject == subject, _in_chain())
        .order_by(AuditEventRow.occurred_at, AuditEventRow.seq)
    )
    events = ({"seq": seq, **json.loads(body)} for seq, body in session.execute(statement))
    return [e for e in events if e.get("subject") == subject and e.get("actor", {}).get("organisation") == organisation]


ERASED_KEYS = "data_keys:"  # how an erasure event's target names the data keys it destroyed
SHREDDING_EVENTS = ("subject.erase", "retention.erase")  # a subject's erasure (R29), a retention run's (R36)


def erased_key_ids(session: Session, category: str) -> set[str]:
    """Every data key an allowed erasure or retention run in this category destroyed, from the events' bodies (the
    chain holds them: editing one is what verify reports)."""
    statement = select(AuditEventRow.body).where(
        AuditEventRow.event_type.in_(SHREDDING_EVENTS),
        AuditEventRow.category == category,
        AuditEventRow.outcome == "allowed",
        _in_chain(),
    )
    found: set[str] = set()
    for (body,) in session.execute(statement):
        event = json.loads(body)
        target = event.get("target") or ""
        if event.get("event_type") in SHREDDING_EVENTS and event.get("category") == category and ERASED_KEYS in target:
            found.update(key for key in target.split(ERASED_KEYS, 1)[1].split(",") if key)
    return found


def overview(session: Session, organisation: str, *, user: str | None, subject: str | None) -> list[Tally]:
    if (user is None) == (subject is None):
        raise ValueError("an overview is per user or per subject")
    column, value = (AuditEventRow.actor, user) if user is not None else (AuditEventRow.subject, subject)
    statement = (
        select(
            AuditEventRow.category,
            AuditEventRow.event_type,
            AuditEventRow.outcome,
            func.count(),
            func.min(AuditEventRow.occurred_at),
            func.max(AuditEventRow.occurred_at),
        )
        .where(column == value, AuditEventRow.organisation == organisation, _in_chain())
        .group_by(AuditEventRow.category, AuditEventRow.event_type, AuditEventRow.outcome)
        .order_by(AuditEventRow.event_type, AuditEventRow.outcome)
    )
    return [Tally(c, t, o, int(n), first, last) for c, t, o, n, first, last in session.execute(statement)]


def newest_archive(session: Session) -> Boundary | None:
    """The newest archive boundary (R42): verification starts after it."""
    row = session.execute(select(AuditArchive).order_by(AuditArchive.seq_to.desc()).limit(1)).scalar()
    if row is None:
        return None
    return Boundary(row.seq_to, row.seq_from, bytes(row.hash), row.statement, bytes(row.signature))


def archivable_upto(session: Session, after: int, upto: int, cutoff: datetime) -> int | None:
    """The newest checkpoint after ``after`` (and at most ``upto``) such that every event up to it was written before
    ``cutoff``; None when there is none."""
    young = select(func.min(AuditEventRow.seq)).where(AuditEventRow.seq > after, AuditEventRow.occurred_at >= cutoff)
    first_young = session.scalar(young)
    limit = upto if first_young is None else min(upto, first_young - 1)
    query = select(func.max(AuditCheckpoint.seq)).where(AuditCheckpoint.seq > after, AuditCheckpoint.seq <= limit)
    found = session.scalar(query)
    return None if found is None else int(found)


def newest_event_time(session: Session, after: int, upto: int) -> datetime | None:
    query = select(func.max(AuditEventRow.occurred_at)).where(AuditEventRow.seq > after, AuditEventRow.seq <= upto)
    return session.scalar(query)


def add_archive(session: Session, boundary: Boundary) -> None:
    session.execute(
        insert(AuditArchive),
        [
            {
                "seq_to": boundary.seq_to,
                "seq_from": boundary.seq_from,
                "hash": boundary.hash,
                "statement": boundary.statement,
                "signature": boundary.signature,
            }
        ],
    )


def remove_archived(session: Session, upto: int) -> int:
    """Remove the events up to an archive boundary just added, and the checkpoints before it (the boundary's own
    stays). The database's triggers refuse anything the boundary does not cover. Returns the events removed."""
    removed = session.execute(delete(AuditEventRow).where(AuditEventRow.seq <= upto))
    session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.seq < upto))
    return int(getattr(removed, "rowcount", 0) or 0)
