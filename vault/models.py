"""SQLAlchemy models: the tables Kluis owns. Schema changes go through Alembic (vault/migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only aliases the rowid for INTEGER PRIMARY KEY; BIGINT elsewhere.
Seq = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every engine (SQLite keeps no zone and would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # the common case, once per row in bulk paths
            return value
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = UTCDateTime()


class Base(DeclarativeBase):
    # Declared so Core statements on a model's table type-check: bulk paths insert into the table directly.
    __table__: ClassVar[Table]


class Subject(Base):
    """A data subject, known to Kluis by a random id (also its pseudonym in the audit log)."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("organisation", "subject_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(64))
    subject_ref: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Record(Base):
    """A health or criminal record: metadata in clear, field values sealed in RecordField."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_case", "organisation", "case_ref"), Index("ix_records_subject", "subject_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    case_ref: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(256))
    purpose: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class RecordField(Base):
    __tablename__ = "record_fields"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class DataKeyRow(Base):
    """A subject's data key for one category, stored only wrapped by a KEK version. NULL after shredding."""

    __tablename__ = "data_keys"
    __table_args__ = (
        UniqueConstraint("subject_id", "category"),
        Index("ix_data_keys_kek", "category", "kek_version"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    category: Mapped[str] = mapped_column(String(16))
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    seals: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    destroyed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class Reference(Base):
    """An opaque token the claims dossier holds instead of a record id; bound to its case and organisation."""

    __tablename__ = "references"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), unique=True)
    organisation: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class CaseAssignment(Base):
    """Need-to-know: who works on which case, in which role, from when to when."""

    __tablename__ = "case_assignments"
    __table_args__ = (Index("ix_assignments_user_case", "user_id", "organisation", "case_ref"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    relation: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(Timestamp)
    ends_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_by: Mapped[str] = mapped_column(String(128))


class AuditHead(Base):
    """The single row that serialises appends: whoever holds its lock owns the next sequence number."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEventRow(Base):
    """One audit event: its canonical bytes as written, chained by hash. Append-only (database-enforced)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_actor_time", "actor", "occurred_at"),
        Index("ix_audit_subject_time", "subject", "occurred_at"),
        Index("ix_audit_case_time", "case_ref", "occurred_at"),
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


class AuditCheckpoint(Base):
    """An Ed25519 signature over (seq, hash) of the chain at that point; the key lives outside the database."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)
    signed_at: Mapped[datetime] = mapped_column(Timestamp)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class PolicyRule(Base):
    """Casbin rules, loaded from policies/ at init. Few and static: per-case relations are not here."""

    __tablename__ = "policy_rules"

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    ptype: Mapped[str] = mapped_column(String(8))
    v0: Mapped[str] = mapped_column(String(64), default="")
    v1: Mapped[str] = mapped_column(String(64), default="")
    v2: Mapped[str] = mapped_column(String(64), default="")
    v3: Mapped[str] = mapped_column(String(64), default="")
    v4: Mapped[str] = mapped_column(String(64), default="")
    v5: Mapped[str] = mapped_column(String(64), default="")


class Case(Base):
    """A claims or acceptance case as the unit knows it: referred to the unit by the claims side."""

    __tablename__ = "cases"

    organisation: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    status: Mapped[str] = mapped_column(String(16))
    referred_at: Mapped[datetime] = mapped_column(Timestamp)
    referred_by: Mapped[str] = mapped_column(String(128))


class Advice(Base):
    """A published version of the adviser's conclusion in non-medical terms (R11, R15). Versions are kept."""

    __tablename__ = "advice"
    __table_args__ = (UniqueConstraint("organisation", "case_ref", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the fixed non-medical schema, as canonical JSON
    recipient: Mapped[str] = mapped_column(String(128))
    published_by: Mapped[str] = mapped_column(String(128))
    published_at: Mapped[datetime] = mapped_column(Timestamp)
