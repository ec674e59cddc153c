"""Processing agreements (DOMAIN R47): a processor — a volmacht holder, an external medical-advice bureau — acts
for the controller only under one of these, and only in the roles it names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq, Timestamp


class ProcessingAgreement(Base):
    """One agreement of the controller (``organisation``) with one processor, for a period. A processor's token
    counts only while a sealed agreement for its processor is live, and only in the roles it lists. Never deleted:
    ending one is a new MAC over its decisive columns (vault/access/_row_macs.py)."""

    __tablename__ = "processing_agreements"
    __table_args__ = (Index("ix_processing_agreements_processor", "organisation", "processor"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))  # the controller
    processor: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(64))  # the agreement's own reference (verwerkersovereenkomst)
    roles: Mapped[str] = mapped_column(String(200))  # the roles it covers, sorted, comma-separated
    starts_at: Mapped[datetime] = mapped_column(Timestamp)
    ends_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)  # lapses at this moment
    ended_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)  # ended early
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp)
    ended_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    mac: Mapped[bytes] = mapped_column(LargeBinary)
