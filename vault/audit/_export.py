"""The audit export (docs/FORMATS.md): JSON lines with the signed checkpoints, ending with a signed trailer (the head
signed for this export), verifiable offline against a trusted public key: an export cut anywhere, or with its end
rewritten, fails. Parsing has limits: a line longer than MAX_EXPORT_LINE or malformed in any way is refused by
number."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from vault.audit._archive import Boundary, boundary_problem
from vault.audit._chain import Checkpoint, StoredEvent, Verification, verify_chain
from vault.audit._repository import checkpoints, iter_events

EXPORT_FORMAT = "kluis.audit-export.v2"
EXPORT_FORMAT_V1 = "kluis.audit-export.v1"  # no trailer: verified as before, but its end cannot be proven
MAX_EXPORT_LINE = 1 << 20


def export_lines(
    session: Session, trailer: Checkpoint | None, public_key: bytes, archived: Boundary | None = None
) -> Iterator[str]:
    """The log up to ``trailer`` (a signed head; None for an empty log), then the trailer itself. After an archive
    (R42) it starts after the ``archived`` boundary, which line 1 carries, signed, for offline verification."""
    upto = 0 if trailer is None else trailer.seq
    after = 0 if archived is None else archived.seq_to
    header: dict[str, object] = {
        "format": EXPORT_FORMAT,
        "events": upto,
        "public_key": base64.b64encode(public_key).decode(),
    }
    if archived is not None:
        header["archived"] = archived.to_header()
    yield json.dumps(header, sort_keys=True)
    if trailer is None or upto <= after:
        return
    marks = {seq: mark for seq, mark in checkpoints(session, upto).items() if seq > after}
    for event in iter_events(session, after=after, upto=upto):
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
    yield json.dumps(
        {
            "type": "trailer",
            "seq": trailer.seq,
            "hash": trailer.hash.hex(),
            "signature": base64.b64encode(trailer.signature).decode(),
        },
        sort_keys=True,
    )


class ExportFormatError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ParsedExport:
    version: int
    claimed: int  # the event count line 1 claims
    events: list[StoredEvent]
    checkpoints: dict[int, Checkpoint]
    trailer: Checkpoint | None
    archived: Boundary | None = None


def parse_export(lines: Iterator[str]) -> ParsedExport:
    """Parse an export with limits; nothing may follow the trailer."""
    events: list[StoredEvent] = []
    marks: dict[int, Checkpoint] = {}
    claimed, version, trailer, archived = -1, 0, None, None
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_EXPORT_LINE:
            raise ExportFormatError(f"line {number}: longer than {MAX_EXPORT_LINE} characters")
        if trailer is not None:
            raise ExportFormatError(f"line {number}: after the trailer")
        try:
            item = json.loads(line)
            if number == 1:
                version = {EXPORT_FORMAT: 2, EXPORT_FORMAT_V1: 1}.get(item.get("format"), 0)
                if not version:
                    raise ExportFormatError("line 1: not a Kluis audit export")
                claimed = int(item["events"])
                if "archived" in item:
                    archived = Boundary.from_header(item["archived"])
            elif item["type"] == "event":
                events.append(
                    StoredEvent(
                        int(item["seq"]),
                        bytes.fromhex(item["prev"]),
                        bytes.fromhex(item["hash"]),
                        item["body"].encode("ascii"),
                    )
                )
            elif item["type"] in ("checkpoint", "trailer"):
                mark = Checkpoint(
                    int(item["seq"]), bytes.fromhex(item["hash"]), base64.b64decode(item["signature"], validate=True)
                )
                if item["type"] == "trailer" and version == 2:
                    trailer = mark
                else:
                    marks[mark.seq] = mark
            else:
                raise ExportFormatError(f"line {number}: unknown type")
        except ExportFormatError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeEncodeError) as exc:
            raise ExportFormatError(f"line {number}: malformed ({type(exc).__name__})") from None
    if claimed < 0:
        raise ExportFormatError("empty export")
    return ParsedExport(version, claimed, events, marks, trailer, archived)


def verify_export(lines: Iterable[str], public_key: bytes, max_checkpoint_gap: int) -> Verification:
    """Verify an export offline. The public key must come from a trusted place, not from the file. A v2 export
    must end with its signed trailer, the head of the events it claims: a cut or an end rewritten fails."""
    parsed = parse_export(iter(lines))
    start = None
    if parsed.archived is not None:
        problem = boundary_problem(parsed.archived, public_key)
        if problem is not None:
            return Verification(False, 0, parsed.archived.seq_to, 0, 0, "bad_archive", parsed.archived.seq_to, problem)
        start = (parsed.archived.seq_to, parsed.archived.hash)
    if parsed.version == 2 and parsed.claimed and (parsed.trailer is None or parsed.trailer.seq != parsed.claimed):
        last = parsed.events[-1].seq if parsed.events else 0
        return Verification(False, 0, last, 0, 0, "truncated", last + 1, "the export's signed trailer is missing")
    return verify_chain(
        parsed.events,
        parsed.checkpoints,
        public_key,
        max_checkpoint_gap=max_checkpoint_gap,
        expected_head=parsed.claimed,
        witnessed=parsed.trailer,
        start=start,
    )
