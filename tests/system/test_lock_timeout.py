"""Operations under load: a lock held elsewhere (a stuck transaction, a DBA's session) makes a request fail closed
after the lock timeout instead of pinning the worker (the insider issue's operations item)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import open_harness
from vault import AuditQuery, AuditUnavailable, initialise


@pytest.mark.postgres
def test_a_held_audit_head_lock_fails_the_request_closed_then_releases(tmp_path: Path, postgres_url: str) -> None:
    settings = make_settings(tmp_path, postgres_url, database_lock_timeout_seconds=0.5)
    initialise(settings, OPERATOR)
    kluis = open_harness(settings)
    security = actor("sec", "security_officer")
    holder = sa.create_engine(postgres_url)
    try:
        with holder.connect() as connection:
            transaction = connection.begin()
            connection.execute(sa.text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))
            with pytest.raises(AuditUnavailable):
                kluis.vault.audit.search(security, AuditQuery(limit=1))  # cannot append its event: no access
            transaction.rollback()
        assert kluis.vault.audit.search(security, AuditQuery(limit=1)).events  # the lock gone, service as usual
    finally:
        holder.dispose()
        kluis.close()
