"""the data subject's rights: requests, legal holds, erasures (R24, R29, R32)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subject_requests",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.String(32), nullable=True),
        sa.Column("subject_told_on", sa.Date(), nullable=True),
        sa.Column("identity_method", sa.String(32), nullable=True),
        sa.Column("identity_reference", sa.String(64), nullable=True),
        sa.Column("identity_verified_by", sa.String(128), nullable=True),
        sa.Column("identity_verified_at", _WHEN, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("ground", sa.String(32), nullable=True),
        sa.Column("decided_at", _WHEN, nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("registered_by", sa.String(128), nullable=False),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("mac", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_subject_requests_due", "subject_requests", ["organisation", "status", "due_on"])
    op.create_table(
        "legal_holds",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("case_ref", sa.String(128), nullable=True),
        sa.Column("ground", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("placed_at", _WHEN, nullable=False),
        sa.Column("placed_by", sa.String(128), nullable=False),
        sa.Column("lifted_at", _WHEN, nullable=True),
        sa.Column("lifted_by", sa.String(128), nullable=True),
        sa.Column("mac", sa.LargeBinary(), nullable=True),
    )
    op.create_index("ix_legal_holds_subject", "legal_holds", ["organisation", "subject_id"])
    op.create_table(
        "erasures",
        sa.Column("id", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("request_id", _SEQ, sa.ForeignKey("subject_requests.id"), nullable=False),
        sa.Column("subject_id", sa.String(36), sa.ForeignKey("subjects.id"), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("key_count", sa.Integer(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("erased_at", _WHEN, nullable=False),
        sa.Column("erased_by", sa.String(128), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_index("ix_legal_holds_subject", table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_index("ix_subject_requests_due", table_name="subject_requests")
    op.drop_table("subject_requests")
