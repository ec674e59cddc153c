"""retention (R36): each record keeps the retention class it was created in; a case's closure is sealed

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every record so far was sealed under a case_file key (the only class before the retention rules).
    op.add_column("records", sa.Column("retention_class", sa.String(32), nullable=False, server_default="case_file"))
    # A closure from before is proven by its case.close event in the chained log instead (vault/retention).
    op.add_column("cases", sa.Column("closure_mac", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("closure_mac")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("retention_class")
