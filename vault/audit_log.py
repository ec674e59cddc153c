"""The audit log's storage: appending to the chain and reading it back. All audit SQL lives here.

Appends are serialised by the single ``audit_head`` row: ``SELECT ... FOR UPDATE`` on PostgreSQL, and on SQLite
the ``BEGIN IMMEDIATE`` every transaction starts with. Unique constraints on seq and prev_hash make a fork
impossible even if that serialisation were bypassed. The caller owns the transaction, so an event commits
together with the access it records, or not at all.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from vault._primitives import Signer
from vault.audit_chain import Checkpoint, StoredEvent, checkpoint_message, link_hash
from vault.audit_event import AuditEvent
from vault.models import AuditCheckpoint, AuditEventRow, AuditHead

EXPORT_FORMAT = "kluis.audit-export.v1"
MAX_EXPORT_LINE = 1 << 20


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: bytes


class AuditLog:
    def __init__(self, signer: Signer, checkpoint_interval: int) -> None:
        self._signer = signer
        self._interval = checkpoint_interval

    @property
    def checkpoint_interval(self) -> int:
        return self._interval

    def append(self, session: Session, events: Sequence[AuditEvent]) -> Head:
        """Append events in order, inside the caller's transaction. Returns the new head."""
        head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
        seq, prev = head.seq, head.hash
        rows: list[dict[str, object]] = []
        checkpoints: list[dict[str, object]] = []
        for event in events:
            seq += 1
            body = event.canonical_bytes()
            chained = link_hash(seq, prev, body)
            rows.append(
                {
                    "seq": seq,
                    "prev_hash": prev,
                    "hash": chained,
                    "body": body,
                    "occurred_at": event.occurred_at,
                    "actor": event.actor.user,
                    "event_type": event.event_type,
                    "outcome": event.outcome,
                    "category": event.category,
                    "subject": event.subject,
                    "case_ref": event.case_ref,
                }
            )
            if seq % self._interval == 0:
                checkpoints.append(self._checkpoint(seq, chained))
            prev = chained
        if rows:
            session.execute(insert(AuditEventRow.__table__), rows)
        if checkpoints:
            session.execute(insert(AuditCheckpoint.__table__), checkpoints)
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
        return Head(seq, prev)

    def seal_head(self, session: Session) -> Head:
        """Sign a checkpoint at the current head now (e.g. before an export), unless one exists."""
        head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
        if head.seq and session.get(AuditCheckpoint, head.seq) is None:
            session.execute(insert(AuditCheckpoint), [self._checkpoint(head.seq, head.hash)])
        return Head(head.seq, head.hash)

    def _checkpoint(self, seq: int, chained: bytes) -> dict[str, object]:
        signature = self._signer.sign(checkpoint_message(seq, chained))
        return {"seq": seq, "hash": chained, "signature": signature, "signed_at": datetime.now(UTC)}


# -- reading -------------------------------------------------------------------------------------------------
def head(session: Session) -> Head:
    row = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    return Head(row.seq, row.hash)


def iter_events(
    session: Session, *, after: int = 0, upto: int | None = None, batch: int = 10_000
) -> Iterator[StoredEvent]:
    """Stream stored events in sequence order, keyset-paginated so memory stays flat."""
    columns = (AuditEventRow.seq, AuditEventRow.prev_hash, AuditEventRow.hash, AuditEventRow.body)
    while True:
        query = select(*columns).where(AuditEventRow.seq > after).order_by(AuditEventRow.seq).limit(batch)
        if upto is not None:
            query = query.where(AuditEventRow.seq <= upto)
        rows = session.execute(query).all()
        for seq, prev_hash, chained, body in rows:
            yield StoredEvent(seq, bytes(prev_hash), bytes(chained), bytes(body))
        if len(rows) < batch:
            return
        after = rows[-1][0]


def checkpoints(session: Session, upto: int | None = None) -> dict[int, Checkpoint]:
    query = select(AuditCheckpoint.seq, AuditCheckpoint.hash, AuditCheckpoint.signature)
    if upto is not None:
        query = query.where(AuditCheckpoint.seq <= upto)
    return {seq: Checkpoint(seq, bytes(h), bytes(sig)) for seq, h, sig in session.execute(query)}


# -- export format (docs/FORMATS.md) ---------------------------------------------------------------------------
def export_lines(session: Session, upto: int, public_key: bytes) -> Iterator[str]:
    yield json.dumps(
        {"format": EXPORT_FORMAT, "events": upto, "public_key": base64.b64encode(public_key).decode()}, sort_keys=True
    )
    marks = checkpoints(session, upto)
    for event in iter_events(session, upto=upto):
        yield json.dumps(
            {
                "type": "event",
                "seq": event.seq,
                "prev": event.prev_hash.hex(),
                "hash": event.hash.hex(),
                "body": event.body.decode("ascii"),
            },
            sort_keys=True,
        )
        mark = marks.get(event.seq)
        if mark is not None:
            yield json.dumps(
                {
                    "type": "checkpoint",
                    "seq": mark.seq,
                    "hash": mark.hash.hex(),
                    "signature": base64.b64encode(mark.signature).decode(),
                },
                sort_keys=True,
            )


class ExportFormatError(ValueError):
    pass


def parse_export(lines: Iterator[str]) -> tuple[int, list[StoredEvent], dict[int, Checkpoint]]:
    """Parse an export with limits. Returns (claimed event count, events in file order, checkpoints)."""
    events: list[StoredEvent] = []
    marks: dict[int, Checkpoint] = {}
    claimed = -1
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_EXPORT_LINE:
            raise ExportFormatError(f"line {number}: longer than {MAX_EXPORT_LINE} characters")
        try:
            item = json.loads(line)
            if number == 1:
                if item.get("format") != EXPORT_FORMAT:
                    raise ExportFormatError("line 1: not a Kluis audit export")
                claimed = int(item["events"])
            elif item["type"] == "event":
                events.append(
                    StoredEvent(
                        int(item["seq"]),
                        bytes.fromhex(item["prev"]),
                        bytes.fromhex(item["hash"]),
                        item["body"].encode("ascii"),
                    )
                )
            elif item["type"] == "checkpoint":
                marks[int(item["seq"])] = Checkpoint(
                    int(item["seq"]), bytes.fromhex(item["hash"]), base64.b64decode(item["signature"], validate=True)
                )
            else:
                raise ExportFormatError(f"line {number}: unknown type")
        except ExportFormatError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeEncodeError) as exc:
            raise ExportFormatError(f"line {number}: malformed ({type(exc).__name__})") from None
    if claimed < 0:
        raise ExportFormatError("empty export")
    return claimed, events, marks
