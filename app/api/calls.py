"""Work a REST call waits for, stopped when the call's client goes away.

Starlette runs a handler to its end even when its client has disconnected; a training call
would go on costing CPU for nobody. ``unless_client_leaves`` watches the connection while the
work runs and cancels the work (in the engine worker too) when the client leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import HTTPException
from starlette.requests import Request

T = TypeVar("T")
CLIENT_CLOSED_REQUEST = 499  # nginx's name for it; nobody reads this answer


async def _disconnected(request: Request) -> None:
    # Once the body has been read, the server's receive() returns only at a disconnect.
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def unless_client_leaves(request: Request, work: Awaitable[T]) -> T:
    """``work``'s result; if the client disconnects first, ``work`` is cancelled."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not task.done():
            task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watch
    if not task.done():
        await asyncio.wait({task})  # cancelled: it is done only once it has run its cancel
    if task.cancelled():
        raise HTTPException(CLIENT_CLOSED_REQUEST, "the client closed the request")
    return task.result()
