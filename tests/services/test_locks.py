"""FairLock: reentrant, handed to waiters in order, refusals counted for a polite holder."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from app.services.locks import FairLock

SLICE_SECONDS = 0.002
TURNS = 5
PATIENCE = 30.0  # seconds; only a broken lock makes a test wait this long


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"waited {PATIENCE} s for {what}"
        time.sleep(0.0005)


class SliceLoop:
    """A thread taking the lock for short slices, releasing it in between, until stopped.

    It checks the hand-over itself: when a thread was queued as it released the lock, that
    thread must have had the lock before the loop's next slice (``turns`` grew by two).
    """

    def __init__(self, lock: FairLock) -> None:
        self.lock = lock
        self.done = 0
        self.jumped_the_queue = 0  # slices taken ahead of a thread queued at the release
        self.started = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        queued, turn = False, 0
        deadline = time.monotonic() + PATIENCE
        while not self.stop.is_set() and time.monotonic() < deadline:
            with self.lock:
                if queued and self.lock.turns == turn + 1:
                    self.jumped_the_queue += 1
                self.started.set()
                end = time.perf_counter() + SLICE_SECONDS
                while time.perf_counter() < end:  # holds the GIL, as training does
                    pass
                self.done += 1
                queued, turn = self.lock.waiting > 0, self.lock.turns

    def __enter__(self) -> SliceLoop:
        self.thread.start()
        assert self.started.wait(PATIENCE)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(PATIENCE)


def test_a_waiter_gets_the_lock_at_the_next_slice_boundary() -> None:
    lock = FairLock()
    with SliceLoop(lock) as loop:
        got_it_after = []
        for _ in range(TURNS):
            with lock:
                got_it_after.append(loop.done)
                # Release only once the loop has asked for the lock again, so that who gets
                # it next is the lock's choice, not the threads' scheduling.
                wait_until(lambda: lock.waiting == 1, "the loop to ask for the lock")
        loop_still_running = loop.thread.is_alive()
    # With an RLock, whoever just released it takes it again: the waiter starved for up to
    # seconds, then the loop starved while the waiter took its turns back to back. A
    # FairLock alternates: the loop had a slice between any two of the waiter's turns, and
    # the waiter had the lock before any slice that began after it asked.
    assert all(a < b for a, b in zip(got_it_after, got_it_after[1:], strict=False))
    assert loop.jumped_the_queue == 0 and loop_still_running


def test_waiters_get_the_lock_in_the_order_they_asked() -> None:
    lock = FairLock()
    order: list[int] = []
    go = threading.Event()

    def wait_for_it(name: int) -> None:
        with lock:
            order.append(name)
            go.wait(PATIENCE)

    def queued(count: int) -> Callable[[], bool]:
        return lambda: lock.waiting == count

    waiters = [threading.Thread(target=wait_for_it, args=(name,)) for name in range(3)]
    with lock:
        for count, waiter in enumerate(waiters, start=1):
            waiter.start()
            wait_until(queued(count), f"{count} threads to queue")
    # Released, the lock went straight to the first waiter: it is not free for a try.
    refused = not lock.acquire(blocking=False)
    if not refused:
        lock.release()
    go.set()
    for waiter in waiters:
        waiter.join(PATIENCE)
    assert refused and order == [0, 1, 2] and lock.waiting == 0


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
