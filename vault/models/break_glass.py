"""Break-glass uses (DOMAIN R37): a registered unit member opens one case they are not assigned to, for a limited
time, on a stated reason; each use waits for the security officer's review."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq, Timestamp


class BreakGlassUse(Base):
    """What access a use gave is its assignment row (relation ``break_glass``, sealed like every assignment, so the
    decision path is the ordinary one); this row holds why, and the review."""

    __tablename__ = "break_glass_uses"
    __table_args__ = (Index("ix_break_glass_user", "organisation", "user_id"),)

    id: Mapped[int] = mapped_column(Seq, ForeignKey("case_assignments.id"), primary_key=True, autoincrement=False)
    organisation: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    case_ref: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(32))  # a code from vault.vocabulary.BreakGlassReason
    note: Mapped[str] = mapped_column(String(500))  # the user's own words; never copied into an audit event
    opened_at: Mapped[datetime] = mapped_column(Timestamp)
    ends_at: Mapped[datetime] = mapped_column(Timestamp)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # justified | not_justified
    reviewed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    review_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # a not-justified finding cleared
    cleared_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
