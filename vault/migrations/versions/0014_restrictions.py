"""restriction of processing: restrictions and their exceptions (R30)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 18:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "restrictions",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("case_ref", sa.String(128), nullable=True),
        sa.Column("request_id", _SEQ, sa.ForeignKey("subject_requests.id"), nullable=False),
        sa.Column("ground", sa.String(32), nullable=False),
        sa.Column("placed_at", _WHEN, nullable=False),
        sa.Column("placed_by", sa.String(128), nullable=False),
        sa.Column("lifted_at", _WHEN, nullable=True),
        sa.Column("lifted_by", sa.String(128), nullable=True),
        sa.Column("lift_reason", sa.String(32), nullable=True),
        sa.Column("subject_told_on", sa.Date(), nullable=True),
        sa.Column("mac", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_restrictions_subject", "restrictions", ["organisation", "subject_id", "category"])
    op.create_table(
        "restriction_exceptions",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("restriction_id", _SEQ, sa.ForeignKey("restrictions.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("starts_at", _WHEN, nullable=False),
        sa.Column("ends_at", _WHEN, nullable=False),
        sa.Column("granted_by", sa.String(128), nullable=False),
        sa.Column("ended_at", _WHEN, nullable=True),
        sa.Column("mac", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_restriction_exceptions_restriction", "restriction_exceptions", ["restriction_id"])


def downgrade() -> None:
    op.drop_table("restriction_exceptions")
    op.drop_table("restrictions")
