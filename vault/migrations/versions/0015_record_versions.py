"""record versions: every change of a record's fields keeps the values it replaced (R28)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite takes it with a constant default): rebuilding `records` would touch every row
    op.add_column("records", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "record_field_versions",
        sa.Column("record_id", sa.String(36), sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("data_key_id", sa.String(36), sa.ForeignKey("data_keys.id"), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by", sa.String(128), nullable=False),
        sa.Column("request_id", _SEQ, sa.ForeignKey("subject_requests.id"), nullable=True),
    )
    op.create_index("ix_record_field_versions_data_key_id", "record_field_versions", ["data_key_id"])


def downgrade() -> None:
    op.drop_table("record_field_versions")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("version")
