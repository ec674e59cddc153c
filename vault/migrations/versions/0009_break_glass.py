"""break-glass uses and their reviews

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:10:00

The access a use gives is an ordinary, sealed assignment row with relation ``break_glass``; this table holds its
reason and the security officer's review (DOMAIN R37).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "break_glass_uses",
        sa.Column("id", _SEQ, sa.ForeignKey("case_assignments.id"), primary_key=True, autoincrement=False),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("case_ref", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("opened_at", _WHEN, nullable=False),
        sa.Column("ends_at", _WHEN, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.Column("reviewed_at", _WHEN, nullable=True),
        sa.Column("review_note", sa.String(500), nullable=True),
        sa.Column("cleared_by", sa.String(128), nullable=True),
        sa.Column("cleared_at", _WHEN, nullable=True),
    )
    op.create_index("ix_break_glass_user", "break_glass_uses", ["organisation", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_break_glass_user", table_name="break_glass_uses")
    op.drop_table("break_glass_uses")
