"""processing agreements, and the processor a unit member works for (R47)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "processing_agreements",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("processor", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("roles", sa.String(200), nullable=False),
        sa.Column("starts_at", _WHEN, nullable=False),
        sa.Column("ends_at", _WHEN, nullable=True),
        sa.Column("ended_at", _WHEN, nullable=True),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", _WHEN, nullable=False),
        sa.Column("ended_by", sa.String(128), nullable=True),
        sa.Column("mac", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_processing_agreements_processor", "processing_agreements", ["organisation", "processor"])
    # Existing registrations are the controller's own staff (NULL), so their MACs (v1 messages) still hold.
    with op.batch_alter_table("unit_members") as batch:
        batch.add_column(sa.Column("processor", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit_members") as batch:
        batch.drop_column("processor")
    op.drop_index("ix_processing_agreements_processor", table_name="processing_agreements")
    op.drop_table("processing_agreements")
