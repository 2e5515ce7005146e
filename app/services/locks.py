"""A reentrant lock that waiting threads get in the order they asked for it.

A session's lock is shared by REST handlers (worker threads) and the stream's worker, and
long work under it is done in slices, releasing it between slices. ``threading.RLock`` makes
that useless: a thread that releases it and at once asks again nearly always wins, because
the waiter must first be woken and then take the GIL. Measured here: a thread waited 7 s for
an RLock that another released every 5 ms. ``FairLock.release`` hands the lock straight to
the longest waiter instead, so a waiter gets it at the next slice boundary.

A thread that only *tries* the lock (``acquire(blocking=False)``, as the stream's worker
does, so that it never waits on one session while others need it) is not queued; it tries
again a little later. The slicing holder gives it that chance: it counts the refusals
(``refusals``), and after a slice during which someone was refused, ``wait_for_turn``
pauses until another thread has had the lock, or a short timeout passes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from types import TracebackType


class FairLock:
    """Reentrant, first come first served; ``with lock: …`` or ``acquire``/``release``
    (the same signatures as ``threading.RLock``)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._taken = threading.Condition(self._guard)  # notified whenever the owner changes
        self._owner: int | None = None
        self._depth = 0
        # Each waiter sleeps on a gate of its own, which the owner opens on handing over.
        self._waiters: deque[tuple[int, threading.Lock]] = deque()
        self.turns = 0  # how many times a thread has taken the lock (re-entry not counted)
        self.refusals = 0  # failed tries: acquire(blocking=False), or a timeout

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None:  # then nobody waits: release always hands over
                self._take(me)
                return True
            if not blocking:
                self.refusals += 1
                return False
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append((me, gate))
        handed_over = False
        try:
            handed_over = gate.acquire(timeout=timeout)
        finally:
            if not handed_over:  # timed out or interrupted: leave the queue, or pass the lock on
                with self._guard:
                    queued = (me, gate) in self._waiters
                    if queued:
                        self._waiters.remove((me, gate))
                        self.refusals += 1
                if not queued:
                    self.release()
        return handed_over

    def release(self) -> None:
        with self._guard:
            if self._owner != threading.get_ident():
                raise RuntimeError("cannot release a lock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                owner, gate = self._waiters.popleft()
                self._take(owner)
                gate.release()
            else:
                self._owner = None

    @property
    def waiting(self) -> int:
        """How many threads are queued for the lock (a thread that only tries is not)."""
        with self._guard:
            return len(self._waiters)

    def wait_for_turn(self, turn: int, timeout: float) -> bool:
        """Wait, not holding the lock, until it has been taken again since ``turns`` was
        ``turn``; False if ``timeout`` seconds passed first."""
        deadline = time.monotonic() + timeout
        with self._taken:
            while self.turns == turn:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._taken.wait(left)
        return True

    def _take(self, owner: int) -> None:
        """Make ``owner`` the holder (call with ``_guard`` held)."""
        self._owner, self._depth = owner, 1
        self.turns += 1
        self._taken.notify_all()

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
