"""The audit log's writer: the only code that inserts audit rows (an import-linter contract), called only by
the access guard.

Appends are serialised by the single ``audit_head`` row: ``SELECT ... FOR UPDATE`` on PostgreSQL, and on SQLite
the ``BEGIN IMMEDIATE`` every transaction starts with. Unique constraints on seq and prev_hash make a fork
impossible even if that serialisation were bypassed. The caller owns the transaction, so an event commits
together with the access it records, or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from vault._kit import Clock
from vault.audit import _repository as repository
from vault.audit._chain import checkpoint_message, link_hash
from vault.audit._event import AuditEvent
from vault.audit._repository import Head
from vault.keys import Signer


class AuditLog:
    def __init__(self, signer: Signer, checkpoint_interval: int, clock: Clock) -> None:
        self._signer = signer
        self._interval = checkpoint_interval
        self._clock = clock

    @property
    def checkpoint_interval(self) -> int:
        return self._interval

    def append(self, session: Session, events: Sequence[AuditEvent]) -> Head:
        """Append events in order, inside the caller's transaction. Returns the new head."""
        head = repository.lock_head(session)
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
                    "category": event.about.category,
                    "subject": event.about.subject,
                    "case_ref": event.about.case_ref,
                }
            )
            if seq % self._interval == 0:
                checkpoints.append(self._checkpoint(seq, chained))
            prev = chained
        repository.insert_events(session, rows, checkpoints)
        repository.move_head(session, seq, prev)
        return Head(seq, prev)

    def seal_head(self, session: Session) -> Head:
        """Sign a checkpoint at the current head now (e.g. before an export), unless one exists."""
        head = repository.lock_head(session)
        if head.seq and not repository.has_checkpoint(session, head.seq):
            repository.insert_events(session, [], [self._checkpoint(head.seq, head.hash)])
        return head

    def _checkpoint(self, seq: int, chained: bytes) -> dict[str, object]:
        signature = self._signer.sign(checkpoint_message(seq, chained))
        return {"seq": seq, "hash": chained, "signature": signature, "signed_at": self._clock.now()}
