"""MACs on the rows that grant access, so that inserting or editing one in the database grants nothing (DESIGN.md
"Who is not trusted"). The MAC is under a key the provider keeps (``row_mac``, with the one KeyAccess) and covers
the row's decisive columns, encoded without ambiguity:

    message = "kluis.row.assignment" || 0x01 || for each of organisation, case_ref, user_id, role, relation,
              starts_at, ends_at, revoked_at (UTC, microseconds; "" when NULL): length (u16 BE) || UTF-8

The unit register's rows are sealed the same way, under their own label ("kluis.row.unit_member"), over
organisation, user_id, role, credential, credential_date, verified_by, supervisor, starts_at, ends_at and status;
a processor's member (R47) with version 2 and the processor appended, so that rows of the controller's own staff
sealed before processors existed keep their MACs. Processing agreements ("kluis.row.processing_agreement") over
organisation, processor, reference, roles, starts_at, ends_at and ended_at.

A row whose MAC is missing or wrong is left out of the decision, and its unit of work records an integrity alert.
What a MAC cannot show is a row put back to an earlier, validly sealed state (a revocation undone by restoring the
old row): that is visible in the audit log, which records every assignment change.
"""

from __future__ import annotations

import hmac
import struct
from datetime import UTC, datetime
from typing import Any, Protocol

_ASSIGNMENT = b"kluis.row.assignment"
_UNIT_MEMBER = b"kluis.row.unit_member"
_DELEGATION = b"kluis.row.delegation"
_AGREEMENT = b"kluis.row.processing_agreement"
_REQUEST = b"kluis.row.subject_request"
_HOLD = b"kluis.row.legal_hold"
_RESTRICTION = b"kluis.row.restriction"
_EXCEPTION = b"kluis.row.restriction_exception"
_RELEASE = b"kluis.row.medical_release"
_CLOSURE = b"kluis.row.case_closure"
_BREACH = b"kluis.row.breach"
_VERSION = 1
_WITH_PROCESSOR = 2  # a unit member's message that names the processor they work for
_U16 = struct.Struct(">H").pack


class RowMacProvider(Protocol):
    def row_mac(self, message: bytes, access: Any) -> bytes: ...


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _message(label: bytes, parts: tuple[str, ...], version: int = _VERSION) -> bytes:
    chunks = [label, bytes((version,))]
    for part in parts:
        raw = part.encode("utf-8")
        chunks += [_U16(len(raw)), raw]
    return b"".join(chunks)


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
    parts = (organisation, case_ref, user_id, role, relation, _when(starts_at), _when(ends_at), _when(revoked_at))
    return _message(_ASSIGNMENT, parts)


def member_message(
    organisation: str,
    user_id: str,
    role: str,
    credential: str | None,
    credential_date: datetime | None,
    verified_by: str | None,
    supervisor: str | None,
    starts_at: datetime,
    ends_at: datetime | None,
    status: str,
    processor: str | None = None,
) -> bytes:
    parts = (
        organisation,
        user_id,
        role,
        credential or "",
        _when(credential_date),
        verified_by or "",
        supervisor or "",
        _when(starts_at),
        _when(ends_at),
        status,
    )
    if processor is not None:
        return _message(_UNIT_MEMBER, (*parts, processor), _WITH_PROCESSOR)
    return _message(_UNIT_MEMBER, parts)


def delegation_message(
    organisation: str,
    delegator: str,
    delegate: str,
    case_ref: str | None,
    starts_at: datetime,
    ends_at: datetime,
    revoked_at: datetime | None,
) -> bytes:
    parts = (organisation, delegator, delegate, case_ref or "*", _when(starts_at), _when(ends_at), _when(revoked_at))
    return _message(_DELEGATION, parts)


def agreement_message(
    organisation: str,
    processor: str,
    reference: str,
    roles: str,
    starts_at: datetime,
    ends_at: datetime | None,
    ended_at: datetime | None,
) -> bytes:
    parts = (organisation, processor, reference, roles, _when(starts_at), _when(ends_at), _when(ended_at))
    return _message(_AGREEMENT, parts)


def request_message(
    organisation: str, request_id: int, subject_id: str, kind: str, identity_method: str | None, status: str
) -> bytes:
    """A subject's request: whose it is, what it asks, whether the requester was identified, where it stands."""
    return _message(_REQUEST, (organisation, str(request_id), subject_id, kind, identity_method or "", status))


def hold_message(
    organisation: str, hold_id: int, subject_id: str, case_ref: str | None, ground: str, lifted_at: datetime | None
) -> bytes:
    """A legal hold: whose data, which case (or all), on which ground, and whether it was lifted."""
    return _message(_HOLD, (organisation, str(hold_id), subject_id, case_ref or "*", ground, _when(lifted_at)))


def restriction_message(
    organisation: str,
    restriction_id: int,
    subject_id: str,
    category: str,
    case_ref: str | None,
    lifted_at: datetime | None,
) -> bytes:
    """A restriction: whose data, which category and case (or all), and whether it was lifted."""
    parts = (organisation, str(restriction_id), subject_id, category, case_ref or "*", _when(lifted_at))
    return _message(_RESTRICTION, parts)


def exception_message(
    organisation: str,
    exception_id: int,
    restriction_id: int,
    kind: str,
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    ended_at: datetime | None,
) -> bytes:
    """An exception to a restriction: which, of what kind, for which purpose, from when to when, whether ended."""
    parts = (
        organisation,
        str(exception_id),
        str(restriction_id),
        kind,
        purpose,
        _when(starts_at),
        _when(ends_at),
        _when(ended_at),
    )
    return _message(_EXCEPTION, parts)


def release_message(
    organisation: str,
    request_id: int,
    subject_id: str,
    recipient: str,
    physician_name: str | None,
    physician_big: str | None,
    released_by: str,
    released_at: datetime,
    record_ids: str,
    excluded: str,
) -> bytes:
    """A copy of the medical file released: on which request, whose, to whom, by whom, when, which records, and what
    was left out on which ground (the JSON lists as stored)."""
    parts = (
        organisation,
        str(request_id),
        subject_id,
        recipient,
        physician_name or "",
        physician_big or "",
        released_by,
        _when(released_at),
        record_ids,
        excluded,
    )
    return _message(_RELEASE, parts)


def closure_message(organisation: str, case_ref: str, subject_id: str, closed_at: datetime, closed_by: str) -> bytes:
    """A case's closure: which case, whose, when and by whom (a retention period counts from it, R36)."""
    return _message(_CLOSURE, (organisation, case_ref, subject_id, _when(closed_at), closed_by))


def breach_message(organisation: str, breach_id: int, columns: tuple[str, ...]) -> bytes:
    """A breach: its id and every column of its register entry, in BREACH_COLUMNS order ("" when NULL)."""
    return _message(_BREACH, (organisation, str(breach_id), *columns))


class RowMacs:
    """Signs and checks row MACs with the key access the guard hands it (it holds the only one)."""

    def __init__(self, provider: RowMacProvider, access: object) -> None:
        self._provider = provider
        self._access = access

    def sign(self, message: bytes) -> bytes:
        return self._provider.row_mac(message, self._access)

    def valid(self, message: bytes, mac: bytes | None) -> bool:
        return mac is not None and hmac.compare_digest(self.sign(message), mac)
