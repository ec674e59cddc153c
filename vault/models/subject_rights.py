"""The data subject's rights (DOMAIN R24-R32): requests and their deadlines, legal holds, and erasures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq, Timestamp


class SubjectRequest(Base):
    """One request of one subject, from receipt to answer. Its deadlines are calendar dates in the Netherlands:
    due one calendar month after receipt, or up to two months later when extended (told within the first month)."""

    __tablename__ = "subject_requests"
    __table_args__ = (Index("ix_subject_requests_due", "organisation", "status", "due_on"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))  # the pseudonym, never the customer number
    kind: Mapped[str] = mapped_column(String(16))  # vault.vocabulary.RequestKind
    received_at: Mapped[datetime] = mapped_column(Timestamp)
    due_on: Mapped[date] = mapped_column(Date)  # one calendar month after receipt (31 Jan -> 28/29 Feb)
    extended_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # at most two months more
    extension_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    subject_told_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # of the extension, in the first month
    identity_method: Mapped[str | None] = mapped_column(String(32), nullable=True)  # IdentityMethod
    identity_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)  # e.g. the check's file number
    identity_verified_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    identity_verified_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # RequestStatus
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)  # RequestOutcome
    ground: Mapped[str | None] = mapped_column(String(32), nullable=True)  # a deferral's or refusal's ground code
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    registered_by: Mapped[str] = mapped_column(String(128))
    # The privacy officer's own words (never copied into an audit event: free text may say more than it should).
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # Over organisation, id, subject, kind, identity method and status (vault/access/_row_macs.py): a request
    # redirected to another subject or made to look identified in the database is refused. NULL: not yet sealed.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class LegalHold(Base):
    """A legal claim or retention obligation on a subject's data (optionally one case's): while it is live, an
    erasure is deferred with this ground (art. 17(3)(b),(e))."""

    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_subject", "organisation", "subject_id"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    case_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)  # None: all the subject's data
    ground: Mapped[str] = mapped_column(String(32))  # vault.vocabulary.HoldGround
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)  # e.g. the court case number
    placed_at: Mapped[datetime] = mapped_column(Timestamp)
    placed_by: Mapped[str] = mapped_column(String(128))
    lifted_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # Over organisation, id, subject, case, ground and lifted_at: a hold lifted or moved in the database is still
    # counted as live (it defers). NULL: not yet sealed (right after the insert).
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Erasure(Base):
    """One crypto-shredding of a subject's data keys in one category, on a request, with its signed receipt. It is
    final once every KEK version that wrapped those keys is retired (`kluis keys retire`): then no backup holding
    the wrapped keys opens either."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_requests.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    category: Mapped[str] = mapped_column(String(16))
    key_count: Mapped[int] = mapped_column(Integer)
    kek_version: Mapped[int] = mapped_column(Integer)  # the newest KEK version that wrapped a destroyed key
    erased_at: Mapped[datetime] = mapped_column(Timestamp)
    erased_by: Mapped[str] = mapped_column(String(128))
    receipt: Mapped[str] = mapped_column(Text)  # the receipt's canonical JSON (key ids included)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 over "kluis.erasure-receipt.v1" 0x00 receipt


class Restriction(Base):
    """A subject's data in one category (optionally one case's) restricted on their request (art. 18): stored,
    and decrypted or changed only under a live exception (a legal-claims order, or the subject's consent)."""

    __tablename__ = "restrictions"
    __table_args__ = (Index("ix_restrictions_subject", "organisation", "subject_id", "category"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    category: Mapped[str] = mapped_column(String(16))
    case_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)  # None: all the subject's cases
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_requests.id"))
    ground: Mapped[str] = mapped_column(String(32))  # vault.vocabulary.RestrictionGround
    placed_at: Mapped[datetime] = mapped_column(Timestamp)
    placed_by: Mapped[str] = mapped_column(String(128))
    lifted_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)  # vault.vocabulary.LiftReason
    subject_told_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # of the lifting (art. 18(3))
    # Over organisation, id, subject, category, case and lifted_at: a restriction lifted or moved in the database
    # still restricts. NULL: not yet sealed (right after the insert).
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class RestrictionException(Base):
    """What lets restricted data be processed for one purpose until ``ends_at`` (art. 18(2))."""

    __tablename__ = "restriction_exceptions"
    __table_args__ = (Index("ix_restriction_exceptions_restriction", "restriction_id"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    restriction_id: Mapped[int] = mapped_column(ForeignKey("restrictions.id"))
    kind: Mapped[str] = mapped_column(String(32))  # vault.vocabulary.ExceptionKind
    purpose: Mapped[str] = mapped_column(String(32))  # legal_claims for an order; the consent's purpose
    reference: Mapped[str] = mapped_column(String(64))  # the court case or claim number; the consent's reference
    starts_at: Mapped[datetime] = mapped_column(Timestamp)
    ends_at: Mapped[datetime] = mapped_column(Timestamp)
    granted_by: Mapped[str] = mapped_column(String(128))
    ended_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # Over organisation, id, restriction, kind, purpose, starts_at, ends_at and ended_at: an exception inserted or
    # widened in the database lets nothing through.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class MedicalRelease(Base):
    """A copy of the subject's medical file released by a medical adviser on their access request (R27): who
    released what to whom, and what was left out on which ground; never the content."""

    __tablename__ = "medical_releases"
    __table_args__ = (Index("ix_medical_releases_subject", "organisation", "subject_id"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int] = mapped_column(ForeignKey("subject_requests.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    recipient: Mapped[str] = mapped_column(String(16))  # vault.vocabulary.CopyRecipient
    physician_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    physician_big: Mapped[str | None] = mapped_column(String(11), nullable=True)  # BIG register number
    released_by: Mapped[str] = mapped_column(String(128))
    released_at: Mapped[datetime] = mapped_column(Timestamp)
    record_ids: Mapped[str] = mapped_column(Text)  # JSON list of the records released
    excluded: Mapped[str] = mapped_column(Text)  # JSON list of {"record_id", "ground"}
    # Over every column but the id (vault/access/_row_macs.py), written with the row (the service may not update
    # it): a release rewritten in the database is flagged and left out of the subject's report.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
