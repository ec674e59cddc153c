"""The breach register (DOMAIN R46, GDPR art. 33(5)): every personal-data breach, notifiable or not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq, Timestamp


class Breach(Base):
    """One breach as the privacy officer records and assesses it. Never deleted; every change re-seals the row
    (its MAC covers every column below but the MAC itself, vault/access/_row_macs.py ``breach_message``)."""

    __tablename__ = "breaches"

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    detected_at: Mapped[datetime] = mapped_column(Timestamp)  # the 72 hours count from here (art. 33(1))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp)
    recorded_by: Mapped[str] = mapped_column(String(128))
    exposure: Mapped[str] = mapped_column(String(32))  # vault.vocabulary.Exposure
    categories: Mapped[str] = mapped_column(String(64))  # affected categories, sorted, comma-separated
    description: Mapped[str] = mapped_column(String(1000))  # what happened, never the data itself
    compromised_keks: Mapped[str] = mapped_column(String(500))  # JSON {"health": [1, 2]}: KEK versions exposed
    risk: Mapped[str | None] = mapped_column(String(16), nullable=True)  # vault.vocabulary.BreachRisk
    risk_assessment: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    authority_notified_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    authority_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subjects_informed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    not_informed_ground: Mapped[str | None] = mapped_column(String(32), nullable=True)  # art. 34(3)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    mac: Mapped[bytes] = mapped_column(LargeBinary)
