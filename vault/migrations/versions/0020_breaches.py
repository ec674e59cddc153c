"""breach register (R46): every breach, its 72-hour deadline, risk, notifications, sealed

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "breaches",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("detected_at", _WHEN, nullable=False),
        sa.Column("recorded_at", _WHEN, nullable=False),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("exposure", sa.String(32), nullable=False),
        sa.Column("categories", sa.String(64), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("compromised_keks", sa.String(500), nullable=False),
        sa.Column("risk", sa.String(16), nullable=True),
        sa.Column("risk_assessment", sa.String(2000), nullable=True),
        sa.Column("authority_notified_at", _WHEN, nullable=True),
        sa.Column("authority_reference", sa.String(64), nullable=True),
        sa.Column("subjects_informed_at", _WHEN, nullable=True),
        sa.Column("not_informed_ground", sa.String(32), nullable=True),
        sa.Column("closed_at", _WHEN, nullable=True),
        sa.Column("mac", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("breaches")
