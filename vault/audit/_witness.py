"""The witness: signed heads of the audit log kept outside the database, so that a database administrator who
cuts, rolls back, rewrites or wipes the log is found out (DESIGN.md "Who is not trusted").

``Witness`` is the protocol; ``FileWitness`` keeps one JSON line per signed head in an append-only file (opened
O_APPEND, fsync'd, mode 0600), which several processes on one host share safely (a line is one write). Put it where
the database administrator cannot write: another disk, a host directory with an immutable attribute, or a file that
a log shipper forwards to syslog or an object store with retention lock — the protocol is small so those can be
added as providers of their own.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Protocol

from vault.audit._chain import Checkpoint

WITNESS_FORMAT = "kluis.witness.v1"
_MAX_LINE = 4096


class Witness(Protocol):
    def record(self, head: Checkpoint) -> None:
        """Keep this signed head (append-only)."""
        ...

    def latest(self) -> Checkpoint | None:
        """The signed head with the highest sequence number kept so far (its signature is the caller's to check)."""
        ...


class FileWitness:
    def __init__(self, path: Path) -> None:
        self._path = path

    def record(self, head: Checkpoint) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        line = json.dumps(
            {
                "format": WITNESS_FORMAT,
                "seq": head.seq,
                "hash": head.hash.hex(),
                "signature": base64.b64encode(head.signature).decode("ascii"),
            },
            sort_keys=True,
        )
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def latest(self) -> Checkpoint | None:
        """The highest signed head in the file; lines that do not parse are skipped (the signature check decides)."""
        best: Checkpoint | None = None
        try:
            with self._path.open("rb") as handle:
                for raw in handle:
                    head = _parse(raw)
                    if head is not None and (best is None or head.seq > best.seq):
                        best = head
        except FileNotFoundError:
            return None
        return best


def _parse(raw: bytes) -> Checkpoint | None:
    if len(raw) > _MAX_LINE:
        return None
    try:
        item = json.loads(raw)
        if item.get("format") != WITNESS_FORMAT:
            return None
        return Checkpoint(
            int(item["seq"]), bytes.fromhex(item["hash"]), base64.b64decode(item["signature"], validate=True)
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
