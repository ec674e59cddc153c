"""From a review of the first version: races of the erasure path and of KEK retirement (PostgreSQL, where
writers really overlap)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import OPERATOR, actor, make_settings
from tests.harness import REGISTRAR, Harness, open_harness, register
from vault import (
    Category,
    Erased,
    HoldGround,
    Identity,
    IdentityMethod,
    NewHold,
    NewRecord,
    NewRequest,
    Purpose,
    RequestKind,
    Role,
    initialise,
)
from vault.crypto import WrapContext
from vault.keys._access import KEY_ACCESS
from vault.keys._select import open_key_provider

PRIVACY = actor("pia", "privacy_officer")
ADVISER = actor("dr.jansen", "medical_adviser")
KEYS = actor("kees", "key_admin")
CHECKED = Identity(method=IdentityMethod.ID_DOCUMENT_SEEN, reference="ID-CHECK-2026-88")
WAIT = 20


@pytest.fixture
def pg(tmp_path: Path, postgres_url: str) -> Iterator[Harness]:
    settings = make_settings(tmp_path, postgres_url)
    initialise(settings, OPERATOR)
    running = open_harness(settings)
    yield running
    running.close()


def _record(kluis: Harness, subject: str, case: str) -> str:
    new = NewRecord(
        subject_ref=subject,
        case_ref=case,
        category=Category.HEALTH,
        kind="medical_report",
        fields={"summary": f"CANARY-{subject}-{case}"},
        source="GP",
        purpose=Purpose.CLAIM_ASSESSMENT,
    )
    return kluis.vault.records.create(actor("op", "importer"), new).record_id


def _read(kluis: Harness, record_id: str) -> str:
    return kluis.vault.records.read(ADVISER, record_id, Purpose.CLAIM_ASSESSMENT).fields["summary"]


def _setup(kluis: Harness, *cases: str) -> None:
    register(kluis.vault, "dr.jansen", Role.MEDICAL_ADVISER)
    for case in cases:
        kluis.vault.assignments.assign(REGISTRAR, case_ref=case, user_id="dr.jansen", role=Role.MEDICAL_ADVISER)


def _erasure_request(kluis: Harness) -> int:
    request_id = kluis.vault.subjects.register(PRIVACY, NewRequest(subject_ref="CUST-1", kind=RequestKind.ERASURE))
    kluis.vault.subjects.verify_identity(PRIVACY, request_id.request_id, CHECKED)
    return request_id.request_id


def _paused(original: Callable[..., Any], paused: threading.Event, go: threading.Event) -> Callable[..., Any]:
    """``original``, which in the first thread that calls it stops after (or before) running, until ``go``."""
    owner: list[int] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if not owner:
            owner.append(threading.get_ident())
        if owner[0] == threading.get_ident() and not paused.is_set():
            paused.set()
            assert go.wait(WAIT)
        return result

    return wrapper


def _seq(kluis: Harness, event_type: str) -> int:
    with kluis.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT seq, body FROM audit_events ORDER BY seq")).all()
    found: int = max(
        seq
        for seq, body in rows
        if json.loads(bytes(body))["event_type"] == event_type and json.loads(bytes(body))["outcome"] != "denied"
    )
    return found


# 4 -- a hold placed while an erasure runs: the subject's row makes them meet
def test_a_hold_placed_during_an_erasure_either_waits_for_it_or_defers_it(
    pg: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(pg, "C-1")
    record_id = _record(pg, "CUST-1", "C-1")
    request_id = _erasure_request(pg)
    import vault.subject_rights._repository as subject_repository

    paused, go = threading.Event(), threading.Event()
    monkeypatch.setattr(subject_repository, "holds_counting", _paused(subject_repository.holds_counting, paused, go))
    errors: list[BaseException] = []

    def erase() -> None:
        try:
            pg.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH)
        except BaseException as exc:
            errors.append(exc)

    eraser = threading.Thread(target=erase)
    eraser.start()
    assert paused.wait(WAIT)  # the erasure has looked for holds and found none
    placed = threading.Event()

    def place() -> None:
        pg.vault.subjects.place_hold(PRIVACY, NewHold(subject_ref="CUST-1", ground=HoldGround.LEGAL_CLAIM))
        placed.set()

    holder = threading.Thread(target=place)
    holder.start()
    hold_committed_first = placed.wait(3)  # a correct lock would keep it waiting for the erasure
    go.set()
    eraser.join(WAIT)
    holder.join(WAIT)
    assert not errors
    erased = True
    try:
        _read(pg, record_id)
    except Erased:
        pass
    else:
        erased = False
    hold_first_in_log = _seq(pg, "legal_hold.place") < _seq(pg, "subject.erase")
    assert not (erased and hold_first_in_log), (
        f"erased under a live hold committed before it (hold committed first: {hold_committed_first})"
    )


# 5 -- a record created while an erasure runs waits for it: it never lands beside the erasure, before it in the log
def test_a_record_created_while_the_erasure_runs_waits_for_it(pg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(pg, "C-1", "C-3")
    _record(pg, "CUST-1", "C-1")
    request_id = _erasure_request(pg)
    from vault.crypto._data_keys import DataKeys

    paused, go = threading.Event(), threading.Event()
    monkeypatch.setattr(DataKeys, "subject_keys", _paused(DataKeys.subject_keys, paused, go))
    errors: list[BaseException] = []
    created: list[str] = []

    def erase() -> None:
        try:
            pg.vault.subjects.erase(PRIVACY, request_id, Category.HEALTH)
        except BaseException as exc:
            errors.append(exc)

    def create() -> None:
        try:
            created.append(_record(pg, "CUST-1", "C-3"))  # an import for the same subject, a new claim
        except BaseException as exc:
            errors.append(exc)

    eraser = threading.Thread(target=erase)
    eraser.start()
    assert paused.wait(WAIT)  # the erasure has chosen the keys to destroy
    creator = threading.Thread(target=create)
    creator.start()
    creator.join(1.0)
    assert creator.is_alive()  # waiting for the erasure (the subject's row), not slipping in beside it
    go.set()
    eraser.join(WAIT)
    creator.join(WAIT)
    assert not errors and created
    assert _seq(pg, "subject.erase") < _seq(pg, "record.create")  # erased, then the new claim's record
    assert _read(pg, created[0]) == "CANARY-CUST-1-C-3"  # new data after the erasure: a new key, by design


# 11a -- two retirements at once: one re-wraps a key under the version the other has just destroyed
def test_two_retirements_at_once_lose_no_data_key(pg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(pg, "C-1")
    record_id = _record(pg, "CUST-1", "C-1")
    import vault.crypto._repository as key_repository

    paused, go = threading.Event(), threading.Event()
    original = key_repository.rewrap

    def rewrap(session: Any, changes: Any) -> None:  # the first retirement stops just before its UPDATE
        if changes and not paused.is_set():
            paused.set()
            assert go.wait(WAIT)
        original(session, changes)

    monkeypatch.setattr(key_repository, "rewrap", rewrap)
    errors: list[BaseException] = []

    def first() -> None:
        try:
            pg.vault.keys.retire(KEYS, Category.HEALTH)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    assert paused.wait(WAIT)
    pg.vault.keys.retire(KEYS, Category.HEALTH)  # cron on the second host
    go.set()
    thread.join(WAIT)
    assert not errors
    assert _read(pg, record_id) == "CANARY-CUST-1-C-1"  # DecryptionFailed: its key is under destroyed v2


# 11b -- two processes changing the keyring file at once: one's new KEK version is overwritten by the other's
def test_two_processes_rotating_at_once_keep_both_keks(pg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    import vault.crypto._primitives as primitives
    import vault.keys._files as files
    import vault.keys._local as local

    one, two = open_key_provider(pg.settings), open_key_provider(pg.settings)  # two processes' keyrings
    barrier = threading.Barrier(2, timeout=2)
    saving = threading.Lock()
    random_bytes, atomic_write = primitives.random_bytes, files.atomic_write  # what _local imported

    def racing_random(n: int) -> bytes:
        if n == 32:  # a new KEK: without a lock across processes, both have loaded the file by now
            with contextlib.suppress(threading.BrokenBarrierError):  # with it, the other waits outside: no meeting
                barrier.wait()
        return random_bytes(n)

    def one_at_a_time(path: Path, data: bytes) -> None:  # whole writes, never interleaved
        with saving:
            atomic_write(path, data)

    monkeypatch.setattr(local, "random_bytes", racing_random)
    monkeypatch.setattr(local, "atomic_write", one_at_a_time)
    versions: dict[str, int] = {}
    threads = [
        threading.Thread(
            target=lambda name=name, ring=ring: versions.__setitem__(name, ring.rotate(Category.HEALTH, KEY_ACCESS))
        )
        for name, ring in (("one", one), ("two", two))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    monkeypatch.setattr(local, "random_bytes", random_bytes)
    wrapped = {
        name: ring.wrap(b"k" * 32, WrapContext(f"key-{name}", "s", "health", versions[name]))
        for name, ring in (("one", one), ("two", two))
    }
    fresh = open_key_provider(pg.settings)  # any process started afterwards
    for name in ("one", "two"):
        context = WrapContext(f"key-{name}", "s", "health", versions[name])
        assert fresh.unwrap(wrapped[name], context, KEY_ACCESS) == b"k" * 32, f"{name}'s KEK v{versions[name]} is lost"
