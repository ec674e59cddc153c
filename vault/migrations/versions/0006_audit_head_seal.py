"""the audit head row carries a MAC over its sequence number and hash

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:30:00

Every append checks the head's MAC before it extends the chain, so an event a database administrator appended (with
the head moved over it) is never chained onto nor signed over. The head from before has no MAC: `kluis init`, which
runs this migration with the key provider at hand, seals it in the same run (audited as `audit.head_seal`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch_op:
        batch_op.add_column(sa.Column("mac", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch_op:
        batch_op.drop_column("mac")
