"""Verification of the hash chain and signed checkpoints, against fixtures named after the attack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from vault.audit import (
    GENESIS_HASH,
    Checkpoint,
    StoredEvent,
    Verification,
    checkpoint_message,
    link_hash,
    verify_chain,
)
from vault.crypto._primitives import Ed25519Signer as Signer

SIGNER = Signer(Signer.generate_private_bytes())
PUBLIC = SIGNER.public_key()
INTERVAL = 5


def build(n: int = 12, signer: Signer = SIGNER) -> tuple[list[StoredEvent], dict[int, Checkpoint]]:
    events, marks, prev = [], {}, GENESIS_HASH
    for seq in range(1, n + 1):
        body = f'{{"event":"e{seq}","v":1}}'.encode()
        chained = link_hash(seq, prev, body)
        events.append(StoredEvent(seq, prev, chained, body))
        if seq % INTERVAL == 0:
            marks[seq] = Checkpoint(seq, chained, signer.sign(checkpoint_message(seq, chained)))
        prev = chained
    return events, marks


def rechain(events: list[StoredEvent]) -> list[StoredEvent]:
    """What an attacker with write access does after a change: recompute every link from the start."""
    out, prev = [], GENESIS_HASH
    for seq, event in enumerate(events, start=1):
        chained = link_hash(seq, prev, event.body)
        out.append(StoredEvent(seq, prev, chained, event.body))
        prev = chained
    return out


def verify(events: list[StoredEvent], marks: dict[int, Checkpoint], head: int | None = None) -> Verification:
    return verify_chain(events, marks, PUBLIC, max_checkpoint_gap=INTERVAL, expected_head=head)


def test_untouched_chain_verifies() -> None:
    events, marks = build()
    result = verify(events, marks, head=12)
    assert result.ok and result.events == 12 and result.checkpoints == 2 and result.unsigned_tail == 2


def edited_body(events: list[StoredEvent]) -> list[StoredEvent]:
    events[6] = replace(events[6], body=b'{"event":"nothing to see","v":1}')
    return events


def edited_body_with_recomputed_hash(events: list[StoredEvent]) -> list[StoredEvent]:
    e = events[6]
    body = b'{"event":"nothing to see","v":1}'
    events[6] = replace(e, body=body, hash=link_hash(e.seq, e.prev_hash, body))
    return events


def deleted_event(events: list[StoredEvent]) -> list[StoredEvent]:
    del events[6]
    return events


def swapped_bodies(events: list[StoredEvent]) -> list[StoredEvent]:
    a, b = events[6], events[7]
    events[6], events[7] = replace(a, body=b.body), replace(b, body=a.body)
    return events


def reordered_rows(events: list[StoredEvent]) -> list[StoredEvent]:
    events[6], events[7] = events[7], events[6]
    return events


def inserted_event(events: list[StoredEvent]) -> list[StoredEvent]:
    # A forged event spliced in after event 6, with a correct link to 6, and later events renumbered.
    forged_body = b'{"event":"forged","v":1}'
    forged = StoredEvent(7, events[5].hash, link_hash(7, events[5].hash, forged_body), forged_body)
    tail = [replace(e, seq=e.seq + 1) for e in events[6:]]
    return [*events[:6], forged, *tail]


@pytest.mark.parametrize(
    ("attack", "problem", "seq"),
    [
        (edited_body, "altered", 7),
        (edited_body_with_recomputed_hash, "inserted", 7),
        (deleted_event, "removed", 7),
        (swapped_bodies, "altered", 7),
        (reordered_rows, "reordered", 7),
        (inserted_event, "inserted", 7),
    ],
    ids=lambda v: v.__name__ if callable(v) else str(v),
)
def test_tampering_is_found_at_its_sequence_number(
    attack: Callable[[list[StoredEvent]], list[StoredEvent]], problem: str, seq: int
) -> None:
    events, marks = build()
    result = verify(attack(events), marks)
    assert not result.ok
    assert result.problem == problem
    assert result.first_bad_seq == seq


def test_chain_rewritten_end_to_end_is_caught_by_the_checkpoint_signatures() -> None:
    events, marks = build()
    rewritten = rechain(edited_body(events))
    # Every link is consistent again: only the signed checkpoints can tell.
    assert all(e.hash == link_hash(e.seq, e.prev_hash, e.body) for e in rewritten)
    result = verify(rewritten, marks)
    assert not result.ok and result.problem == "rewritten"
    assert result.first_bad_seq == 6  # events 6..10 are the span the failing checkpoint covers


def test_rewrite_with_forged_checkpoints_fails_without_the_signing_key() -> None:
    events, _ = build()
    forger = Signer(Signer.generate_private_bytes())
    rewritten = rechain(edited_body(events))
    _, forged_marks = build(signer=forger)
    forged_marks = {
        s: Checkpoint(s, rewritten[s - 1].hash, forger.sign(checkpoint_message(s, rewritten[s - 1].hash)))
        for s in forged_marks
    }
    result = verify(rewritten, forged_marks)
    assert not result.ok and result.problem == "bad_checkpoint" and result.first_bad_seq == 5


def test_removed_checkpoint_is_found() -> None:
    events, marks = build()
    del marks[5]
    result = verify(events, marks)
    assert not result.ok and result.problem == "bad_checkpoint" and result.first_bad_seq == 1


def test_truncated_tail_is_found_by_checkpoint_or_head() -> None:
    events, marks = build()
    beyond_checkpoint = verify(events[:8], marks)
    assert not beyond_checkpoint.ok and beyond_checkpoint.problem == "truncated"
    tail_only = verify(events[:11], marks, head=12)
    assert not tail_only.ok and tail_only.problem == "truncated" and tail_only.first_bad_seq == 12


def test_tampered_first_event_is_found_at_one() -> None:
    events, marks = build()
    events[0] = replace(events[0], body=b"{}")
    result = verify(events, marks)
    assert not result.ok and result.first_bad_seq == 1


def test_every_verification_problem_has_its_reason_code() -> None:
    from typing import get_args

    from vault.audit import Problem, Reason

    assert {Reason(p) for p in get_args(Problem)}  # raises if a problem has no code
