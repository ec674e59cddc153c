"""The audit log against a database administrator: every tamper is named after its attack, on both databases,
and verification says what and where (DESIGN.md "Who is not trusted"; the insider issue's findings 1, 2 and 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor
from tests.harness import Harness, ManualClock, drop_append_only_guard, open_harness
from vault import AuditQuery, AuditUnavailable, Settings, initialise, verify_export

SECURITY = actor("sec", "security_officer")


@pytest.fixture
def log(settings: Settings, clock: ManualClock) -> Iterator[Harness]:
    """A log with 25 events of searches, its head signed and witnessed (checkpoint interval 10)."""
    initialise(settings, OPERATOR, clock)
    running = open_harness(settings, clock)
    for _ in range(24):
        running.vault.audit.search(SECURITY, AuditQuery(limit=1))
    clock.advance(seconds=6)
    running.vault.heartbeat()  # the idle log's head gets signed and witnessed
    yield running
    running.close()


def _head(kluis: Harness) -> int:
    with kluis.engine.connect() as connection:
        return int(connection.scalar(sa.text("SELECT seq FROM audit_head")) or 0)


def test_an_untouched_log_verifies_up_to_its_witnessed_head(log: Harness) -> None:
    result = log.vault.audit.verify(SECURITY)
    assert result.ok and result.witnessed_seq == _head(log) - 1  # the verify's own access came after


def test_search_column_edited_to_hide_a_user_is_found(log: Harness) -> None:
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 7"))
    assert log.vault.audit.search(SECURITY, AuditQuery(user="someone-else")).events  # what the filter now shows...
    result = log.vault.audit.verify(SECURITY)
    assert not result.ok and result.problem == "mismatched_index" and result.first_bad_seq == 7  # ...verify refuses


def test_outcome_column_edited_to_show_a_read_as_denied_is_found(log: Harness) -> None:
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_events SET outcome = 'denied' WHERE seq = 12"))
    result = log.vault.audit.verify(SECURITY)
    assert result.problem == "mismatched_index" and result.first_bad_seq == 12


def test_organisation_column_edited_to_move_events_to_another_organisation_is_found(log: Harness) -> None:
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_events SET organisation = 'other-insurer' WHERE seq = 9"))
    result = log.vault.audit.verify(SECURITY)
    assert result.problem == "mismatched_index" and result.first_bad_seq == 9


def test_tail_cut_after_the_last_checkpoint_with_the_head_moved_back_is_found(log: Harness) -> None:
    head = _head(log)
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        row = connection.execute(sa.text("SELECT seq, hash FROM audit_events WHERE seq = 20")).one()
        connection.execute(sa.text("DELETE FROM audit_events WHERE seq > 20"))
        connection.execute(sa.text("DELETE FROM audit_checkpoints WHERE seq > 20"))
        connection.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": row[0], "h": row[1]})
    result = log.vault.audit.verify(SECURITY)
    assert not result.ok and result.problem == "truncated" and result.first_bad_seq == 21
    assert head > 21


def test_the_whole_log_wiped_and_the_head_reset_to_genesis_is_found(log: Harness) -> None:
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_checkpoints"))
        connection.execute(sa.text("DELETE FROM audit_events"))
        connection.execute(sa.text("UPDATE audit_head SET seq = 0, hash = :h, signed_seq = 0"), {"h": bytes(32)})
    result = log.vault.audit.verify(SECURITY)
    assert not result.ok and result.problem == "wiped"


def test_signed_events_rewritten_with_recomputed_links_and_checkpoints_removed_are_found(log: Harness) -> None:
    """Rewrite every event and drop every checkpoint: the chain links up, but the witness holds the real head."""
    from vault.audit import link_hash

    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        rows = connection.execute(sa.text("SELECT seq, body FROM audit_events ORDER BY seq")).all()
        connection.execute(sa.text("DELETE FROM audit_checkpoints"))
        connection.execute(sa.text("DELETE FROM audit_events"))
        prev = bytes(32)
        for seq, body in rows:
            forged = bytes(body).replace(b'"outcome":"allowed"', b'"outcome":"denied"')
            chained = link_hash(seq, prev, forged)
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (seq, prev_hash, hash, body, occurred_at, actor, event_type, outcome) "
                    "VALUES (:s, :p, :h, :b, CURRENT_TIMESTAMP, 'x', 'x', 'denied')"
                ),
                {"s": seq, "p": prev, "h": chained, "b": forged},
            )
            prev = chained
        connection.execute(sa.text("UPDATE audit_head SET hash = :h"), {"h": prev})
    result = log.vault.audit.verify(SECURITY)
    assert not result.ok and result.problem in ("rewritten", "bad_checkpoint", "mismatched_index")


def test_verify_on_a_head_rolled_back_by_one_names_it_instead_of_failing(log: Harness) -> None:
    with log.engine.begin() as connection:  # the head row is the service's to update: a DBA moves it back one
        row = connection.execute(sa.text("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1 OFFSET 1")).one()
        connection.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": row[0], "h": row[1]})
    result = log.vault.audit.verify(SECURITY)  # appending its own event would collide on seq: it reads first
    assert not result.ok and result.problem == "head_mismatch" and result.first_bad_seq == row[0] + 1
    assert result.recorded is False


def test_export_on_a_damaged_log_still_streams_and_a_cut_export_fails_offline(log: Harness, tmp_path: Path) -> None:
    lines = list(log.vault.audit.export(SECURITY))
    assert json.loads(lines[-1])["type"] == "trailer"
    key, interval = log.public_key, log.settings.audit_checkpoint_interval
    assert verify_export(lines, key, interval).ok
    cut = [lines[0].replace(f'"events": {json.loads(lines[0])["events"]}', '"events": 20')]
    cut += [
        line for line in lines[1:] if json.loads(line).get("seq", 0) <= 20 and json.loads(line)["type"] != "trailer"
    ]
    result = verify_export(cut, key, interval)
    assert not result.ok and result.problem == "truncated"  # last events, checkpoint and trailer removed
    assert not verify_export(lines[:-1], key, interval).ok  # the trailer alone removed


def test_a_timed_checkpoint_bounds_the_unsigned_tail(settings: Settings, clock: ManualClock) -> None:
    initialise(settings, OPERATOR, clock)
    running = open_harness(settings, clock)
    try:
        running.vault.audit.search(SECURITY, AuditQuery(limit=1))
        clock.advance(seconds=2)
        running.vault.audit.search(SECURITY, AuditQuery(limit=1))
        clock.advance(seconds=4)  # 6 s since the first checkpoint: the next append signs its head
        running.vault.audit.search(SECURITY, AuditQuery(limit=1))
        with running.engine.connect() as connection:
            signed = list(connection.execute(sa.text("SELECT seq FROM audit_checkpoints ORDER BY seq")).scalars())
        assert signed == [1, _head(running)]
        witnessed = running.vault._deps.guard.witnessed_head()
        assert witnessed is not None and witnessed.seq == _head(running)
    finally:
        running.close()


def _forge_append(kluis: Harness) -> int:
    """Append a copy of the newest event as the next one, its link computed as Kluis would, and move the head over
    it: everything but the head's seal, which needs the provider's key. Returns the forged event's seq."""
    from vault.audit import link_hash

    with kluis.engine.begin() as connection:  # inserting is what the append-only triggers allow
        last = connection.execute(
            sa.text(
                "SELECT seq, hash, body, occurred_at, actor, event_type, outcome, category, subject, case_ref, "
                "organisation FROM audit_events ORDER BY seq DESC LIMIT 1"
            )
        ).one()
        seq, chained = last[0] + 1, link_hash(last[0] + 1, bytes(last[1]), bytes(last[2]))
        connection.execute(
            sa.text(
                "INSERT INTO audit_events (seq, prev_hash, hash, body, occurred_at, actor, event_type, outcome, "
                "category, subject, case_ref, organisation) "
                "VALUES (:s, :p, :h, :b, :o, :a, :t, :oc, :c, :su, :cr, :org)"
            ),
            {"s": seq, "p": bytes(last[1]), "h": chained, "b": bytes(last[2]), "o": last[3], "a": last[4]}
            | {"t": last[5], "oc": last[6], "c": last[7], "su": last[8], "cr": last[9], "org": last[10]},
        )
        connection.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": seq, "h": chained})
    return int(seq)


def _signed_seq(kluis: Harness) -> int:
    with kluis.engine.connect() as connection:
        return int(connection.scalar(sa.text("SELECT signed_seq FROM audit_head")) or 0)


def test_an_event_appended_with_a_recomputed_link_and_the_head_moved_is_found_and_never_extended(log: Harness) -> None:
    log.vault.audit.search(SECURITY, AuditQuery(limit=1))  # an unsigned tail of one
    signed = _signed_seq(log)
    forged = _forge_append(log)
    result = log.vault.audit.verify(SECURITY)
    assert not result.ok and result.problem == "unsealed_head" and result.first_bad_seq == signed + 1
    assert result.recorded is False  # the log took no event on top of the forged one
    with pytest.raises(AuditUnavailable):  # every access fails closed: nothing is chained onto it...
        log.vault.audit.search(SECURITY, AuditQuery(limit=1))
    with pytest.raises(AuditUnavailable):  # ...and no checkpoint is signed over it
        log.vault._deps.guard.seal_audit_head()
    assert _head(log) == forged and _signed_seq(log) == signed


def test_the_unsigned_tail_rewritten_with_recomputed_links_and_head_is_found(log: Harness) -> None:
    from vault.audit import link_hash

    for _ in range(3):
        log.vault.audit.search(SECURITY, AuditQuery(limit=1))
    signed = _signed_seq(log)
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        rows = connection.execute(
            sa.text("SELECT seq, prev_hash, body FROM audit_events WHERE seq > :s ORDER BY seq"), {"s": signed}
        ).all()
        prev = bytes(rows[0][1])
        for seq, _, body in rows:
            forged = bytes(body).replace(b'"outcome":"allowed"', b'"outcome":"denied"')
            chained = link_hash(seq, prev, forged)
            connection.execute(
                sa.text(
                    "UPDATE audit_events SET body = :b, hash = :h, prev_hash = :p, outcome = 'denied' WHERE seq = :s"
                ),
                {"b": forged, "h": chained, "p": prev, "s": seq},
            )
            prev = chained
        connection.execute(sa.text("UPDATE audit_head SET hash = :h"), {"h": prev})
    result = log.vault.audit.verify(SECURITY)
    assert not result.ok and result.problem == "unsealed_head" and result.first_bad_seq == signed + 1


def test_a_head_whose_seal_was_removed_takes_no_event(log: Harness) -> None:
    before = _head(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_head SET mac = NULL"))
    with pytest.raises(AuditUnavailable):
        log.vault.audit.search(SECURITY, AuditQuery(limit=1))
    assert _head(log) == before
    assert log.vault.audit.verify(SECURITY).problem == "unsealed_head"
    assert not log.vault.ready()  # /readyz answers 503: the load balancer takes the process out


def test_the_checkpoint_time_moved_to_postpone_signing_takes_no_event(log: Harness) -> None:
    """The head's seal covers when its newest checkpoint was signed: a signed_at pushed into the future (so that no
    timed checkpoint would ever be due) breaks it."""
    before = _head(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("UPDATE audit_head SET signed_at = :t"), {"t": "9999-12-31 00:00:00.000000+00:00"})
    with pytest.raises(AuditUnavailable):
        log.vault.audit.search(SECURITY, AuditQuery(limit=1))
    assert _head(log) == before and log.vault.audit.verify(SECURITY).problem == "unsealed_head"


def test_an_earlier_sealed_head_put_back_with_the_events_after_it_removed_takes_no_event(log: Harness) -> None:
    """The seal cannot tell an old, validly sealed head row from the current one; the process that committed
    further can."""
    with log.engine.connect() as connection:
        saved = connection.execute(sa.text("SELECT seq, hash, signed_seq, signed_at, mac FROM audit_head")).one()
    for _ in range(3):
        log.vault.audit.search(SECURITY, AuditQuery(limit=1))
    drop_append_only_guard(log)
    with log.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_events WHERE seq > :s"), {"s": saved[0]})
        connection.execute(sa.text("DELETE FROM audit_checkpoints WHERE seq > :s"), {"s": saved[0]})
        connection.execute(
            sa.text("UPDATE audit_head SET seq = :s, hash = :h, signed_seq = :ss, signed_at = :sa, mac = :m"),
            {"s": saved[0], "h": saved[1], "ss": saved[2], "sa": saved[3], "m": saved[4]},
        )
    with pytest.raises(AuditUnavailable):
        log.vault.audit.search(SECURITY, AuditQuery(limit=1))
    assert _head(log) == saved[0]
