"""The audit log's writer: the only code that inserts audit rows (an import-linter contract), called only by
the access guard.

Appends are serialised by the single ``audit_head`` row: ``SELECT ... FOR UPDATE`` on PostgreSQL, and on SQLite
the ``BEGIN IMMEDIATE`` every transaction starts with. Unique constraints on seq and prev_hash make a fork
impossible even if that serialisation were bypassed. The caller owns the transaction, so an event commits
together with the access it records, or not at all.

The head row is sealed: a MAC under the key provider's row-MAC key over its sequence number and hash, renewed with
every append. An append first checks the seal of the head it extends; a head the database administrator moved (over
events they inserted, or a tail they rewrote) has no valid seal, and the log then takes nothing: no event is chained
onto, and no checkpoint signed over, what Kluis did not write (fail closed; `kluis audit verify` names it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import structlog
from sqlalchemy.orm import Session

from vault._kit import Clock
from vault.audit import _repository as repository
from vault.audit._chain import Checkpoint, checkpoint_message, head_message, link_hash
from vault.audit._event import AuditEvent
from vault.audit._repository import Head
from vault.crypto import verify_signature
from vault.errors import AuditUnavailable
from vault.keys import Signer

log = structlog.get_logger(__name__)
# session.info keys: what appends in a transaction did, for whoever commits it to act on afterwards (appended())
_HEAD_SEQ = "kluis.audit_head_seq"
_TO_WITNESS = "kluis.audit_to_witness"


class Sealer(Protocol):
    """MACs under a key the database administrator does not hold (the key provider's row-MAC key)."""

    def sign(self, message: bytes) -> bytes: ...

    def valid(self, message: bytes, mac: bytes | None) -> bool: ...


class UnsealedHead(AuditUnavailable):
    """The head's seal does not hold: the log was changed outside Kluis, and takes no event until that is resolved."""


class AuditLog:
    """Appends events and signs checkpoints: every ``checkpoint_interval`` events, and at the first append once
    ``checkpoint_seconds`` have passed since the newest checkpoint (``due_checkpoint`` covers an idle log). The
    checkpoints a transaction signed are handed back, for the guard to give to the witness after the commit."""

    def __init__(
        self,
        signer: Signer,
        sealer: Sealer,
        checkpoint_interval: int,
        clock: Clock,
        checkpoint_seconds: float = 5.0,
    ) -> None:
        self._signer = signer
        self._sealer = sealer
        self._committed = 0  # the highest seq a committed append of this process wrote
        self._interval = checkpoint_interval
        self._seconds = checkpoint_seconds
        self._clock = clock

    @property
    def checkpoint_interval(self) -> int:
        return self._interval

    def append(
        self, session: Session, events: Sequence[AuditEvent], *, adopt_unsealed: bool = False
    ) -> list[Checkpoint]:
        """Append events in order, inside the caller's transaction. Returns the checkpoints signed.
        ``adopt_unsealed``: only for `kluis init` in the run that adds head seals, to extend the head from before."""
        head = self._locked_head(session, adopt_unsealed=adopt_unsealed)
        seq, prev = head.seq, head.hash
        rows: list[dict[str, object]] = []
        signed: list[Checkpoint] = []
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
                    "category": event.about.category,
                    "subject": event.about.subject,
                    "case_ref": event.about.case_ref,
                    "organisation": event.actor.organisation,
                }
            )
            if seq % self._interval == 0:
                signed.append(self._sign(seq, chained))
            prev = chained
        now = self._clock.now()
        if seq > head.seq and (not signed or signed[-1].seq != seq) and self._due(head, now):
            signed.append(self._sign(seq, prev))  # bound the unsigned tail in time, not only in count
        repository.insert_events(session, rows, [self._row(c, now) for c in signed])
        newest = (signed[-1].seq, now) if signed else None
        seal = self._seal(seq, prev, *(newest or (head.signed_seq, head.signed_at)))
        repository.move_head(session, seq, prev, seal, newest)
        session.info[_HEAD_SEQ] = seq
        session.info.setdefault(_TO_WITNESS, []).extend(signed)
        return signed

    def seal_head(self, session: Session, *, only_if_due: bool = False) -> Checkpoint | None:
        """Sign a checkpoint at the current head now (before an export, or on a timer for an idle log), unless
        the head is signed already. Returns the checkpoint at the head (new or existing), None for an empty log."""
        head = self._locked_head(session)
        if not head.seq:
            return None
        now = self._clock.now()
        if head.signed_seq == head.seq:
            existing = repository.checkpoint_at(session, head.seq)
            if existing is not None:  # witnessed again: a witness that failed before catches up
                session.info.setdefault(_TO_WITNESS, []).append(existing)
            return existing
        if only_if_due and not self._due(head, now):
            return None
        checkpoint = self._sign(head.seq, head.hash)
        repository.insert_events(session, [], [self._row(checkpoint, now)])
        repository.move_head(
            session, head.seq, head.hash, self._seal(head.seq, head.hash, head.seq, now), (head.seq, now)
        )
        session.info.setdefault(_TO_WITNESS, []).append(checkpoint)
        return checkpoint

    def appended(self, session: Session) -> tuple[int | None, Checkpoint | None]:
        """After ``session`` committed: the head its appends wrote (None: it appended nothing) and the newest head it
        signed, for the witness (None: none). The head is then noted as committed (see _locked_head)."""
        seq = session.info.get(_HEAD_SEQ)
        if seq is not None:
            self._committed = max(self._committed, seq)
        signed: list[Checkpoint] = session.info.get(_TO_WITNESS, [])
        return seq, (signed[-1] if signed else None)

    def needs_adoption(self, session: Session, *, upgrading: bool) -> bool:
        """Whether `kluis init` must seal the head it finds: True for a head without a seal that is provably Kluis's
        (the empty log, or a head at a checkpoint whose signature verifies) or found in the run that migrates to head
        seals; False for a sealed head. Any other head stays refused (UnsealedHead): its events after the newest
        checkpoint cannot be told from events someone else appended."""
        head = repository.lock_head(session)
        if self.head_sealed(head):
            return False
        if head.mac is None and (upgrading or head.seq == 0 or self._at_valid_checkpoint(session, head)):
            return True
        log.error("audit_head_unsealed", seq=head.seq, signed_seq=head.signed_seq)
        raise UnsealedHead(
            "the audit head has no valid seal and is not at a signed checkpoint: see kluis audit verify (after an "
            "upgrade that stopped half way, restore the database from before it and run kluis init again)"
        )

    def _at_valid_checkpoint(self, session: Session, head: Head) -> bool:
        checkpoint = repository.checkpoint_at(session, head.seq)
        message = checkpoint_message(head.seq, head.hash)
        return (
            checkpoint is not None
            and checkpoint.hash == head.hash
            and verify_signature(self._signer.public_key(), checkpoint.signature, message)
        )

    def head_sealed(self, head: Head) -> bool:
        """Whether the head row's seal holds for its sequence number and hash."""
        return self._sealer.valid(head_message(head.seq, head.hash, head.signed_seq, head.signed_at), head.mac)

    def _locked_head(self, session: Session, *, adopt_unsealed: bool = False) -> Head:
        head = repository.lock_head(session)
        if head.seq < self._committed:
            # An earlier, validly sealed head row put back (with the events after it removed): the seal cannot tell,
            # but this process committed further than that.
            log.error("audit_head_rolled_back", seq=head.seq, committed=self._committed)
            raise UnsealedHead(
                "the audit head was moved back below what this process committed (see kluis audit verify)"
            )
        if self.head_sealed(head) or (adopt_unsealed and head.mac is None):
            return head
        log.error("audit_head_unsealed", seq=head.seq, signed_seq=head.signed_seq)
        raise UnsealedHead(
            "the audit head's seal is invalid: the log was changed outside Kluis (run kluis audit verify)"
        )

    def _seal(self, seq: int, chain_hash: bytes, signed_seq: int, signed_at: datetime | None) -> bytes:
        return self._sealer.sign(head_message(seq, chain_hash, signed_seq, signed_at))

    def _due(self, head: Head, now: datetime) -> bool:
        return head.signed_at is None or (now - head.signed_at).total_seconds() >= self._seconds

    def _sign(self, seq: int, chained: bytes) -> Checkpoint:
        return Checkpoint(seq, chained, self._signer.sign(checkpoint_message(seq, chained)))

    @staticmethod
    def _row(checkpoint: Checkpoint, now: datetime) -> dict[str, object]:
        return {"seq": checkpoint.seq, "hash": checkpoint.hash, "signature": checkpoint.signature, "signed_at": now}
