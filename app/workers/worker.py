"""An engine worker process: it owns a share of the sessions and does all their work.

One event loop runs everything, one job at a time: REST operations (``ops``), streams
(``stream``), snapshots and evictions. Long work is cut into slices of about
``slice_seconds``, and between two slices a job awaits ``turn()``, which lets every other job
that is waiting run its slice first: the sessions take turns, and no call stalls another
session's frames by more than a slice. Nothing is shared with another process but the
store, so nothing locks.

Sessions live in memory while used and in the store (``app/services/durable.py``) always:
a snapshot is written when a session is made, after every operation or stream command that
changed it, on pause, every ``snapshot_seconds`` while it trains, when it leaves memory and
at shutdown. Memory is held to this worker's share of ``max_memory_mb``: the sessions unused
longest and not streamed go to the store first; only when that is not enough is a new one
refused (``MemoryFull``, 503).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.config
import os
import signal
import socket
import time
from collections.abc import Callable, Coroutine
from typing import Any

from app.config import Settings
from app.engine import Trainer
from app.engine.evaluation import prepare_frames
from app.lessons import Catalog
from app.log_config import log_config
from app.services.durable import SqliteSnapshotStore
from app.services.errors import MemoryFull, NotFinite, SessionNotFound, StoreFull
from app.services.session import Session
from app.services.snapshots import SnapshotError, restore_session, snapshot_session
from app.workers import wire
from app.workers.memory import session_bytes
from app.workers.ops import OPS
from app.workers.pool import worker_count
from app.workers.stats import WorkerStats
from app.workers.stream import open_stream

logger = logging.getLogger(__name__)

# Errors a job may raise on bad input or a full server: answered, never logged as bugs.
EXPECTED = (ValueError, LookupError, StoreFull, NotFinite)
# A session that only trains has its memory counted again at most this often (see save).
RECOUNT_SECONDS = 30.0


class Worker:
    def __init__(
        self, index: int, settings: Settings, writer: asyncio.StreamWriter, lessons: Catalog
    ) -> None:
        self.index = index
        self.settings = settings
        self.writer = writer
        self.store = SqliteSnapshotStore.in_data_dir(settings.data_dir)
        self.lessons = lessons  # read by the front at start-up, so not again per process
        self.sessions: dict[str, Session] = {}
        self.memory: dict[str, int] = {}  # bytes each session in memory holds
        self.memory_cap = settings.max_memory_mb * 2**20 // worker_count(settings)
        self.calls: dict[int, asyncio.Task[None]] = {}
        self.streams: dict[int, Any] = {}  # key -> stream.WorkerStream
        self.stats = WorkerStats()
        self.waiting = 0  # jobs waiting for their turn
        # Frames waiting for their metrics and drawings, made together (see prepare_frame).
        self.to_prepare: list[tuple[Trainer, int, int, asyncio.Future[None]]] = []
        self.stopped = asyncio.Event()

    # ------------------------------------------------------------------ the loop
    async def serve(self, reader: asyncio.StreamReader) -> None:
        self.ops = OPS
        self.open_stream = open_stream
        self.send(("ready", os.getpid()))
        background = [
            asyncio.create_task(self._snapshot_loop()),
            asyncio.create_task(self._expiry_loop()),
        ]
        try:
            while not self.stopped.is_set():
                try:
                    message = await wire.read(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    break  # the front has gone: save everything and stop
                handler = self.HANDLERS.get(message[0])
                if handler is None:
                    logger.error("engine worker %d: unknown message %r", self.index, message[0])
                    continue
                handler(self, *message[1:])
        finally:
            for task in background:
                task.cancel()
            await self.shut_down()

    def send(self, message: tuple[Any, ...]) -> None:
        if not self.writer.is_closing():
            self.writer.write(wire.encode(message))

    async def turn(self) -> None:
        """Let every other job that is waiting run its next slice first."""
        self.waiting += 1
        try:
            await asyncio.sleep(0)
        finally:
            self.waiting -= 1

    async def prepare_frame(self, trainer: Trainer, resolution: int, thumbnails: int) -> None:
        """Return once the trainer's metrics and drawings for its next frame are made: together
        with those of every other frame that asks in this turn of the loop. When the worker
        is behind, tens of frames are due at once, and stacked passes cost a fraction of
        one pass each (``engine.evaluation``)."""
        future = asyncio.get_running_loop().create_future()
        self.to_prepare.append((trainer, resolution, thumbnails, future))
        if len(self.to_prepare) == 1:
            asyncio.get_running_loop().call_soon(self._prepare_waiting)
        await future

    def _prepare_waiting(self) -> None:
        waiting, self.to_prepare = self.to_prepare, []
        try:
            prepare_frames(
                [(trainer, size, thumbnails) for trainer, size, thumbnails, _ in waiting]
            )
        except Exception as error:  # a bug: each frame's job reports it
            for *_, future in waiting:
                if not future.done():
                    future.set_exception(error)
            return
        for *_, future in waiting:
            if not future.done():  # its stream may have been cancelled meanwhile
                future.set_result(None)

    def on_call(self, request: int, op: str, args: dict[str, Any]) -> None:
        self.calls[request] = asyncio.create_task(self._run_call(request, op, args))

    async def _run_call(self, request: int, op: str, args: dict[str, Any]) -> None:
        try:
            handler: Callable[..., Coroutine[Any, Any, Any]] = self.ops[op]
            value = await handler(self, **args)
        except asyncio.CancelledError:
            return  # its client has gone: nobody waits for an answer
        except EXPECTED as error:
            self.send(("reply", request, False, wire.portable(error)))
        except Exception as error:  # a bug: logged, and the front answers 500
            logger.exception("engine worker %d: %s failed", self.index, op)
            self.send(("reply", request, False, wire.portable(error)))
        else:
            self.send(("reply", request, True, value))
        finally:
            self.calls.pop(request, None)

    def on_cancel(self, request: int) -> None:
        task = self.calls.get(request)
        if task is not None:
            task.cancel()

    def on_open(self, key: int, session_id: str) -> None:
        self.streams[key] = self.open_stream(self, key, session_id)

    def on_in(self, key: int, text: str | None) -> None:
        stream = self.streams.get(key)
        if stream is not None:
            stream.receive(text)

    def on_sent(self, key: int) -> None:
        stream = self.streams.get(key)
        if stream is not None:
            stream.sent()

    def on_close(self, key: int) -> None:
        stream = self.streams.pop(key, None)
        if stream is not None:
            stream.cancel()

    def on_stats(self) -> None:
        streams = sum(session.streams for session in self.sessions.values())
        snapshot = self.stats.snapshot(
            sessions=len(self.sessions),
            streams=streams,
            slices_waiting=self.waiting,
            memory_bytes=sum(self.memory.values()),
        )
        snapshot["worker"] = self.index
        snapshot["pid"] = os.getpid()
        snapshot["stored_sessions"] = self.store.count()
        self.send(("stats", snapshot))

    def on_stop(self) -> None:
        self.stopped.set()

    HANDLERS: dict[str, Callable[..., None]] = {
        "call": on_call,
        "cancel": on_cancel,
        "open": on_open,
        "in": on_in,
        "sent": on_sent,
        "close": on_close,
        "stats": on_stats,
        "stop": on_stop,
    }

    async def shut_down(self) -> None:
        for task in list(self.calls.values()):
            task.cancel()
        for stream in list(self.streams.values()):
            stream.cancel()
        await asyncio.sleep(0)  # let the cancelled jobs finish their slice's bookkeeping
        for session in list(self.sessions.values()):
            self.save(session)
        self.store.close()
        self.send(("stopped",))
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()
        self.writer.close()

    # ------------------------------------------------------------------ sessions
    def session(self, session_id: str) -> Session:
        """The session, from memory or else from the store, marked as used now."""
        session = self.sessions.get(session_id)
        if session is None:
            blob = self.store.get(session_id)
            if blob is None:
                raise SessionNotFound(session_id)
            try:
                session = restore_session(blob, self.settings, self.lessons)
            except SnapshotError as error:  # kept for an operator; to the client, it is gone
                logger.error("session %s cannot be restored: %s", session_id, error)
                raise SessionNotFound(session_id) from None
            self.keep(session)
        session.touch()
        return session

    def add(self, session: Session) -> None:
        """Keep a new session (in memory and in the store); StoreFull if there is no room."""
        if self.store.count() >= self.settings.max_sessions:
            raise StoreFull(
                f"the server holds its maximum of {self.settings.max_sessions} sessions; "
                "delete one or retry once unused sessions are forgotten (after "
                f"{self.settings.session_retention_seconds:g} s without use)"
            )
        self.keep(session)
        self.save(session, force=True)

    def keep(self, session: Session) -> None:
        size = session_bytes(session)
        self.make_room(size, keep=session.id)
        self.sessions[session.id] = session
        self.memory[session.id] = size

    def remeasure(self, session: Session) -> None:
        """After a change that may resize the session (a rebuild, a new model)."""
        if session.id in self.memory:
            self.memory[session.id] = session_bytes(session)
            with contextlib.suppress(MemoryFull):
                self.make_room(0, keep=session.id)

    def make_room(self, size: int, keep: str) -> None:
        """Send sessions unused longest, and not streamed, to the store until ``size`` more
        bytes fit under the cap; MemoryFull if they cannot."""
        used = sum(self.memory.values())
        if used + size <= self.memory_cap:
            return
        idle = sorted(
            (s for s in self.sessions.values() if s.streams == 0 and s.busy == 0 and s.id != keep),
            key=lambda s: s.last_used,
        )
        for session in idle:
            used -= self.memory.get(session.id, 0)
            self.evict(session)
            if used + size <= self.memory_cap:
                return
        raise MemoryFull(
            f"the sessions in memory take the server's memory cap ({self.settings.max_memory_mb}"
            " MiB, max_memory_mb) and every one is in use; retry shortly"
        )

    def evict(self, session: Session) -> None:
        """Write the session to the store and let it leave memory."""
        self.save(session, force=True)  # its row's time of use is renewed too
        self.sessions.pop(session.id, None)
        self.memory.pop(session.id, None)

    def delete(self, session_id: str) -> None:
        for stream in list(self.streams.values()):
            if stream.session_id == session_id:
                stream.gone()
        in_memory = self.sessions.pop(session_id, None)
        self.memory.pop(session_id, None)
        if not self.store.delete(session_id) and in_memory is None:
            raise SessionNotFound(session_id)

    def save(self, session: Session, *, force: bool = False, training: bool = False) -> None:
        """Write the session's snapshot if it changed since the last one (or ``force``).

        Its memory is counted again too (training allocates: the compiled step's buffers,
        grid caches), except that a session only training since (``training``: the periodic
        snapshot) is counted at most every ``RECOUNT_SECONDS``: the walk costs more than the
        snapshot, and what training allocates stops growing after its first epochs.
        """
        if not (session.changed or force) or session.id not in self.sessions:
            return
        self.store.put(session.id, snapshot_session(session), time.time())
        session.changed = False
        now = session.saved_at = time.monotonic()
        if not training or now - session.counted_at >= RECOUNT_SECONDS:
            self.memory[session.id] = session_bytes(session)
            session.counted_at = now

    def changed(self, session: Session) -> None:
        """Mark the session changed and write its snapshot now."""
        session.changed = True
        self.save(session)

    async def _snapshot_loop(self) -> None:
        """Every ``snapshot_seconds``, the snapshot of every session that trained since."""
        interval = self.settings.snapshot_seconds
        while True:
            await asyncio.sleep(interval / 4)
            # Written 3/4 of an interval after the last: with the wake-up's quarter, never
            # more than an interval of training is lost.
            due = time.monotonic() - 0.75 * interval
            for session in list(self.sessions.values()):
                if session.changed and session.saved_at <= due:
                    self.save(session, training=True)
                    await self.turn()

    async def _expiry_loop(self) -> None:
        """Sessions unused for ``session_idle_seconds`` go to the store; the store forgets
        those unused for ``session_retention_seconds`` (worker 0 does that)."""
        settings = self.settings
        while True:
            await asyncio.sleep(settings.expiry_interval_seconds)
            now = time.monotonic()
            idle = [
                session
                for session in self.sessions.values()
                if session.streams == 0
                and session.busy == 0
                and now - session.last_used > settings.session_idle_seconds
            ]
            for session in idle:
                self.evict(session)
            if idle:
                logger.info("moved %d idle session(s) to the store", len(idle))
            if self.index == 0:
                forgotten = self.store.forget_unused(
                    time.time() - settings.session_retention_seconds
                )
                if forgotten:
                    logger.info("forgot %d session(s) unused for a long time", forgotten)


def worker_main(index: int, sock: socket.socket, settings: Settings, lessons: Catalog) -> None:
    """The process's entry point: serve the front on ``sock`` until it says stop or goes."""
    # Ctrl+C reaches the whole process group; the front stops the workers in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.config.dictConfig(log_config(settings.log_level))
    try:  # the loop uvicorn runs the front on, where it is installed
        import uvloop
    except ImportError:
        asyncio.run(_serve(index, sock, settings, lessons))
    else:
        uvloop.run(_serve(index, sock, settings, lessons))


async def _serve(index: int, sock: socket.socket, settings: Settings, lessons: Catalog) -> None:
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    try:
        worker = Worker(index, settings, writer, lessons)
    except Exception as error:
        logger.exception("engine worker %d could not start", index)
        writer.write(wire.encode(("failed", str(error))))
        await writer.drain()
        writer.close()
        return

    # SIGTERM (from the front's exit, or an operator) stops it as the front's "stop" does:
    # every session written first.
    def stop_reading() -> None:
        writer.transport.pause_reading()  # type: ignore[attr-defined]
        reader.feed_eof()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop_reading)
    await worker.serve(reader)
