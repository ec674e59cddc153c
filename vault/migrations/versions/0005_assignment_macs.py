"""assignments carry a MAC under a provider key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 07:45:00

Rows from before have no MAC and grant nothing until sealed: `kluis init`, which runs this migration with the key
provider at hand, seals them in the same run (audited as `assignment.seal`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_assignments") as batch_op:
        batch_op.add_column(sa.Column("mac", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_assignments") as batch_op:
        batch_op.drop_column("mac")
