"""The unit register: who belongs to the functional unit, in which role, on which credential (DOMAIN R3, R4, R7)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq, Timestamp


class UnitMember(Base):
    """One registration of one user in one role: an adviser's BIG registration, a staff member's confidentiality
    agreement and supervising adviser, a criminal-data officer's authorisation, or an officer's duty (key admin,
    security or privacy officer: recorded so that nobody is registered into a data role beside it).

    A token role counts only while a sealed registration for it is active. A registration is never deleted: it is
    suspended, reinstated or ended, each a new MAC over its decisive columns (vault/access/_row_macs.py)."""

    __tablename__ = "unit_members"
    __table_args__ = (Index("ix_unit_members_user", "organisation", "user_id"),)

    id: Mapped[int] = mapped_column(Seq, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    # The credential the role rests on: a BIG number, an agreement's or an authorisation's reference.
    credential: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credential_date: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)  # verified, signed, granted
    verified_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # who checked it, or granted it
    supervisor: Mapped[str | None] = mapped_column(String(128), nullable=True)  # staff: the responsible adviser
    # The processor the person works for (R47), or None: the controller's own staff. Their token must say the same,
    # and the processor's agreement must cover the role.
    processor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(Timestamp)
    ends_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)  # lapses at this moment
    status: Mapped[str] = mapped_column(String(16))  # active | suspended | ended
    changed_at: Mapped[datetime] = mapped_column(Timestamp)
    changed_by: Mapped[str] = mapped_column(String(128))
    mac: Mapped[bytes] = mapped_column(LargeBinary)
