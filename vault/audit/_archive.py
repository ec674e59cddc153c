"""Audit retention (DOMAIN R42): events are kept at least five years from writing, then may be archived — never
deleted from the middle, never without a proof of what went.

An archive moves a prefix of the chain, ending at a signed checkpoint whose events are all older than the retention
period, into a file in the export format (docs/FORMATS.md), verifiable offline; the file is written, read back and
verified before anything leaves the database. A signed boundary statement then records what was archived:

    statement = canonical JSON {format, seq_from, seq_to, hash (link(seq_to), hex), newest_event_at, archived_at,
                archived_by, retention_years, file, file_sha256, previous (the prior boundary's seq_to or 0)}
    signature = Ed25519 over "kluis.audit-archive.v1" 0x00 statement, with the audit signing key

Verification starts from the newest boundary: its signature must hold, its newest event must be at least five
years older than the archive (whatever the configuration says), and the chain must continue from its link. Removing
events without a boundary, or more than a boundary covers, is what verification reports ("removed"); the database's
triggers refuse removing anything a boundary does not cover or that is younger than five years.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vault._kit.dates import add_months
from vault.config import MIN_AUDIT_RETENTION_YEARS
from vault.crypto import verify_signature

ARCHIVE_LABEL = b"kluis.audit-archive.v1"


@dataclass(frozen=True, slots=True)
class Boundary:
    """A stored archive boundary, as the database (or an export's header) holds it."""

    seq_to: int
    seq_from: int
    hash: bytes
    statement: str
    signature: bytes

    def to_header(self) -> dict[str, object]:
        return {
            "seq_to": self.seq_to,
            "seq_from": self.seq_from,
            "hash": self.hash.hex(),
            "statement": self.statement,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_header(cls, item: dict[str, object]) -> Boundary:
        return cls(
            int(str(item["seq_to"])),
            int(str(item["seq_from"])),
            bytes.fromhex(str(item["hash"])),
            str(item["statement"]),
            base64.b64decode(str(item["signature"]), validate=True),
        )


def statement(
    *,
    seq_from: int,
    seq_to: int,
    link: bytes,
    newest_event_at: datetime,
    archived_at: datetime,
    archived_by: str,
    retention_years: int,
    file: str,
    file_sha256: str,
    previous: int,
) -> str:
    return json.dumps(
        {
            "format": ARCHIVE_LABEL.decode("ascii"),
            "seq_from": seq_from,
            "seq_to": seq_to,
            "hash": link.hex(),
            "newest_event_at": newest_event_at.isoformat(timespec="microseconds"),
            "archived_at": archived_at.isoformat(timespec="microseconds"),
            "archived_by": archived_by,
            "retention_years": retention_years,
            "file": file,
            "file_sha256": file_sha256,
            "previous": previous,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def signed_message(text: str) -> bytes:
    return ARCHIVE_LABEL + b"\x00" + text.encode("ascii")


def boundary_problem(boundary: Boundary, public_key: bytes) -> str | None:
    """Why a boundary cannot be trusted, or None: it must be the statement Kluis signed, say what its columns say,
    and archive only events at least five years older than the archive."""
    if not verify_signature(public_key, boundary.signature, signed_message(boundary.statement)):
        return "the archive boundary is not signed by the audit key"
    try:
        said = json.loads(boundary.statement)
        claims = (int(said["seq_from"]), int(said["seq_to"]), bytes.fromhex(said["hash"]))
        newest = datetime.fromisoformat(said["newest_event_at"])
        archived = datetime.fromisoformat(said["archived_at"])
    except (ValueError, KeyError, TypeError):
        return "the archive boundary's statement is malformed"
    if claims != (boundary.seq_from, boundary.seq_to, boundary.hash):
        return "the archive boundary's columns differ from its signed statement"
    if newest >= years_before(archived, MIN_AUDIT_RETENTION_YEARS):
        return f"the archive removed events younger than {MIN_AUDIT_RETENTION_YEARS} years"
    return None


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment ``years`` calendar years earlier (29 February falls back to the 28th)."""
    day = add_months(moment.date(), -12 * years)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def write_archive(path: Path, lines: Iterable[str]) -> str:
    """Write the archive file whole (a temporary file, flushed to disk, then renamed); returns its SHA-256 hex."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    temporary = path.with_suffix(path.suffix + ".partial")
    with temporary.open("wb") as handle:
        for line in lines:
            data = (line + "\n").encode("ascii")
            digest.update(data)
            handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    return digest.hexdigest()
