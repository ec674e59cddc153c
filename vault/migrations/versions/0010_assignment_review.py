"""assignments carry when their need-to-know was last confirmed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:40:00

The periodic need-to-know review (DOMAIN R10): an assignment older than KLUIS_ASSIGNMENT_REVIEW_DAYS since it
started or was last confirmed is due. The column decides no access (it is outside the row MAC): an edited one can at
most hide a due review, and every confirmation is in the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_assignments") as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_assignments") as batch_op:
        batch_op.drop_column("confirmed_at")
