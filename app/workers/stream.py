"""A live stream in the engine worker that owns its session (protocol: docs/protocol.md).

The front relays the socket: each client message arrives as ``receive(text)``, and what the
stream sends leaves as one ``("out", key, messages)`` that the front writes to the socket in
order, answering ``sent()`` once it is written. A frame is made only after the previous one
was sent, so a slow client never makes frames pile up — the latest state wins; a client
that reads nothing is cut by the front after ``stream_send_timeout_seconds``.

Messages are read and filed at once in a bounded inbox (``app/api/stream_inbox.py``), so a
flood meets the inbox's limits; the stream's task carries them out in order through one
table (``COMMANDS``), trains and renders in slices with the other sessions' turns between
them, and sends. A stream is in one ``Phase``; the worker cancels it when its client goes.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from app.api.stream_inbox import Inbox, Steps
from app.api.stream_messages import (
    BadMessage,
    FrameRequest,
    InspectStep,
    Pause,
    Play,
    Reset,
    SetBias,
    SetWeight,
    StreamUpdate,
    Update,
    config_changes,
    parse_message,
    value_error_message,
)
from app.config import Settings
from app.services.errors import SessionNotFound, StoreFull
from app.services.frames import Frame, header_text
from app.services.player import Player, StreamSettings
from app.services.session import Session

if TYPE_CHECKING:
    from app.workers.worker import Worker

logger = logging.getLogger(__name__)

CLOSE_SESSION_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_INTERNAL_ERROR = 1011
MAX_REASON = 120  # a close frame's reason is at most 123 bytes
# Messages read and waiting to be carried out (app/api/stream_inbox.py has the rules).
MAX_WAITING_MESSAGES = 64
MAX_WAITING_STEPS = 100  # of each unit
DEFAULT_RESOLUTION = 100
DEFAULT_THUMBNAIL_RESOLUTION = 24


class Phase(enum.Enum):
    OPENING = "opening"  # the hello is not sent yet
    PAUSED = "paused"  # frames only when a command asks for one
    PLAYING = "playing"  # training and a frame every 1/fps s
    CLOSED = "closed"


class SessionGone(Exception):
    """The session was deleted while the stream was open."""


def initial_stream_settings(settings: Settings) -> StreamSettings:
    return StreamSettings(
        fps=settings.default_fps,
        speed=1,
        resolution=min(DEFAULT_RESOLUTION, settings.max_resolution),
        thumbnail_resolution=DEFAULT_THUMBNAIL_RESOLUTION,
    )


def open_stream(worker: Worker, key: int, session_id: str) -> WorkerStream:
    stream = WorkerStream(worker, key, session_id)
    stream.task = asyncio.create_task(stream.run())
    return stream


class WorkerStream:
    def __init__(self, worker: Worker, key: int, session_id: str) -> None:
        settings = worker.settings
        self.worker = worker
        self.key = key
        self.session_id = session_id
        self.settings = settings
        self.phase = Phase.OPENING
        self.player: Player | None = None
        self.task: asyncio.Task[None] | None = None
        self.inbox = Inbox(MAX_WAITING_MESSAGES, settings.max_body_bytes, MAX_WAITING_STEPS)
        self.wakeup = asyncio.Event()  # a filed message, a frame's time come, a send done
        self.sent_event = asyncio.Event()
        self.frame_wanted = False  # paused: a command asked for a frame
        self.next_frame_at = 0.0
        self.min_interval = 1.0 / settings.max_fps  # asked-for frames come no faster
        self.last_frame_at = 0.0
        self.max_message = settings.max_body_bytes

    # ------------------------------------------------------------------ from the front
    def receive(self, text: str | None) -> None:
        """File a client message (validated now; carried out in turn); never raises."""
        try:
            entry: Any = parse_message(text, self.max_message)
        except BadMessage as error:
            entry = error.as_message()
        except Exception:  # whatever the client sent, the stream stays up
            logger.exception("could not read a stream message")
            entry = BadMessage("expected a JSON object with a 'type', got a message that "
                               "could not be read").as_message()  # fmt: skip
        self.inbox.put(entry, len(text or ""))
        self.wakeup.set()

    def tell(self, message: dict[str, Any]) -> None:
        """File a message of the server's own (sent as it is, in turn with the replies)."""
        self.inbox.put(message, 0)
        self.wakeup.set()

    def sent(self) -> None:
        self.sent_event.set()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def gone(self) -> None:
        """The session was deleted: close with 4404."""
        self.end(CLOSE_SESSION_NOT_FOUND, "session not found")
        self.cancel()

    # ------------------------------------------------------------------ the stream's task
    @property
    def session(self) -> Session:
        assert self.player is not None
        return self.player.session

    async def run(self) -> None:
        session: Session | None = None
        try:
            try:
                session = self.worker.session(self.session_id)
            except SessionNotFound:
                self.end(CLOSE_SESSION_NOT_FOUND, "session not found")
                return
            except StoreFull as full:  # no memory for it now
                self.end(CLOSE_TRY_AGAIN_LATER, str(full)[:MAX_REASON])
                return
            session.streams += 1
            self.player = Player(session, initial_stream_settings(self.settings))
            self.player.slice_seconds = self.settings.slice_seconds
            await self.send_json(self.player.hello())
            self.phase = Phase.PAUSED
            while True:
                await self.wait_for_work()
                if self.frame_ready():
                    await self.send_next_frame()
                await self.worker.turn()
        except SessionGone:
            self.end(CLOSE_SESSION_NOT_FOUND, "session not found")
        except asyncio.CancelledError:
            pass  # the client has gone
        except Exception:  # a bug: the stream ends, the worker and its other sessions go on
            logger.exception("a stream of session %s failed", self.session_id)
            self.end(CLOSE_INTERNAL_ERROR, "the stream failed; reconnect")
        finally:
            self.phase = Phase.CLOSED
            self.inbox.clear()
            self.worker.streams.pop(self.key, None)
            if session is not None:
                session.streams -= 1
                session.touch()
                self.worker.save(session)

    def end(self, code: int, reason: str) -> None:
        self.worker.send(("end", self.key, code, reason))

    async def send(self, *messages: str | bytes) -> None:
        """Hand the messages to the front; return once they are on the socket."""
        self.sent_event.clear()
        self.worker.send(("out", self.key, messages))
        await self.sent_event.wait()

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send(json.dumps(message, allow_nan=False))

    async def send_frame(self, frame: Frame) -> None:
        await self.send(header_text(frame.header), frame.payload)

    def frame_ready(self) -> bool:
        """Playing: the next frame's time has come. Paused: a command asked for a frame."""
        return self.seconds_to_frame() == 0.0

    def seconds_to_frame(self) -> float | None:
        """How long until the next frame is due; None if none is wanted."""
        if self.phase is Phase.PLAYING:
            due_at = self.next_frame_at
        elif self.frame_wanted:
            due_at = self.last_frame_at + self.min_interval
        else:
            return None
        return max(0.0, due_at - time.monotonic())

    async def wait_for_work(self) -> None:
        """Carry out everything filed; wait for a message if no frame is due yet."""
        if not self.frame_ready() and not self.inbox:
            timeout = self.seconds_to_frame()
            timer = None
            if timeout is not None:
                timer = asyncio.get_running_loop().call_later(timeout, self.wakeup.set)
            try:
                await self.wakeup.wait()
            finally:
                if timer is not None:
                    timer.cancel()
        self.wakeup.clear()
        while (entry := self.inbox.take()) is not None:
            await self.apply(entry)

    def check_session(self) -> None:
        if self.worker.sessions.get(self.session_id) is not self.session:
            raise SessionGone
        self.session.touch()

    async def send_next_frame(self) -> None:
        player = self.player
        assert player is not None
        self.check_session()
        if self.phase is Phase.PLAYING:
            interval = 1.0 / player.settings.fps
            now = time.monotonic()
            # Keep the cadence; after a stall catch up by at most one frame, never a burst.
            self.next_frame_at = max(self.next_frame_at + interval, now - interval)
            player.begin_frame()
            while True:
                started = time.perf_counter()
                done = player.train_slice()
                self.worker.stats.time_step(time.perf_counter() - started)
                if done:
                    break
                await self.worker.turn()
            self.session.changed = True
            settings = player.settings
            await self.worker.prepare_frame(
                self.session.trainer, settings.resolution, settings.thumbnail_resolution
            )
            self.check_session()
            started = time.perf_counter()
            frame = player.render()
        else:
            started = time.perf_counter()
            frame = player.render()
        self.worker.stats.time_frame(time.perf_counter() - started)
        if self.phase is Phase.PLAYING and not player.playing:  # it diverged: stopped
            self.pause()
        self.frame_wanted = False
        self.last_frame_at = time.monotonic()
        await self.send_frame(frame)
        self.worker.stats.frame_sent()

    def play(self) -> None:
        assert self.player is not None
        self.phase = Phase.PLAYING
        self.player.playing = True

    def pause(self) -> None:
        assert self.player is not None
        was_playing = self.phase is Phase.PLAYING
        self.phase = Phase.PAUSED
        self.player.playing = False
        if was_playing:
            self.worker.save(self.session)

    async def apply(self, entry: Any) -> None:
        """Carry out one command, or send one error reply; a bad command answers with an
        error and changes nothing."""
        if isinstance(entry, dict):
            await self.send_json(entry)
            return
        try:
            handler = COMMANDS.get(type(entry))
            if handler is None:
                raise BadMessage(f"type: cannot handle {type(entry).__name__}", "type")
            self.check_session()
            await handler(self, entry)
            self.frame_wanted = True  # while playing, the next playing frame shows the change
        except BadMessage as error:
            await self.send_json(error.as_message())
        except ValueError as error:
            prefix = "config." if isinstance(entry, Update) else ""
            await self.send_json(value_error_message(error, prefix))
        except (SessionGone, asyncio.CancelledError):
            raise
        except Exception:  # a bug must not take the connection (or the session) down
            logger.exception("stream command %r failed", entry)
            name = getattr(entry, "type", "message")
            await self.send_json({"type": "error", "message": f"could not apply {name!r}"})

    def changed(self) -> None:
        """After a command that changed the session: its snapshot now."""
        self.worker.changed(self.session)

    async def on_play(self, command: Play) -> None:
        self.session.class_rules.check_not_paused()
        if self.phase is not Phase.PLAYING:
            self.play()
            self.next_frame_at = time.monotonic()

    async def on_pause(self, command: Pause) -> None:
        self.pause()

    async def on_steps(self, command: Steps) -> None:
        # In slices, with the other sessions' turns in between (an epoch at batch size 1 of
        # a big network is many slices); cancelled at a slice's end when the client goes.
        player = self.player
        assert player is not None
        self.session.class_rules.check_not_paused()
        try:
            for _ in range(command.times):
                player.begin_step(command.unit)
                while not player.continue_step():
                    await self.worker.turn()
        finally:
            self.changed()

    async def on_reset(self, command: Reset) -> None:
        assert self.player is not None
        self.player.reset()
        self.changed()

    async def on_update(self, command: Update) -> None:
        assert self.player is not None
        changes = config_changes(command.config)
        self.session.check_unlocked(changes)
        reply = self.player.update(changes)
        self.worker.remeasure(self.session)
        self.changed()
        await self.send_json(reply)

    async def on_set_weight(self, command: SetWeight) -> None:
        assert self.player is not None
        self.check_edited(command.value)
        self.player.set_weight(command.layer, command.source, command.target, command.value)
        self.changed()

    async def on_set_bias(self, command: SetBias) -> None:
        assert self.player is not None
        self.check_edited(command.value)
        self.player.set_bias(command.layer, command.neuron, command.value)
        self.changed()

    async def on_inspect_step(self, command: InspectStep) -> None:
        assert self.player is not None
        self.session.class_rules.check_not_paused()  # it trains one iteration
        reply = self.player.inspect_step(command.layer, command.source, command.target)
        self.changed()
        await self.send_json(reply)

    async def on_stream(self, command: StreamUpdate) -> None:
        assert self.player is not None
        self.update_stream(command)
        await self.send_json({"type": "stream", **self.player.settings.as_dict()})

    async def on_frame(self, command: FrameRequest) -> None:
        pass  # every command asks for a frame

    def check_edited(self, value: float) -> None:
        bound = self.settings.max_edited_parameter
        if abs(value) > bound:
            raise BadMessage(f"value: expected a number in [-{bound:g}, {bound:g}], got {value:g}",
                             "value")  # fmt: skip

    def update_stream(self, command: StreamUpdate) -> None:
        assert self.player is not None
        current = self.player.settings
        changes = command.model_dump(exclude_none=True, exclude={"type"})
        unit = changes.get("speed_unit", current.speed_unit)
        limits = {
            "fps": (self.settings.max_fps, ""),
            "speed": (self.settings.max_speed, " iterations per frame")
            if unit == "iteration"
            else (self.settings.max_epochs_per_frame, " epochs per frame"),
            "resolution": (self.settings.max_resolution, ""),
        }
        checked = {"speed": current.speed, **changes}  # a new unit bounds it too
        for name, (limit, what) in limits.items():
            if name in checked and checked[name] > limit:
                raise BadMessage(f"{name}: expected at most {limit}{what}, got {checked[name]}",
                                 name)  # fmt: skip
        for name, value in changes.items():
            setattr(current, name, value)
        if "fps" in changes:
            self.next_frame_at = time.monotonic()


# One handler per message type (the parsed message's class).
COMMANDS: dict[type, Callable[[WorkerStream, Any], Awaitable[None]]] = {
    Play: WorkerStream.on_play,
    Pause: WorkerStream.on_pause,
    Steps: WorkerStream.on_steps,
    Reset: WorkerStream.on_reset,
    Update: WorkerStream.on_update,
    SetWeight: WorkerStream.on_set_weight,
    SetBias: WorkerStream.on_set_bias,
    InspectStep: WorkerStream.on_inspect_step,
    StreamUpdate: WorkerStream.on_stream,
    FrameRequest: WorkerStream.on_frame,
}
