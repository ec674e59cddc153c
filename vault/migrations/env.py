"""Alembic environment: always run with a connection handed in by vault._kit.migrations.migrate()."""

from __future__ import annotations

from alembic import context

import vault.models.audit  # noqa: F401  (registers the audit tables on Base.metadata)
from vault.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `kluis init` (vault._kit.migrations.migrate)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
