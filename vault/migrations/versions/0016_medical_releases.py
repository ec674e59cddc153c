"""medical releases: copies of the medical file released on an access request (R27)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 18:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "medical_releases",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("request_id", _SEQ, sa.ForeignKey("subject_requests.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("recipient", sa.String(16), nullable=False),
        sa.Column("physician_name", sa.String(128), nullable=True),
        sa.Column("physician_big", sa.String(11), nullable=True),
        sa.Column("released_by", sa.String(128), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_ids", sa.Text(), nullable=False),
        sa.Column("excluded", sa.Text(), nullable=False),
    )
    op.create_index("ix_medical_releases_subject", "medical_releases", ["organisation", "subject_id"])


def downgrade() -> None:
    op.drop_table("medical_releases")
