"""The live stream: `/api/sessions/{id}/stream` (protocol in docs/protocol.md).

The stream itself runs in the engine worker owning the session (``app/workers/stream.py``);
here the front relays. Two tasks per connection: the receiver reads the socket all the time
and passes each message on, so a close is seen at once; the sender writes what the worker
sends — a frame's header and its binary message, made in the worker, unchanged — and tells
the worker once it is written, so the worker makes the next frame only then. When either
task ends, the other is cancelled and the worker stops the stream at the end of its slice.
A send that the client has not taken within ``stream_send_timeout_seconds`` (it reads
nothing) closes the connection with 1008 and a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.api.deps import PoolDep, SettingsDep
from app.api.ws_protocol import SEND_MESSAGES
from app.config import Settings
from app.services.errors import EngineUnavailable, SessionNotFound, StoreFull
from app.workers.pool import WorkerClient

logger = logging.getLogger(__name__)

router = APIRouter(tags=["stream"])

CLOSE_SESSION_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455 registry: the server is at its stream limits
CLOSE_POLICY_VIOLATION = 1008  # RFC 6455: here, a client that reads nothing it is sent
MAX_REASON = 120  # a close frame's reason is at most 123 bytes
# How long closing from our side may take before the connection is simply left.
CLOSE_SECONDS = 1.0


class Relay:
    """One socket and the stream the worker runs for it."""

    def __init__(
        self, websocket: WebSocket, worker: WorkerClient, key: int, settings: Settings
    ) -> None:
        self.websocket = websocket
        self.worker = worker
        self.key = key
        self.send_timeout = settings.stream_send_timeout_seconds
        self.outbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self.send_messages = websocket.scope.get("extensions", {}).get(SEND_MESSAGES)

    async def run(self, session_id: str) -> None:
        self.worker.open_stream(self.key, session_id, self.outbox.put_nowait)
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self.receive_loop, tasks.cancel_scope)
                tasks.start_soon(self.send_loop, tasks.cancel_scope, session_id)
        finally:
            self.worker.close_stream(self.key)

    async def receive_loop(self, scope: anyio.CancelScope) -> None:
        try:
            while True:
                try:
                    message = await self.websocket.receive()
                except (WebSocketDisconnect, RuntimeError):
                    break
                if message["type"] == "websocket.disconnect":
                    break
                self.worker.send(("in", self.key, message.get("text")))
                del message  # not kept alive while the next one is awaited
        except EngineUnavailable:
            pass  # the sender closes the socket with the worker's reason
        finally:
            scope.cancel()

    async def send_loop(self, scope: anyio.CancelScope, session_id: str) -> None:
        try:
            while True:
                item = await self.outbox.get()
                if item[0] == "end":
                    await self.close(item[2], item[3])
                    return
                async with asyncio.timeout(self.send_timeout):  # cheaper than anyio's, per frame
                    if self.send_messages is not None:  # nn-playground's own protocol
                        await self.send_messages(item[2])
                    else:
                        for message in item[2]:
                            if isinstance(message, bytes):
                                await self.websocket.send_bytes(message)
                            else:
                                await self.websocket.send_text(message)
                self.worker.send(("sent", self.key))
        except TimeoutError:
            reason = f"the client read nothing for {self.send_timeout:g} s"
            logger.warning("closing a stream of session %s: %s", session_id, reason)
            await self.close(CLOSE_POLICY_VIOLATION, reason)
        except (WebSocketDisconnect, RuntimeError, OSError, EngineUnavailable):
            pass  # the client went away mid-send, or the worker did
        finally:
            scope.cancel()

    async def close(self, code: int, reason: str) -> None:
        """Close from our side; the client may be gone already, or not reading."""
        with (
            anyio.move_on_after(CLOSE_SECONDS),
            contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError),
        ):
            await self.websocket.close(code, reason)


async def close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.close(code, reason)


@router.websocket("/api/sessions/{session_id}/stream")
async def stream_session(
    websocket: WebSocket, session_id: str, pool: PoolDep, settings: SettingsDep
) -> None:
    """Drive a session live; unknown ids are accepted, then closed with code 4404, and a
    stream over the server's limits (max_streams, max_streams_per_session) with 1013."""
    await websocket.accept()
    worker = pool.owner(session_id)
    try:
        await worker.call("exists", {"session_id": session_id})
    except SessionNotFound:
        await close(websocket, CLOSE_SESSION_NOT_FOUND, "session not found")
        return
    except (EngineUnavailable, StoreFull) as error:  # restarting, or no memory for it now
        await close(websocket, CLOSE_TRY_AGAIN_LATER, str(error)[:MAX_REASON])
        return
    refusal = pool.slots.refusal(session_id, settings)
    if refusal is not None:
        await close(websocket, CLOSE_TRY_AGAIN_LATER, refusal)
        return
    with pool.slots.taken(session_id):
        await Relay(websocket, worker, pool.new_stream_key(), settings).run(session_id)
