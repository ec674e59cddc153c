"""audit events carry their organisation as a search column

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:00:00

Search and overviews never cross organisations (DOMAIN R47): they filter on this column, which verification holds
to the body like every other search column. Existing rows get it from their body, in this migration, which runs as
the owner: the append-only trigger is set aside for exactly that statement, inside the migration's transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("organisation", sa.String(64), nullable=True))  # no batch: keeps triggers
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        op.execute(
            "UPDATE audit_events SET organisation = convert_from(body, 'UTF8')::jsonb -> 'actor' ->> 'organisation'"
        )
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
        op.execute("UPDATE audit_events SET organisation = json_extract(CAST(body AS TEXT), '$.actor.organisation')")
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'kluis audit tables are append-only'); END"
        )
    op.create_index("ix_audit_organisation_seq", "audit_events", ["organisation", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_organisation_seq", table_name="audit_events")
    op.drop_column("audit_events", "organisation")
