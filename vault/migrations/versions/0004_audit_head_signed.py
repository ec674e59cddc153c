"""audit head remembers its newest signed checkpoint

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 07:00:00

Checkpoints are signed every N events and at least every few seconds; the head row keeps the sequence number and
time of the newest one, so deciding whether a timed checkpoint is due costs no extra query per append.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch_op:
        batch_op.add_column(sa.Column("signed_seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE audit_head SET signed_seq = COALESCE((SELECT max(seq) FROM audit_checkpoints), 0), "
        "signed_at = (SELECT max(signed_at) FROM audit_checkpoints)"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch_op:
        batch_op.drop_column("signed_at")
        batch_op.drop_column("signed_seq")
