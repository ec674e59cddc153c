"""Records, their sealed fields and the reference tokens the claims dossier holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Timestamp


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
    # 1 when created; each change of its fields keeps the values it replaced as this version, then counts on (R28)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # the class of its data key's scope, fixed at creation: its fields are always sealed under that class (R36)
    retention_class: Mapped[str] = mapped_column(String(32), default="case_file", server_default="case_file")


class RecordField(Base):
    __tablename__ = "record_fields"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class RecordFieldVersion(Base):
    """A field's value as it was before a change (R28: every change keeps the previous version), sealed as it was,
    under the same data key: an erasure of the subject's keys erases the history too."""

    __tablename__ = "record_field_versions"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)  # the record's version this value belonged to
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_key_id: Mapped[str] = mapped_column(ForeignKey("data_keys.id"), index=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    replaced_at: Mapped[datetime] = mapped_column(Timestamp)
    replaced_by: Mapped[str] = mapped_column(String(128))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("subject_requests.id"), nullable=True)  # a rectification


class Reference(Base):
    """An opaque token the claims dossier holds instead of a record id; bound to its case and organisation."""

    __tablename__ = "references"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), unique=True)
    organisation: Mapped[str] = mapped_column(String(64))
    case_ref: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
