"""Verification and export of the stored audit log (the database side of vault.audit_chain)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy.orm import Session

from vault import audit_log
from vault.audit_chain import Verification, verify_chain
from vault.audit_log import parse_export


def verify_stored(session: Session, public_key: bytes, max_checkpoint_gap: int) -> Verification:
    """Verify the chain up to the head this session sees (a consistent snapshot)."""
    head = audit_log.head(session)
    return verify_chain(
        audit_log.iter_events(session, upto=head.seq),
        audit_log.checkpoints(session),
        public_key,
        max_checkpoint_gap=max_checkpoint_gap,
        expected_head=head.seq,
    )


def verify_export(lines: Iterable[str], public_key: bytes, max_checkpoint_gap: int) -> Verification:
    """Verify an export offline. The public key must come from a trusted place, not from the file."""
    claimed, events, marks = parse_export(iter(lines))
    return verify_chain(events, marks, public_key, max_checkpoint_gap=max_checkpoint_gap, expected_head=claimed)


def export(session: Session, public_key: bytes) -> Iterator[str]:
    head = audit_log.head(session)
    return audit_log.export_lines(session, head.seq, public_key)
