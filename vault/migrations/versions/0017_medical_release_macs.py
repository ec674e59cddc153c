"""medical release MACs: a release rewritten in the database is flagged (R27)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 19:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("medical_releases", sa.Column("mac", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("medical_releases") as batch:
        batch.drop_column("mac")
