"""Data subjects, known to Kluis by a random id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Timestamp


class Subject(Base):
    """A data subject, known to Kluis by a random id (also its pseudonym in the audit log)."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("organisation", "subject_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(64))
    subject_ref: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
