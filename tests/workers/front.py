"""An engine worker in the test's own process, and the front's end of its socket.

``Front`` runs a real ``Worker`` (its serve loop, operations, streams and store) on the
test's event loop and speaks the worker's protocol to it (``app/workers/pool.py`` lists
the messages), so a test can look inside the worker and wrap what it runs. It also stands
in for a ``WorkerClient`` before the stream route's ``Relay`` (``open_stream``, ``send``,
``close_stream``). A stream opened without a sink is read here: each of its sends is
answered ``sent`` at once, as a client that reads everything would.

Imported as ``workers.front``: ``tests/`` is on ``sys.path`` (its conftest lives there).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import pickle
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from fresh_loop import run_fresh

from app.config import Settings
from app.lessons import load_catalog
from app.services.configs import engine_limits
from app.services.session import Session
from app.workers import wire
from app.workers.worker import Worker

T = TypeVar("T")
Sink = Callable[[tuple[Any, ...]], None]
PATIENCE = 30.0  # seconds; only a broken implementation makes a test wait this long
POLL_SECONDS = 0.001


class Front:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.incoming = asyncio.StreamReader()  # what the worker reads
        lessons = load_catalog(settings.lessons_dir, engine_limits(settings))
        self.worker = Worker(0, settings, cast(asyncio.StreamWriter, self), lessons)
        self.messages: list[tuple[Any, ...]] = []  # everything the worker sent, in order
        self.sinks: dict[int, Sink | None] = {}
        self.read_upto: dict[int, int] = {}  # stream key -> its messages read so far
        self.requests = itertools.count()
        self.keys = itertools.count(1)
        self.closing = False
        self.task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ the worker's writer
    def is_closing(self) -> bool:
        return self.closing

    def write(self, data: bytes) -> None:
        (length,) = wire.HEADER.unpack_from(data)
        assert len(data) == wire.HEADER.size + length, "one message a write"
        message: tuple[Any, ...] = pickle.loads(data[wire.HEADER.size :])
        self.messages.append(message)
        if message[0] in ("out", "end") and message[1] in self.sinks:
            sink = self.sinks[message[1]]
            if sink is not None:
                sink(message)
            elif message[0] == "out":
                self.send(("sent", message[1]))

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        self.closing = True

    # ------------------------------------------------------------------ the front's side
    async def __aenter__(self) -> Front:
        self.task = asyncio.create_task(self.worker.serve(self.incoming))
        await self.wait_for(lambda: self.first("ready"), "the worker to be ready")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.send(("stop",))
        assert self.task is not None
        await asyncio.wait_for(self.task, PATIENCE)

    def send(self, message: tuple[Any, ...]) -> None:
        self.incoming.feed_data(wire.encode(message))

    def first(self, kind: str, *key: Any) -> tuple[Any, ...] | None:
        """The first message of this kind (and these leading items) the worker sent."""
        for message in self.messages:
            if message[0] == kind and message[1 : 1 + len(key)] == key:
                return message
        return None

    async def wait_for(self, found: Callable[[], T | None], what: str) -> T:
        """``found()`` once it is not None (or False), the worker running meanwhile."""
        async with asyncio.timeout(PATIENCE):
            while not (result := found()):
                await asyncio.sleep(POLL_SECONDS)
        return result

    # ------------------------------------------------------------------ calls
    def start_call(self, op: str, **args: Any) -> int:
        request = next(self.requests)
        self.send(("call", request, op, args))
        return request

    def reply(self, request: int) -> tuple[Any, ...] | None:
        return self.first("reply", request)

    async def answer(self, request: int) -> Any:
        """The call's value, or the error it raised."""
        reply = await self.wait_for(lambda: self.reply(request), f"the answer to {request}")
        if not reply[2]:
            raise reply[3]
        return reply[3]

    async def call(self, op: str, **args: Any) -> Any:
        return await self.answer(self.start_call(op, **args))

    async def new_session(self, **config: Any) -> Session:
        session_id = f"session-{next(self.requests)}"
        out = await self.call("create", session_id=session_id, config=config, lesson=None)
        return self.worker.sessions[out["id"]]

    # ------------------------------------------------------------------ streams
    def open_stream(self, key: int, session_id: str, sink: Sink | None = None) -> None:
        self.sinks[key] = sink
        self.send(("open", key, session_id))

    def close_stream(self, key: int) -> None:
        if key in self.sinks:
            del self.sinks[key]
            self.send(("close", key))

    def new_stream(self, session_id: str) -> int:
        """A stream read here; its key."""
        key = next(self.keys)
        self.open_stream(key, session_id)
        return key

    def tell(self, key: int, message: dict[str, Any]) -> None:
        self.send(("in", key, json.dumps(message)))

    def sent(self, key: int) -> list[str | bytes]:
        """Everything the stream has sent so far, message by message."""
        return [item for m in self.messages if m[0] == "out" and m[1] == key for item in m[2]]

    async def receive(self, key: int) -> str | bytes:
        """The stream's next message not read yet."""
        at = self.read_upto.get(key, 0)
        await self.wait_for(lambda: len(self.sent(key)) > at, f"stream {key}'s next message")
        self.read_upto[key] = at + 1
        return self.sent(key)[at]

    async def receive_json(self, key: int) -> dict[str, Any]:
        message = await self.receive(key)
        assert isinstance(message, str), message
        decoded: dict[str, Any] = json.loads(message)
        return decoded

    async def receive_frame(self, key: int) -> dict[str, Any]:
        """The next frame's header (skipping other replies, failing on an error)."""
        while (header := await self.receive_json(key))["type"] != "frame":
            assert header["type"] != "error", header
        assert isinstance(await self.receive(key), bytes)
        return header


def with_worker(settings: Settings, scenario: Callable[[Front], Awaitable[T]]) -> T:
    """Run ``scenario`` against a worker of these settings, on a loop of its own."""

    async def main() -> T:
        async with Front(settings) as front:
            return await scenario(front)

    return run_fresh(main())
