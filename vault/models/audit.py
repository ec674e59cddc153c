"""The audit log: its head, its chained events and its signed checkpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq, Timestamp


class AuditHead(Base):
    """The single row that serialises appends: whoever holds its lock owns the next sequence number."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
    signed_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # the newest checkpoint's sequence number
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # over seq and hash (vault/audit/_log.py)


class AuditEventRow(Base):
    """One audit event: its canonical bytes as written, chained by hash. Append-only (database-enforced)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_actor_time", "actor", "occurred_at"),
        Index("ix_audit_subject_time", "subject", "occurred_at"),
        Index("ix_audit_case_time", "case_ref", "occurred_at"),
        Index("ix_audit_organisation_seq", "organisation", "seq"),
    )

    seq: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=False)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary)  # derived from (seq, prev_hash, body); seq is the key
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # Copies of body members for search; verification never trusts them, it hashes body.
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    actor: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(48))
    outcome: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(16), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(36), nullable=True)
    case_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    organisation: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the actor's (migration 0008)


class AuditCheckpoint(Base):
    """An Ed25519 signature over (seq, hash) of the chain at that point; the key lives outside the database."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
    signed_at: Mapped[datetime] = mapped_column(Timestamp)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class AuditArchive(Base):
    """A signed boundary (R42): events up to ``seq_to`` were written to an archive file, verified there and only
    then removed; verification continues from ``hash``. The database keeps the boundary's checkpoint, and its
    triggers let nothing newer, nor anything younger than five years, be removed. Append-only."""

    __tablename__ = "audit_archives"

    seq_to: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=False)
    seq_from: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[bytes] = mapped_column(LargeBinary)  # link(seq_to): the chain's state at the boundary
    statement: Mapped[str] = mapped_column(String(4000))  # the signed statement (canonical JSON)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519, audit signing key
