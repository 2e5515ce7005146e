"""The one worker thread all streams share, and the counts of open streams.

Every stream's CPU work (a Player method) runs through ``in_worker``: one at a time, first
come, first served, so a heavy session's slices alternate with the other streams' work.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import anyio
from anyio.to_thread import run_sync

from app.config import Settings
from app.services.player import SessionBusy
from app.services.session import Session
from app.services.store import SessionStore

T = TypeVar("T")

# Every stream's CPU work takes turns in one worker thread, first come, first served. The
# work is mostly small NumPy calls that hold the GIL, so a second thread adds no speed, only
# GIL hand-offs: measured here, 20 sessions cost ~40 % more CPU per frame with two workers.
STREAM_WORKERS = 1
# How long a stream waits before trying a session whose lock was taken (by a REST call) again.
BUSY_RETRY_SECONDS = 0.005
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def stream_limiter() -> anyio.CapacityLimiter:
    """The running event loop's limiter for stream work (one per loop, made on first use)."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(STREAM_WORKERS)
    return limiter


async def in_worker(function: Callable[..., T], *args: Any) -> T:
    """Run CPU work in the stream worker without blocking the event loop.

    A Player method finding its session locked (by a REST call) raises SessionBusy having
    done nothing; it is retried after a short wait on the event loop, so the worker serves
    the other streams meanwhile instead of waiting for that lock.
    """
    while True:
        try:
            return await run_sync(function, *args, limiter=stream_limiter())
        except SessionBusy:
            await anyio.sleep(BUSY_RETRY_SECONDS)


@asynccontextmanager
async def counted_stream(session: Session) -> AsyncIterator[None]:
    """Count an open stream of ``session`` for the duration (it never expires meanwhile).

    Counting takes the session's lock, which a REST call may hold for a while: it is taken
    in a thread, never on the event loop.
    """
    attached = session.attach_stream()
    entered = False

    def enter() -> None:
        nonlocal entered
        attached.__enter__()
        entered = True

    try:
        await run_sync(enter)  # not abandoned on cancel: `entered` is final once it returns
        yield
    finally:
        if entered:
            with anyio.CancelScope(shield=True):
                await run_sync(attached.__exit__, None, None, None)


class StreamSlots:
    """Open streams, server-wide and per session, held to ``max_streams`` and
    ``max_streams_per_session``. Used on the event loop only, so checking and taking a slot
    cannot race."""

    def __init__(self) -> None:
        self.total = 0
        self.per_session: Counter[str] = Counter()

    def refusal(self, session_id: str, settings: Settings) -> str | None:
        """Why one more stream of ``session_id`` is refused (a close reason), or None."""
        if self.total >= settings.max_streams:
            return f"too many streams: the server allows {settings.max_streams}"
        most = settings.max_streams_per_session
        if self.per_session[session_id] >= most:
            return f"too many streams of this session: it allows {most}"
        return None

    @contextmanager
    def taken(self, session_id: str) -> Iterator[None]:
        self.total += 1
        self.per_session[session_id] += 1
        try:
            yield
        finally:
            self.total -= 1
            self.per_session[session_id] -= 1
            if not self.per_session[session_id]:
                del self.per_session[session_id]


_slots: weakref.WeakKeyDictionary[SessionStore, StreamSlots] = weakref.WeakKeyDictionary()


def stream_slots(store: SessionStore) -> StreamSlots:
    """The slots of the app that owns ``store`` (one store per app)."""
    slots = _slots.get(store)
    if slots is None:
        slots = _slots[store] = StreamSlots()
    return slots
