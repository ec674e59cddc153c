"""Audit retention (DOMAIN R42): events are kept at least five years; older ones are archived into a file that
verifies offline, behind a signed boundary, and the chain still verifies after; the database refuses removing what
no boundary covers or what is younger than five years, and a boundary removed or forged is found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import Harness, ManualClock, drop_append_only_guard, open_harness
from vault import AccessDenied, AuditQuery, InvalidInput, Settings, initialise, verify_export

SECURITY = actor("sec", "security_officer")
OLD = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)  # more than five years before the database's own clock
RECENT = datetime.now(UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OLD)


@pytest.fixture
def log(settings: Settings, clock: ManualClock) -> Iterator[Harness]:
    """A log of 2019 (some 35 events, checkpoints every 10), then a few events of now."""
    initialise(settings, OPERATOR, clock)
    running = open_harness(settings, clock)
    for _ in range(34):
        running.vault.audit.search(SECURITY, AuditQuery(limit=1))
    clock.current = RECENT
    for _ in range(5):
        running.vault.audit.search(SECURITY, AuditQuery(limit=1))
    yield running
    running.close()


def _archive(kluis: Harness, tmp_path: Path, *, dry_run: bool = False, years: int = 5) -> tuple[int, int, Path | None]:
    done = kluis.vault.audit.archive(SECURITY, tmp_path / "archive", years, dry_run=dry_run)
    return done.events, done.seq_to, done.file


def _seqs(kluis: Harness) -> tuple[int, int]:
    with kluis.engine.connect() as connection:
        low, high = connection.execute(sa.text("SELECT min(seq), max(seq) FROM audit_events")).one()
    return int(low), int(high)


def test_events_older_than_five_years_are_archived_to_a_file_that_verifies_and_the_chain_still_does(
    log: Harness, tmp_path: Path
) -> None:
    before = _seqs(log)
    assert _archive(log, tmp_path, dry_run=True)[:2] == (30, 30)  # up to the last checkpoint of 2019
    assert _seqs(log) == (1, before[1] + 1)  # a dry run removes nothing (its own event aside)
    events, upto, file = _archive(log, tmp_path)
    assert (events, upto) == (30, 30) and file is not None and file.name == "audit-000000000001-000000000030.jsonl"
    assert _seqs(log)[0] == 31  # the rest stays: 31..34 of 2019 are after the last checkpoint
    with file.open(encoding="ascii") as handle:
        offline = verify_export(handle, log.vault.audit.public_key, 10)
    assert offline.ok and offline.last_seq == 30 and offline.events == 30
    result = log.vault.audit.verify(SECURITY)
    assert result.ok and result.events == result.last_seq - 30 == _seqs(log)[1] - 31  # its own event came after
    exported = list(log.vault.audit.export(SECURITY))
    assert json.loads(exported[0])["archived"]["seq_to"] == 30
    assert verify_export(exported, log.vault.audit.public_key, 10).ok  # an export after an archive verifies offline
    assert _archive(log, tmp_path)[0] == 0  # nothing older than five years is left before a checkpoint
    archived = [json.loads(line) for line in file.read_text().splitlines()[1:] if '"event"' in line]
    assert [e["seq"] for e in archived] == list(range(1, 31))


def test_a_longer_retention_archives_nothing_and_less_than_five_years_is_refused(log: Harness, tmp_path: Path) -> None:
    assert _archive(log, tmp_path, years=10)[0] == 0
    with pytest.raises(InvalidInput):
        _archive(log, tmp_path, years=4)
    with pytest.raises(AccessDenied):
        log.vault.audit.archive(actor("pia", "privacy_officer"), tmp_path, 5)


def test_the_database_refuses_removing_events_no_boundary_covers_or_younger_than_five_years(
    log: Harness, tmp_path: Path
) -> None:
    for statement in ("DELETE FROM audit_events WHERE seq = 1", "DELETE FROM audit_checkpoints WHERE seq = 10"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), log.engine.begin() as connection:
            connection.execute(sa.text(statement))  # old, but not archived
    _archive(log, tmp_path)
    newest = _seqs(log)[1]
    for statement in (
        f"DELETE FROM audit_events WHERE seq = {newest}",  # young, and after the boundary
        "DELETE FROM audit_events WHERE seq = 31",  # old, but after the boundary
        "DELETE FROM audit_checkpoints WHERE seq = 30",  # the boundary's own checkpoint
        "DELETE FROM audit_archives",
        "UPDATE audit_archives SET seq_to = 40",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), log.engine.begin() as connection:
            connection.execute(sa.text(statement))
    assert log.vault.audit.verify(SECURITY).ok


def test_a_boundary_removed_or_moved_in_the_database_is_found(log: Harness, tmp_path: Path) -> None:
    _archive(log, tmp_path)
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_archives SET seq_to = 34"))  # as if 31..34 were archived too
        connection.execute(sa.text("DELETE FROM audit_events WHERE seq <= 34"))
    moved = log.vault.audit.verify(SECURITY)
    assert not moved.ok and moved.problem == "bad_archive"
    with log.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_archives"))
    removed = log.vault.audit.verify(SECURITY)
    assert not removed.ok and removed.problem == "removed" and removed.first_bad_seq == 1


def test_a_row_forged_below_the_boundary_is_neither_searched_nor_passed_by_verify(log: Harness, tmp_path: Path) -> None:
    _archive(log, tmp_path)
    body = json.dumps({"event_type": "record.read", "actor": {"user": "forged-user"}}).encode()
    with log.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO audit_events (seq, prev_hash, hash, body, occurred_at, actor, event_type, outcome)"
                " VALUES (5, :p, :h, :b, :t, 'forged-user', 'record.read', 'allowed')"
            ),
            {"p": b"p" * 32, "h": b"h" * 32, "b": body, "t": OLD},
        )
    assert log.vault.audit.search(SECURITY, AuditQuery(user="forged-user")).events == []
    result = log.vault.audit.verify(SECURITY)
    assert not result.ok and (result.problem, result.first_bad_seq) == ("inserted", 5)
