"""The audit export (docs/FORMATS.md): JSON lines with the signed checkpoints, verifiable offline against a trusted
public key. Parsing has limits: a line longer than MAX_EXPORT_LINE or malformed in any way is refused by number."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session

from vault.audit._chain import Checkpoint, StoredEvent, Verification, verify_chain
from vault.audit._repository import checkpoints, iter_events

EXPORT_FORMAT = "kluis.audit-export.v1"
MAX_EXPORT_LINE = 1 << 20


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


def verify_export(lines: Iterable[str], public_key: bytes, max_checkpoint_gap: int) -> Verification:
    """Verify an export offline. The public key must come from a trusted place, not from the file."""
    claimed, events, marks = parse_export(iter(lines))
    return verify_chain(events, marks, public_key, max_checkpoint_gap=max_checkpoint_gap, expected_head=claimed)
