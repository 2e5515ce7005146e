"""The one worker thread all streams share, and the count of a session's open streams.

Every stream's CPU work (a Player method) runs through ``in_worker``: one at a time, first
come, first served, so a heavy session's slices alternate with the other streams' work.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
from anyio.to_thread import run_sync

from app.services.player import SessionBusy
from app.services.session import Session

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
