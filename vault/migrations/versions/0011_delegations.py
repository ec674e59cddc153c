"""delegations: an adviser's cases to another adviser for a period

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("delegator", sa.String(128), nullable=False),
        sa.Column("delegate", sa.String(128), nullable=False),
        sa.Column("case_ref", sa.String(128), nullable=True),
        sa.Column("starts_at", _WHEN, nullable=False),
        sa.Column("ends_at", _WHEN, nullable=False),
        sa.Column("revoked_at", _WHEN, nullable=True),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("mac", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_delegations_delegate", "delegations", ["organisation", "delegate"])


def downgrade() -> None:
    op.drop_index("ix_delegations_delegate", table_name="delegations")
    op.drop_table("delegations")
