"""data keys scoped per subject x category x case x retention class

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 06:00:00

Existing keys (one per subject and category) keep ``case_ref`` NULL: they still open what they sealed, and
`kluis keys migrate` re-seals their fields under scoped keys (that needs the key provider, which a migration does not
have). See docs/DECISIONS.md, "data-key granularity".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite keeps the 0001 unique constraint unnamed; batch mode finds it under this convention.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique_name() -> str:
    return "uq_data_keys_subject_id" if op.get_bind().dialect.name == "sqlite" else "data_keys_subject_id_category_key"


def upgrade() -> None:
    with op.batch_alter_table("data_keys", naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.add_column(sa.Column("case_ref", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("retention_class", sa.String(length=32), nullable=False, server_default="case_file")
        )
        batch_op.drop_constraint(_old_unique_name(), type_="unique")
        batch_op.create_unique_constraint(
            "uq_data_keys_scope", ["subject_id", "category", "case_ref", "retention_class"]
        )


def downgrade() -> None:
    scoped = op.get_bind().execute(
        sa.text("SELECT count(*) FROM (SELECT 1 FROM data_keys GROUP BY subject_id, category HAVING count(*) > 1) s")
    )
    if scoped.scalar():
        raise RuntimeError("cannot downgrade: subjects have several data keys per category (restore the backup)")
    with op.batch_alter_table("data_keys", naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint("uq_data_keys_scope", type_="unique")
        batch_op.create_unique_constraint(_old_unique_name(), ["subject_id", "category"])
        batch_op.drop_column("retention_class")
        batch_op.drop_column("case_ref")
