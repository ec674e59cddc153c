"""the unit register, and cases that close

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 11:40:00

A token's data role counts only while the register confirms it (DOMAIN R3, R4, R7). Deployments from before have
no registrations: after this migration, advisers, staff and criminal-data officers are refused until the key admin
registers them (`kluis unit register`), which is what R3 asks.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unit_members",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("credential", sa.String(64), nullable=True),
        sa.Column("credential_date", _WHEN, nullable=True),
        sa.Column("verified_by", sa.String(128), nullable=True),
        sa.Column("supervisor", sa.String(128), nullable=True),
        sa.Column("starts_at", _WHEN, nullable=False),
        sa.Column("ends_at", _WHEN, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed_at", _WHEN, nullable=False),
        sa.Column("changed_by", sa.String(128), nullable=False),
        sa.Column("mac", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_unit_members_user", "unit_members", ["organisation", "user_id"])
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("closed_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closed_at")
    op.drop_index("ix_unit_members_user", table_name="unit_members")
    op.drop_table("unit_members")
