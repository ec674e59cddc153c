"""The Casbin policy rules as loaded at init."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from vault.models._base import Base, Seq


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
