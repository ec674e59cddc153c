"""MACs on the rows that grant access, so that inserting or editing one in the database grants nothing (DESIGN.md
"Who is not trusted"). The MAC is under a key the provider keeps (``row_mac``, with the one KeyAccess) and covers
the row's decisive columns, encoded without ambiguity:

    message = "kluis.row.assignment" || 0x01 || for each of organisation, case_ref, user_id, role, relation,
              starts_at, ends_at, revoked_at (UTC, microseconds; "" when NULL): length (u16 BE) || UTF-8

A row whose MAC is missing or wrong is left out of the decision, and its unit of work records an integrity alert.
What a MAC cannot show is a row put back to an earlier, validly sealed state (a revocation undone by restoring the
old row): that is visible in the audit log, which records every assignment change.
"""

from __future__ import annotations

import hmac
import struct
from datetime import UTC, datetime
from typing import Any, Protocol

_LABEL = b"kluis.row.assignment"
_VERSION = 1
_U16 = struct.Struct(">H").pack


class RowMacProvider(Protocol):
    def row_mac(self, message: bytes, access: Any) -> bytes: ...


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def assignment_message(
    organisation: str,
    case_ref: str,
    user_id: str,
    role: str,
    relation: str,
    starts_at: datetime,
    ends_at: datetime | None,
    revoked_at: datetime | None,
) -> bytes:
    chunks = [_LABEL, bytes((_VERSION,))]
    for part in (organisation, case_ref, user_id, role, relation, _when(starts_at), _when(ends_at), _when(revoked_at)):
        raw = part.encode("utf-8")
        chunks += [_U16(len(raw)), raw]
    return b"".join(chunks)


class RowMacs:
    """Signs and checks row MACs with the key access the guard hands it (it holds the only one)."""

    def __init__(self, provider: RowMacProvider, access: object) -> None:
        self._provider = provider
        self._access = access

    def sign(self, message: bytes) -> bytes:
        return self._provider.row_mac(message, self._access)

    def valid(self, message: bytes, mac: bytes | None) -> bool:
        return mac is not None and hmac.compare_digest(self.sign(message), mac)
