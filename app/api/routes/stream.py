"""The live stream: `/api/sessions/{id}/stream` (protocol in docs/protocol.md).

Two tasks per connection. The receiver reads and validates client messages and queues them;
the driver owns the player: it applies queued commands, trains and renders in the worker
thread all streams share (``stream_worker``; the session's lock is only taken when free, in
slices of a few ms), and awaits each send before producing the next frame, so
a slow client never makes frames pile up — the latest state wins. Only the driver sends, so
a frame's header and its binary message are never split by another message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.api.deps import SettingsDep, StoreDep
from app.api.stream_messages import (
    BadMessage,
    FrameRequest,
    Pause,
    Play,
    Reset,
    SetBias,
    SetWeight,
    Step,
    StreamUpdate,
    Update,
    config_changes,
    parse_message,
    value_error_message,
)
from app.api.stream_worker import counted_stream, in_worker, stream_slots
from app.config import Settings
from app.services.errors import SessionNotFound
from app.services.frames import Frame
from app.services.player import Player, StreamSettings
from app.services.store import SessionStore

logger = logging.getLogger(__name__)

router = APIRouter(tags=["stream"])

CLOSE_SESSION_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455 registry: the server is at its stream limits
# Commands waiting to be applied; when full the receiver stops reading (TCP backpressure).
COMMAND_QUEUE_SIZE = 64
DEFAULT_RESOLUTION = 100
DEFAULT_THUMBNAIL_RESOLUTION = 24


class SessionGone(Exception):
    """The session was deleted or expired while the socket was open."""


class StreamConnection:
    def __init__(
        self, websocket: WebSocket, player: Player, settings: Settings, store: SessionStore
    ) -> None:
        self.websocket = websocket
        self.player = player
        self.settings = settings
        self.store = store
        self.commands: asyncio.Queue[Any] = asyncio.Queue(COMMAND_QUEUE_SIZE)
        self.wakeup = asyncio.Event()  # set by a queued command or a frame's time coming
        self.frame_wanted = False
        self.next_frame_at = 0.0
        # Frames asked for by commands come no faster than playing ones may.
        self.min_interval = 1.0 / settings.max_fps
        self.last_frame_at = 0.0
        self.max_message = settings.max_body_bytes
        # While connected the session counts as in use: touched at least this often.
        self.keepalive_seconds = min(30.0, settings.session_idle_seconds / 3)
        self.checked_at = time.monotonic()

    async def run(self) -> None:
        await self.send_json(await in_worker(self.player.hello))
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self.receive_loop, tasks.cancel_scope)
            tasks.start_soon(self.drive_loop, tasks.cancel_scope)

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.websocket.send_text(json.dumps(message, allow_nan=False))

    async def send_frame(self, frame: Frame) -> None:
        await self.websocket.send_text(json.dumps(frame.header, allow_nan=False))
        await self.websocket.send_bytes(frame.payload)

    async def receive_loop(self, scope: anyio.CancelScope) -> None:
        try:
            while True:
                try:
                    message = await self.websocket.receive()
                except (WebSocketDisconnect, RuntimeError):
                    break
                if message["type"] == "websocket.disconnect":
                    break
                command = self.read_command(message)
                await self.commands.put(command)
                self.wakeup.set()
        finally:
            scope.cancel()

    def read_command(self, message: Mapping[str, Any]) -> Any:
        """A validated command, or the BadMessage to answer with; never raises."""
        try:
            return parse_message(message.get("text"), self.max_message)
        except BadMessage as error:
            return error
        except Exception:  # whatever the client sent, the connection stays up
            logger.exception("could not read a stream message")
            return BadMessage("expected a JSON object with a 'type', got a message that could "
                              "not be read")  # fmt: skip

    async def drive_loop(self, scope: anyio.CancelScope) -> None:
        try:
            while True:
                if time.monotonic() - self.checked_at >= self.keepalive_seconds:
                    self.keep_session()
                await self.wait_for_work()
                if self.frame_ready():
                    await self.send_next_frame()
                # Give the other sessions' loops a turn between frames.
                await anyio.sleep(0)
        except SessionGone:
            await self.websocket.close(CLOSE_SESSION_NOT_FOUND, "session not found")
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the client went away mid-send
        finally:
            scope.cancel()

    def frame_ready(self) -> bool:
        """Playing: the next frame's time has come. Paused: a command asked for a frame."""
        return self.seconds_to_frame() == 0.0

    def seconds_to_frame(self) -> float | None:
        """How long until the next frame is due; None if none is wanted."""
        if self.player.playing:
            due_at = self.next_frame_at
        elif self.frame_wanted:
            due_at = self.last_frame_at + self.min_interval
        else:
            return None
        return max(0.0, due_at - time.monotonic())

    async def wait_for_work(self) -> None:
        """Apply every queued command; wait for one if no frame is due yet."""
        if not self.frame_ready() and self.commands.empty():
            timeout = self.seconds_to_frame()
            if timeout is None:
                timeout = self.keepalive_seconds
            # A timer and an event: cheaper per frame than wait_for's task and timeout error.
            timer = asyncio.get_running_loop().call_later(timeout, self.wakeup.set)
            try:
                await self.wakeup.wait()
            finally:
                timer.cancel()
        self.wakeup.clear()
        while not self.commands.empty():
            await self.apply(self.commands.get_nowait())

    def keep_session(self) -> None:
        try:
            self.store.get(self.player.session.id)
        except SessionNotFound:
            raise SessionGone from None
        self.player.session.touch()
        self.checked_at = time.monotonic()

    async def send_next_frame(self) -> None:
        if self.player.playing:
            interval = 1.0 / self.player.settings.fps
            now = time.monotonic()
            # Keep the cadence; after a stall catch up by at most one frame, never a burst.
            self.next_frame_at = max(self.next_frame_at + interval, now - interval)
            self.player.begin_frame()
            frame = None
            while frame is None:
                frame = await in_worker(self.player.continue_frame)
        else:
            frame = await in_worker(self.player.render)
        self.frame_wanted = False
        self.last_frame_at = time.monotonic()
        await self.send_frame(frame)

    async def apply(self, command: Any) -> None:
        """Carry out one command; a bad one answers with an error and changes nothing."""
        try:
            if isinstance(command, BadMessage):
                raise command
            await self.apply_command(command)
        except BadMessage as error:
            await self.send_json(error.as_message())
        except ValueError as error:
            prefix = "config." if isinstance(command, Update) else ""
            await self.send_json(value_error_message(error, prefix))
        except SessionGone:
            raise
        except Exception:  # a bug must not take the connection (or the session) down
            logger.exception("stream command %r failed", command)
            name = getattr(command, "type", "message")
            await self.send_json({"type": "error", "message": f"could not apply {name!r}"})

    async def apply_command(self, command: Any) -> None:
        player = self.player
        self.keep_session()
        if isinstance(command, Play):
            if not player.playing:
                player.playing = True
                self.next_frame_at = time.monotonic()
        elif isinstance(command, Pause):
            player.playing = False
        elif isinstance(command, Step):
            # In slices, handing the worker to the other streams in between (an epoch of a big
            # session at batch size 1 is a good part of a second of work).
            player.begin_step(command.unit)
            while not await in_worker(player.continue_step):
                pass
        elif isinstance(command, Reset):
            await in_worker(player.reset)
        elif isinstance(command, Update):
            changes = config_changes(command.config)
            await self.send_json(await in_worker(player.update, changes))
        elif isinstance(command, SetWeight):
            self.check_edited(command.value)
            await in_worker(
                player.set_weight, command.layer, command.source, command.target, command.value
            )
        elif isinstance(command, SetBias):
            self.check_edited(command.value)
            await in_worker(player.set_bias, command.layer, command.neuron, command.value)
        elif isinstance(command, StreamUpdate):
            self.update_stream(command)
            await self.send_json({"type": "stream", **player.settings.as_dict()})
        elif not isinstance(command, FrameRequest):
            raise BadMessage(f"type: cannot handle {type(command).__name__}", "type")
        self.frame_wanted = True  # while playing, the next playing frame shows the change

    def check_edited(self, value: float) -> None:
        bound = self.settings.max_edited_parameter
        if abs(value) > bound:
            raise BadMessage(f"value: expected a number in [-{bound:g}, {bound:g}], got {value:g}",
                             "value")  # fmt: skip

    def update_stream(self, command: StreamUpdate) -> None:
        limits = {
            "fps": self.settings.max_fps,
            "speed": self.settings.max_speed,
            "resolution": self.settings.max_resolution,
        }
        changes = command.model_dump(exclude_none=True, exclude={"type"})
        for name, limit in limits.items():
            if name in changes and changes[name] > limit:
                raise BadMessage(f"{name}: expected at most {limit}, got {changes[name]}", name)
        for name, value in changes.items():
            setattr(self.player.settings, name, value)
        if "fps" in changes:
            self.next_frame_at = time.monotonic()


def initial_stream_settings(settings: Settings) -> StreamSettings:
    return StreamSettings(
        fps=settings.default_fps,
        speed=1,
        resolution=min(DEFAULT_RESOLUTION, settings.max_resolution),
        thumbnail_resolution=DEFAULT_THUMBNAIL_RESOLUTION,
    )


@router.websocket("/api/sessions/{session_id}/stream")
async def stream_session(
    websocket: WebSocket, session_id: str, store: StoreDep, settings: SettingsDep
) -> None:
    """Drive a session live; unknown ids are accepted, then closed with code 4404, and a
    stream over the server's limits (max_streams, max_streams_per_session) with 1013."""
    await websocket.accept()
    try:
        session = store.get(session_id)
    except SessionNotFound:
        await websocket.close(CLOSE_SESSION_NOT_FOUND, "session not found")
        return
    slots = stream_slots(store)
    refusal = slots.refusal(session_id, settings)
    if refusal is not None:
        await websocket.close(CLOSE_TRY_AGAIN_LATER, refusal)
        return
    player = Player(session, initial_stream_settings(settings))
    with slots.taken(session_id), contextlib.suppress(WebSocketDisconnect):
        async with counted_stream(session):
            await StreamConnection(websocket, player, settings, store).run()
