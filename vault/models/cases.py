"""Cases referred to the unit, need-to-know assignments, and published advice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq, Timestamp


class Case(Base):
    """A claims or acceptance case as the unit knows it: referred to the unit by the claims side."""

    __tablename__ = "cases"

    organisation: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_ref: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    status: Mapped[str] = mapped_column(String(16))
    referred_at: Mapped[datetime] = mapped_column(Timestamp)
    referred_by: Mapped[str] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)  # ends all unit access (R10)
    closed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # the closure's row MAC: a retention period counts from a closure only as Kluis wrote it (R36)
    closure_mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


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
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # vault/access/_row_macs.py
    created_by: Mapped[str] = mapped_column(String(128))
    confirmed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)  # the need-to-know review


class Delegation(Base):
    """An adviser's cases (all, or one) delegated to another registered adviser for a period (DOMAIN R2): the delegate
    works on them on behalf of the delegator. Sealed like assignments; a delegate's own delegations never pass on
    what was delegated to them (only the delegator's own assignments are delegated)."""

    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_delegate", "organisation", "delegate"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    delegator: Mapped[str] = mapped_column(String(128))
    delegate: Mapped[str] = mapped_column(String(128))
    case_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)  # None: all the delegator's cases
    starts_at: Mapped[datetime] = mapped_column(Timestamp)
    ends_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_by: Mapped[str] = mapped_column(String(128))
    mac: Mapped[bytes] = mapped_column(LargeBinary)


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
