"""The front's side of the engine workers: start them, send them jobs, relay their streams.

A session belongs to the worker ``owner_index(session_id)`` picks (a hash of the id, so
every front and every restart agree), and each of its operations is sent there as a job:

- ``("call", id, op, args)`` → ``("reply", id, ok, value or error)``: one REST operation
  (``app/workers/ops.py``); ``("cancel", id)`` when its client has gone;
- ``("open", key, session_id, address)`` starts a stream; then ``("in", key, text)`` for each
  client message, ``("sent", key)`` once the worker's last ``("out", key, messages)`` is on the
  socket, and ``("close", key)`` when the client has gone; the worker may end the stream
  with ``("end", key, code, reason)``;
- ``("stats",)`` → ``("stats", snapshot)``, ``("stop",)`` → ``("stopped",)``: the worker writes
  every session's snapshot and exits.

Sessionless work (one-shot training, sweeps) goes to the worker with the fewest jobs running.
A worker that dies is started again; its sessions come back from the store on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import os
import socket
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from app.config import Settings, usable_cpus
from app.lessons import Catalog
from app.services.errors import EngineUnavailable
from app.services.session import new_session_id
from app.workers import wire
from app.workers.slots import StreamSlots

logger = logging.getLogger(__name__)

START_SECONDS = 60.0  # a worker opens the store and reads the lessons before it is ready
STOP_SECONDS = 20.0  # writing every session's snapshot at shutdown
# An engine worker's NumPy calls are small; one BLAS thread each, as many workers as CPUs.
WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

StreamSink = Callable[[tuple[Any, ...]], None]


# Ids drawn at most for one that lands on the chosen worker (a miss only unbalances a little).
PLACEMENT_TRIES = 64


def owner_index(session_id: str, workers: int) -> int:
    return zlib.crc32(session_id.encode("utf-8", "surrogatepass")) % workers


def worker_count(settings: Settings) -> int:
    return settings.workers or usable_cpus()


class WorkerClient:
    """One engine worker process and the socket to it."""

    def __init__(self, index: int, settings: Settings, lessons: Catalog) -> None:
        self.index = index
        self.settings = settings
        self.lessons = lessons
        self.pid: int | None = None
        self.process: multiprocessing.process.BaseProcess | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._ids = itertools.count()
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._streams: dict[int, StreamSink] = {}
        self._stats: asyncio.Future[Any] | None = None
        self.stopping = False
        self.on_exit: Callable[[WorkerClient], Awaitable[None]] | None = None

    @property
    def load(self) -> int:
        return len(self._pending)

    async def start(self, context: multiprocessing.context.BaseContext) -> None:
        from app.workers.worker import worker_main

        front_end, worker_end = socket.socketpair()
        process = context.Process(  # type: ignore[attr-defined]
            target=worker_main,
            args=(self.index, worker_end, self.settings, self.lessons),
            name=f"nn-playground-worker-{self.index}",
            daemon=True,
        )
        process.start()
        worker_end.close()
        self.process = process
        reader, self._writer = await asyncio.open_unix_connection(sock=front_end)
        try:
            async with asyncio.timeout(START_SECONDS):
                first = await wire.read(reader)
        except (asyncio.IncompleteReadError, TimeoutError):
            first = ("failed", "the engine worker stopped before it was ready")
        if first[0] != "ready":
            process.join(5)
            raise RuntimeError(f"engine worker {self.index}: {first[1]}")
        self.pid = first[1]
        self._reader_task = asyncio.create_task(self._read_loop(reader))

    def send(self, message: tuple[Any, ...]) -> None:
        if self._writer is None or self._writer.is_closing():
            raise EngineUnavailable(f"engine worker {self.index} is not running; retry shortly")
        self._writer.write(wire.encode(message))

    async def call(self, op: str, args: dict[str, Any]) -> Any:
        """Run ``op`` in the worker; its value, or the exception it raised. Cancelling the
        caller (its client has gone) cancels the job in the worker."""
        request = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request] = future
        try:
            self.send(("call", request, op, args))
            ok, value = await future
        except asyncio.CancelledError:
            with contextlib.suppress(EngineUnavailable):
                if request in self._pending:
                    self.send(("cancel", request))
            raise
        finally:
            self._pending.pop(request, None)
        if not ok:
            raise value
        return value

    def open_stream(self, key: int, session_id: str, sink: StreamSink) -> None:
        self._streams[key] = sink
        self.send(("open", key, session_id))

    def close_stream(self, key: int) -> None:
        if self._streams.pop(key, None) is not None:
            with contextlib.suppress(EngineUnavailable):
                self.send(("close", key))

    async def stats(self) -> dict[str, Any]:
        if self._stats is None or self._stats.done():
            self._stats = asyncio.get_running_loop().create_future()
            self.send(("stats",))
        result: dict[str, Any] = await asyncio.shield(self._stats)
        return result

    async def stop(self) -> None:
        """Ask the worker to write its sessions and exit; kill it if it does not."""
        self.stopping = True
        process = self.process
        if process is None:
            return
        with contextlib.suppress(EngineUnavailable, ConnectionError):
            self.send(("stop",))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, process.join, STOP_SECONDS)
        if process.is_alive():
            logger.error("engine worker %d did not stop in %g s: killed", self.index, STOP_SECONDS)
            process.kill()
            await loop.run_in_executor(None, process.join, 5)
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader_task
        if self._writer is not None:
            self._writer.close()

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                message = await wire.read(reader)
                kind = message[0]
                if kind == "reply":
                    future = self._pending.get(message[1])
                    if future is not None and not future.done():
                        future.set_result((message[2], message[3]))
                elif kind in ("out", "end"):
                    sink = self._streams.get(message[1])
                    if sink is not None:
                        sink(message)
                    if kind == "end":
                        self._streams.pop(message[1], None)
                elif kind == "stats":
                    if self._stats is not None and not self._stats.done():
                        self._stats.set_result(message[1])
                elif kind == "stopped":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._gone()
        if not self.stopping and self.on_exit is not None:
            await self.on_exit(self)

    def _gone(self) -> None:
        """Fail every job still waiting and end every stream: the worker has gone."""
        error = EngineUnavailable(f"engine worker {self.index} stopped; retry shortly")
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        for key, sink in list(self._streams.items()):
            sink(("end", key, 1011, "the engine worker stopped; reconnect"))
        self._streams.clear()
        if self._stats is not None and not self._stats.done():
            self._stats.set_exception(error)
        if self._writer is not None:
            self._writer.close()


class WorkerPool:
    """``Settings.workers`` engine workers; jobs go to a session's owner."""

    def __init__(self, settings: Settings, lessons: Catalog) -> None:
        self.settings = settings
        self.lessons = lessons
        self.workers = [
            WorkerClient(index, settings, lessons) for index in range(worker_count(settings))
        ]
        self._keys = itertools.count(1)
        self.slots = StreamSlots()  # streams relayed by this front
        self.placed = [0] * len(self.workers)  # sessions this front named for each worker
        self._context: multiprocessing.context.BaseContext | None = None

    async def start(self) -> None:
        for name, value in WORKER_ENVIRONMENT.items():
            os.environ.setdefault(name, value)  # read by the processes started from here on
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["app.workers.worker"])
        self._context = context
        try:
            await asyncio.gather(*(worker.start(context) for worker in self.workers))
        except BaseException:
            await self.stop()
            raise
        for worker in self.workers:
            worker.on_exit = self._restart

    async def stop(self) -> None:
        await asyncio.gather(*(worker.stop() for worker in self.workers))

    async def _restart(self, gone: WorkerClient) -> None:
        logger.error("engine worker %d (pid %s) stopped: starting it again", gone.index, gone.pid)
        if gone.process is not None:
            await asyncio.get_running_loop().run_in_executor(None, gone.process.join, 5)
        worker = WorkerClient(gone.index, self.settings, self.lessons)
        self.workers[gone.index] = worker
        assert self._context is not None
        try:
            await worker.start(self._context)
        except Exception:
            logger.exception("engine worker %d could not be started again", gone.index)
            return
        worker.on_exit = self._restart

    def owner(self, session_id: str) -> WorkerClient:
        return self.workers[owner_index(session_id, len(self.workers))]

    def new_session_id(self) -> str:
        """A fresh session id, drawn so that the new session's owner is the worker this front
        has placed fewest sessions with: a class's sessions are shared out evenly, where ids
        left to chance put 55 of 100 on one worker as often as not. Ownership stays a
        function of the id alone; the draw keeps all but log2(workers) of the id's 192
        random bits."""
        target = min(range(len(self.workers)), key=self.placed.__getitem__)
        for _ in range(PLACEMENT_TRIES):
            session_id = new_session_id()
            if owner_index(session_id, len(self.workers)) == target:
                break
        self.placed[owner_index(session_id, len(self.workers))] += 1
        return session_id

    def least_busy(self) -> WorkerClient:
        return min(self.workers, key=lambda worker: worker.load)

    async def call(self, session_id: str, op: str, **args: Any) -> Any:
        """Run ``op`` on the session, in its owner."""
        return await self.owner(session_id).call(op, {"session_id": session_id, **args})

    async def call_any(self, op: str, **args: Any) -> Any:
        """Run sessionless ``op`` in the least busy worker."""
        return await self.least_busy().call(op, args)

    def new_stream_key(self) -> int:
        return next(self._keys)

    async def stats(self) -> dict[str, Any]:
        """``{"workers": [each worker's WorkerStats snapshot], "stored_sessions",
        "front_streams"}``."""
        workers = list(await asyncio.gather(*(worker.stats() for worker in self.workers)))
        return {
            "workers": workers,
            "stored_sessions": max((each.pop("stored_sessions", 0) for each in workers), default=0),
            "front_streams": self.slots.total,
        }
