"""Hash chain and checkpoint verification: pure functions over stored bytes, no database.

    link(n)      = SHA-256("kluis.audit.v1" 0x00 || seq(n) as u64 BE || link(n-1) || body(n)),  link(0) = 32 zero bytes
    checkpoint   = Ed25519 over "kluis.checkpoint.v1" 0x00 || seq as u64 BE || link(seq)
    head seal    = the provider's row MAC over "kluis.audit.head.v1" 0x00 || seq as u64 BE || link(seq)
                   || signed_seq as u64 BE || signed_at (UTC ISO 8601, microseconds; empty if none)

Verification walks events in the order given and stops at the first inconsistency, naming its sequence number.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from vault.crypto import verify_signature

GENESIS_HASH = bytes(32)
_LINK_PREFIX = b"kluis.audit.v1\x00"
_CHECKPOINT_PREFIX = b"kluis.checkpoint.v1\x00"
_HEAD_PREFIX = b"kluis.audit.head.v1\x00"
_SEQ = struct.Struct(">Q")

Problem = Literal[
    "altered",
    "removed",
    "inserted",
    "reordered",
    "rewritten",
    "truncated",
    "wiped",
    "bad_checkpoint",
    "mismatched_index",
    "head_mismatch",
    "unsealed_head",
    "bad_archive",
]
# The search columns of an event row, in this order, as they must read from its body (see index_of).
IndexColumns = tuple[str, str, str, str, str | None, str | None, str | None, str | None]


def link_hash(seq: int, prev_hash: bytes, body: bytes) -> bytes:
    return hashlib.sha256(_LINK_PREFIX + _SEQ.pack(seq) + prev_hash + body).digest()


def checkpoint_message(seq: int, chain_hash: bytes) -> bytes:
    return _CHECKPOINT_PREFIX + _SEQ.pack(seq) + chain_hash


def head_message(seq: int, chain_hash: bytes, signed_seq: int, signed_at: datetime | None) -> bytes:
    """What the head row's MAC covers: without the provider's key nobody can move the head to a chain they made, nor
    change when its newest checkpoint was signed (which decides when the next one is due)."""
    when = b"" if signed_at is None else signed_at.astimezone(UTC).isoformat(timespec="microseconds").encode()
    return _HEAD_PREFIX + _SEQ.pack(seq) + chain_hash + _SEQ.pack(signed_seq) + when


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    prev_hash: bytes
    hash: bytes
    body: bytes
    index: IndexColumns | None = None  # the row's search columns, when verifying the database (not an export)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    events: int  # events checked
    last_seq: int
    checkpoints: int  # checkpoints verified
    unsigned_tail: int  # events after the last checkpoint (protected by the chain only)
    problem: Problem | None = None
    first_bad_seq: int | None = None
    detail: str = ""
    witnessed_seq: int | None = None  # the newest head the witness holds, when one was checked
    recorded: bool = True  # whether the verification's own audit event could be written


def verify_chain(
    events: Iterable[StoredEvent],
    checkpoints: Mapping[int, Checkpoint],
    public_key: bytes,
    *,
    max_checkpoint_gap: int,
    expected_head: int | None = None,
    witnessed: Checkpoint | None = None,
    head_hash: bytes | None = None,
    head_sealed: bool | None = None,
    start: tuple[int, bytes] | None = None,
) -> Verification:
    """Recompute the chain from stored bytes and check every checkpoint signature.

    ``max_checkpoint_gap``: checkpoints are written every that many events, so a longer stretch without one means
    checkpoints were removed. ``expected_head``: the sequence number the head row claims (None offline).
    ``witnessed``: the newest signed head kept outside the database; the chain must reach it with the same hash, or
    it was truncated, rolled back, wiped or rewritten. Events that carry their search columns (``index``) must have
    columns that say what their body says. ``head_hash`` and ``head_sealed``: the head row's hash and whether its MAC
    holds (None offline); a chain that checks out but ends at a head without a valid seal was extended, or its
    unsigned tail rewritten, by someone without the key. ``start``: (seq, link) of a verified archive boundary
    (vault/audit/_archive.py): the events up to it were archived, and the chain continues from its link.
    """
    if witnessed is not None and not verify_signature(
        public_key, witnessed.signature, checkpoint_message(witnessed.seq, witnessed.hash)
    ):
        return Verification(False, 0, 0, 0, 0, "bad_checkpoint", witnessed.seq, "the witnessed head is not signed")
    prev_seq, prev_hash, count, verified = 0, GENESIS_HASH, 0, 0
    if start is not None:
        prev_seq, prev_hash = start
    last_checkpoint = prev_seq

    def fail(problem: Problem, seq: int, detail: str) -> Verification:
        return Verification(False, count, prev_seq, verified, prev_seq - last_checkpoint, problem, seq, detail)

    stream = iter(events)
    for event in stream:
        if event.seq <= prev_seq:
            return fail("reordered", event.seq, f"event {event.seq} appears after event {prev_seq}")
        if event.seq != prev_seq + 1:
            following = next(stream, None)  # the missing event may just have been moved later
            if following is not None and following.seq == prev_seq + 1:
                return fail("reordered", prev_seq + 1, f"event {prev_seq + 1} appears after event {event.seq}")
            return fail("removed", prev_seq + 1, f"events {prev_seq + 1}..{event.seq - 1} are missing")
        if event.prev_hash != prev_hash:
            # The successor's link disagrees with the predecessor: the predecessor was rewritten, or this event
            # was inserted or moved here.
            bad = prev_seq if prev_seq else event.seq
            return fail(
                "inserted" if prev_seq else "altered", bad, f"event {event.seq} does not link to event {prev_seq}"
            )
        computed = link_hash(event.seq, event.prev_hash, event.body)
        if computed != event.hash:
            return fail("altered", event.seq, f"event {event.seq} does not match its hash")
        if event.index is not None and not index_matches(event.body, event.index):
            return fail("mismatched_index", event.seq, f"event {event.seq}: a search column differs from its body")
        if witnessed is not None and event.seq == witnessed.seq and computed != witnessed.hash:
            return fail("rewritten", event.seq, f"event {event.seq} differs from the witnessed head")
        count, prev_seq, prev_hash = count + 1, event.seq, computed
        checkpoint = checkpoints.get(event.seq)
        if checkpoint is not None:
            if not verify_signature(
                public_key, checkpoint.signature, checkpoint_message(checkpoint.seq, checkpoint.hash)
            ):
                return fail("bad_checkpoint", event.seq, f"checkpoint {event.seq} has an invalid signature")
            if checkpoint.hash != computed:
                return fail(
                    "rewritten",
                    last_checkpoint + 1,
                    f"events {last_checkpoint + 1}..{event.seq} differ from the signed checkpoint {event.seq}",
                )
            verified, last_checkpoint = verified + 1, event.seq
        elif event.seq - last_checkpoint > max_checkpoint_gap:
            return fail(
                "bad_checkpoint",
                last_checkpoint + 1,
                f"a checkpoint is missing: none covers events {last_checkpoint + 1}..{event.seq}",
            )

    beyond = [seq for seq in checkpoints if seq > prev_seq]
    if beyond:
        return fail("truncated", prev_seq + 1, f"checkpoint {min(beyond)} signs events that are missing")
    if witnessed is not None and prev_seq < witnessed.seq:
        problem: Problem = "wiped" if prev_seq == (0 if start is None else start[0]) else "truncated"
        return fail(problem, prev_seq + 1, f"the witness holds a signed head at {witnessed.seq}, found {prev_seq}")
    if expected_head is not None and expected_head > prev_seq:
        return fail("truncated", prev_seq + 1, f"the chain head says {expected_head} events, found {prev_seq}")
    if expected_head is not None and expected_head < prev_seq:
        return fail("head_mismatch", expected_head + 1, f"the head row says {expected_head}, the chain has {prev_seq}")
    if head_hash is not None and head_hash != prev_hash:
        return fail("head_mismatch", prev_seq, f"the head row's hash is not that of event {prev_seq}")
    if head_sealed is False:
        return fail(
            "unsealed_head",
            last_checkpoint + 1,
            f"the head row's seal is invalid: events after checkpoint {last_checkpoint} are not proven",
        )
    witnessed_seq = None if witnessed is None else witnessed.seq
    return Verification(True, count, prev_seq, verified, prev_seq - last_checkpoint, witnessed_seq=witnessed_seq)


def index_matches(body: bytes, index: IndexColumns) -> bool:
    """Whether the row's search columns say what its body says: each column must appear in the body as its own
    key and value. Sound because the body is canonical JSON (sorted keys, compact, ASCII-escaped, so a quote inside
    a string is escaped) in which each of these keys occurs once — and fast: no parse, one byte search each
    (written out, not looped: this runs a million times in a verify)."""
    occurred, user, event_type, outcome, category, subject, case_ref, organisation = index
    j = _json_value
    return (
        b'"occurred_at":' + j(occurred) in body
        and b'"event_type":' + j(event_type) in body
        and b'"outcome":' + j(outcome) in body
        and b'"user":' + j(user) in body
        and b'"category":' + j(category) in body
        and b'"subject":' + j(subject) in body
        and b'"case_ref":' + j(case_ref) in body
        and b'"organisation":' + j(organisation) in body
    )


def _json_value(value: str | None) -> bytes:
    if value is None:
        return b"null"
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return b'"' + value.encode("ascii") + b'"'
    return json.dumps(value, ensure_ascii=True).encode("ascii")
