"""audit archives (R42): a signed boundary below which events were archived; the database lets only archived
events older than five years be removed, and nothing be changed

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The floor of R42, in the database itself: configuration may keep events longer, never shorter.
_KEPT = "5 years"
_REFUSAL = "kluis audit tables are append-only: only archived events older than 5 years may be removed"


def upgrade() -> None:
    op.create_table(
        "audit_archives",
        sa.Column("seq_to", _BIGINT, primary_key=True, autoincrement=False),
        sa.Column("seq_from", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.Column("statement", sa.String(4000), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _postgresql() -> None:
    # UPDATE and TRUNCATE stay refused for the whole statement; DELETE is decided per row.
    for table in ("audit_events", "audit_checkpoints"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION kluis_audit_append_only()"
        )
    op.execute(
        "CREATE TRIGGER audit_archives_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_archives "
        "FOR EACH STATEMENT EXECUTE FUNCTION kluis_audit_append_only()"
    )
    # The function's search path is fixed to the schema it guards, temporary tables last: a TEMP audit_archives
    # created by whoever deletes would otherwise be found first and say anything.
    schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
    for table, moment, keep in (("audit_events", "occurred_at", ">"), ("audit_checkpoints", "signed_at", ">=")):
        op.execute(
            f"CREATE FUNCTION kluis_{table}_archived_only() RETURNS trigger LANGUAGE plpgsql "  # noqa: S608 (constants)
            f'SET search_path = "{schema}", pg_temp AS $$ BEGIN '
            f"IF OLD.seq {keep} (SELECT COALESCE(MAX(seq_to), 0) FROM audit_archives) "
            f"OR OLD.{moment} >= now() - interval '{_KEPT}' THEN RAISE EXCEPTION '{_REFUSAL}'; END IF; "
            "RETURN OLD; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_archived_only BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION kluis_{table}_archived_only()"
        )


def _sqlite() -> None:
    # The boundary's own checkpoint stays (verification starts from it); SQLite keeps timestamps as UTC text.
    for table, moment, keep in (("audit_events", "occurred_at", ">"), ("audit_checkpoints", "signed_at", ">=")):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "  # noqa: S608 (constants, no input)
            f"WHEN OLD.seq {keep} (SELECT COALESCE(MAX(seq_to), 0) FROM audit_archives) "
            f"OR OLD.{moment} >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{_KEPT}') "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
        )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_archives_no_{verb.lower()} BEFORE {verb} ON audit_archives "
            "BEGIN SELECT RAISE(ABORT, 'kluis audit tables are append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("audit_events", "audit_checkpoints"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_archived_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS kluis_{table}_archived_only()")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION kluis_audit_append_only()"
            )
    else:
        for table in ("audit_events", "audit_checkpoints"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'kluis audit tables are append-only'); END"
            )
    op.drop_table("audit_archives")
