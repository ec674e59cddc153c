"""Group commit: every caller returns only after the write holding its items, writes are shared, failures reach
every caller of that write."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from vault._kit.group_commit import GroupCommit


class SlowLog:
    """A write that takes a while (as a commit with its fsync does), recording what each write held."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.writes: list[list[int]] = []
        self.durable: set[int] = set()
        self._fail_on = fail_on

    def write(self, items: list[int]) -> int:
        time.sleep(0.005)
        if self._fail_on is not None and self._fail_on in items:
            raise OSError("disk full")
        self.writes.append(items)
        self.durable.update(items)
        return len(self.writes)


def test_a_lone_caller_writes_its_own_items_and_gets_the_result() -> None:
    log = SlowLog()
    group = GroupCommit(log.write)
    assert group.submit([1, 2]) == 1
    assert log.writes == [[1, 2]]


def test_concurrent_callers_share_writes_and_each_returns_only_once_durable() -> None:
    log = SlowLog()
    group = GroupCommit(log.write)
    seen_durable: list[bool] = []
    lock = threading.Lock()

    def call(n: int) -> None:
        group.submit([n])
        with lock:
            seen_durable.append(n in log.durable)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(call, range(400)))
    assert all(seen_durable) and len(seen_durable) == 400
    assert sorted(item for write in log.writes for item in write) == list(range(400))  # each once, none lost
    assert len(log.writes) < 200  # shared: while one write runs, the others queue for the next


def test_a_failed_write_fails_every_caller_in_it_and_the_next_write_goes_on() -> None:
    log = SlowLog(fail_on=7)
    group = GroupCommit(log.write)
    outcomes: dict[int, str] = {}
    barrier = threading.Barrier(8)

    def call(n: int) -> None:
        barrier.wait()
        try:
            group.submit([n])
            outcomes[n] = "ok"
        except OSError:
            outcomes[n] = "failed"

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(call, range(8)))
    assert outcomes[7] == "failed"
    failed = {n for n, outcome in outcomes.items() if outcome == "failed"}
    assert failed.isdisjoint(log.durable)  # nobody who was told "failed" is in the log, nobody told "ok" is missing
    assert {n for n, outcome in outcomes.items() if outcome == "ok"} == log.durable
    assert group.submit([99]) == len(log.writes)  # the group still works after a failed write


def test_a_write_holds_at_most_max_items_and_the_rest_lead_the_next() -> None:
    log = SlowLog()
    group = GroupCommit(log.write, max_items=10)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda n: group.submit([n, n + 1000]), range(100)))
    assert all(len(write) <= 10 for write in log.writes)
    assert sum(len(write) for write in log.writes) == 200


def test_an_oversized_submission_is_written_whole() -> None:
    log = SlowLog()
    group = GroupCommit(log.write, max_items=2)
    group.submit([1, 2, 3, 4])
    assert log.writes == [[1, 2, 3, 4]]  # one caller's items are never split across writes


def test_a_base_exception_in_the_write_reaches_the_caller() -> None:
    def interrupted(_items: list[int]) -> int:
        raise KeyboardInterrupt

    group = GroupCommit(interrupted)
    with pytest.raises(KeyboardInterrupt):
        group.submit([1])


def test_each_caller_of_a_failed_write_gets_its_own_exception() -> None:
    def failing(_items: list[int]) -> int:
        time.sleep(0.005)
        raise OSError("disk full")

    group = GroupCommit(failing)
    caught: list[BaseException] = []
    barrier = threading.Barrier(8)

    def call(n: int) -> None:
        barrier.wait()
        try:
            group.submit([n])
        except OSError as exc:
            caught.append(exc)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(call, range(8)))
    assert len(caught) == 8 and len({id(exc) for exc in caught}) == 8  # no shared traceback between threads
    assert all(isinstance(exc.__cause__, OSError) for exc in caught)


def test_a_write_interrupted_before_it_took_its_batch_still_releases_and_passes_the_lead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = SlowLog()
    group = GroupCommit(log.write)
    real_sleep = time.sleep
    interrupted: list[int] = []

    def sleep(seconds: float) -> None:
        if seconds == 0 and not interrupted:
            interrupted.append(1)
            raise KeyboardInterrupt
        real_sleep(seconds)

    monkeypatch.setattr("vault._kit.group_commit.time.sleep", sleep)
    with pytest.raises(KeyboardInterrupt):
        group.submit([1])
    assert group.submit([2]) == 1 and log.writes == [[2]]  # the group is not left waiting for a lost leader
