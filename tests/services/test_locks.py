"""FairLock: reentrant, handed to waiters in order, refusals counted for a polite holder."""

from __future__ import annotations

import threading
import time

import pytest

from app.services.locks import FairLock

SLICES = 300
SLICE_SECONDS = 0.002


class SliceLoop:
    """A thread taking the lock for SLICES short slices, releasing it in between."""

    def __init__(self, lock: FairLock) -> None:
        self.lock = lock
        self.done = 0
        self.started = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        for _ in range(SLICES):
            with self.lock:
                self.started.set()
                end = time.perf_counter() + SLICE_SECONDS
                while time.perf_counter() < end:  # holds the GIL, as training does
                    pass
                self.done += 1

    def __enter__(self) -> SliceLoop:
        self.thread.start()
        assert self.started.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(30)


def test_a_waiter_gets_the_lock_at_the_next_slice_boundary() -> None:
    lock = FairLock()
    with SliceLoop(lock) as loop:
        got_it_after = []
        for _ in range(5):
            with lock:
                got_it_after.append(loop.done)
    # With an RLock, whoever just released it takes it again: the waiter starved for up to
    # seconds, then the loop starved while the waiter took its turns back to back. A
    # FairLock alternates: the loop had a slice between any two of the waiter's turns.
    assert all(a < b for a, b in zip(got_it_after, got_it_after[1:], strict=False))
    assert got_it_after[-1] < SLICES


def test_it_is_reentrant_and_only_its_holder_releases_it() -> None:
    lock = FairLock()
    with lock, lock:
        assert lock.acquire(blocking=False)
        lock.release()
    assert lock.turns == 1  # re-entry is not a new turn
    with pytest.raises(RuntimeError, match="does not hold"):
        lock.release()
    outcome: list[object] = []
    with lock:

        def release_elsewhere() -> None:
            try:
                lock.release()
            except RuntimeError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=release_elsewhere)
        thread.start()
        thread.join(10)
    assert isinstance(outcome[0], RuntimeError)
    assert lock.acquire(blocking=False)  # free again after the with block
    lock.release()


def test_tries_and_timeouts_are_refused_counted_and_leave_no_trace() -> None:
    lock = FairLock()
    results: dict[str, object] = {}
    lock.acquire()

    def others() -> None:
        results["try"] = lock.acquire(blocking=False)
        started = time.monotonic()
        results["timed"] = lock.acquire(timeout=0.05)
        results["waited"] = time.monotonic() - started

    thread = threading.Thread(target=others)
    thread.start()
    thread.join(10)
    assert results["try"] is False and results["timed"] is False
    assert isinstance(results["waited"], float) and results["waited"] >= 0.04
    assert lock.refusals == 2
    lock.release()
    # The waiter that timed out left the queue: the lock is free, not handed to it.
    thread = threading.Thread(target=lambda: results.update(after=lock.acquire(blocking=False)))
    thread.start()
    thread.join(10)
    assert results["after"] is True


def test_wait_for_turn_returns_once_another_thread_has_had_the_lock() -> None:
    lock = FairLock()
    with lock:
        turn = lock.turns
    assert lock.wait_for_turn(turn, 0.02) is False  # nobody took it
    taken = threading.Event()

    def take() -> None:
        with lock:
            taken.set()

    thread = threading.Thread(target=take)
    thread.start()
    assert lock.wait_for_turn(turn, 10) is True
    thread.join(10)
    assert taken.is_set() and lock.turns == turn + 1
