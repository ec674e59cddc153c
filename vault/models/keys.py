"""Data keys, stored only wrapped by a key-encryption key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Timestamp


class DataKeyRow(Base):
    """A data key, stored only wrapped by a KEK version; ``wrapped`` is NULL once destroyed (crypto-shredded).

    Scope (docs/DECISIONS.md, "data-key granularity"): one key per subject x category x case x retention class, so
    that erasure shreds a subject's keys and retention shreds one case's records of one class when its period ends,
    without touching anything else. ``case_ref`` NULL marks a key from before that scope (one per subject and
    category): `kluis keys migrate` re-seals its fields under scoped keys and destroys it.
    """

    __tablename__ = "data_keys"
    __table_args__ = (
        UniqueConstraint("subject_id", "category", "case_ref", "retention_class", name="uq_data_keys_scope"),
        Index("ix_data_keys_kek", "category", "kek_version"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    category: Mapped[str] = mapped_column(String(16))
    case_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    retention_class: Mapped[str] = mapped_column(String(32), default="case_file")
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    seals: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    destroyed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
