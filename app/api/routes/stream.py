"""The live stream: `/api/sessions/{id}/stream` (protocol in docs/protocol.md).

Two tasks per connection. The receiver reads the socket all the time, validates each
message and files it in the connection's bounded inbox (``stream_inbox``), so a close is
seen at once and a flood meets the inbox's limits. The driver owns the player: it carries
out what was filed, trains and renders in the worker thread all streams share
(``stream_worker``; the session's lock is only taken when free, in slices of a few ms), and
awaits each send before producing the next frame, so a slow client never makes frames pile
up — the latest state wins. Only the driver sends, so a frame's header and its binary
message are never split by another message.

When either task ends, the other is cancelled: a client that leaves stops its work at the end
of the slice under way, and what it had sent and was still waiting is dropped. A send that
the client has not taken within ``stream_send_timeout_seconds`` (it reads nothing) closes the
connection with 1008 and a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from app.api.deps import SettingsDep, StoreDep
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
CLOSE_POLICY_VIOLATION = 1008  # RFC 6455: here, a client that reads nothing it is sent
# Messages read and waiting to be carried out (app/api/stream_inbox.py has the rules).
MAX_WAITING_MESSAGES = 64
MAX_WAITING_STEPS = 100  # of each unit
# How long closing from our side may take before the connection is simply left.
CLOSE_SECONDS = 1.0
DEFAULT_RESOLUTION = 100
DEFAULT_THUMBNAIL_RESOLUTION = 24


class SessionGone(Exception):
    """The session was deleted or expired while the socket was open."""


class SlowClient(Exception):
    """A send did not complete within the stream send timeout: the client reads nothing."""


class StreamConnection:
    """One socket driving one player: a receiver that files messages, a driver that acts."""

    def __init__(
        self, websocket: WebSocket, player: Player, settings: Settings, store: SessionStore
    ) -> None:
        self.websocket = websocket
        self.player = player
        self.settings = settings
        self.store = store
        self.inbox = Inbox(MAX_WAITING_MESSAGES, settings.max_body_bytes, MAX_WAITING_STEPS)
        self.wakeup = asyncio.Event()  # set by a filed message or a frame's time coming
        self.frame_wanted = False
        self.next_frame_at = 0.0
        # Frames asked for by commands come no faster than playing ones may.
        self.min_interval = 1.0 / settings.max_fps
        self.last_frame_at = 0.0
        self.max_message = settings.max_body_bytes
        self.send_timeout = settings.stream_send_timeout_seconds
        # While connected the session counts as in use: touched at least this often.
        self.keepalive_seconds = min(30.0, settings.session_idle_seconds / 3)
        self.checked_at = time.monotonic()

    async def run(self) -> None:
        """Until either side ends it; the receiver drops whatever was still waiting."""
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self.receive_loop, tasks.cancel_scope)
            tasks.start_soon(self.drive_loop, tasks.cancel_scope)

    async def send(self, *messages: str | bytes) -> None:
        """Send in order; SlowClient if the client has not taken them within send_timeout."""
        try:
            with anyio.fail_after(self.send_timeout):
                for message in messages:
                    if isinstance(message, bytes):
                        await self.websocket.send_bytes(message)
                    else:
                        await self.websocket.send_text(message)
        except TimeoutError:
            raise SlowClient from None

    async def send_json(self, message: dict[str, Any]) -> None:
        await self.send(json.dumps(message, allow_nan=False))

    async def send_frame(self, frame: Frame) -> None:
        await self.send(json.dumps(frame.header, allow_nan=False), frame.payload)

    async def close(self, code: int, reason: str) -> None:
        """Close from our side; the client may be gone already, or not reading."""
        with (
            anyio.move_on_after(CLOSE_SECONDS),
            contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError),
        ):
            await self.websocket.close(code, reason)

    async def receive_loop(self, scope: anyio.CancelScope) -> None:
        try:
            while True:
                try:
                    message = await self.websocket.receive()
                except (WebSocketDisconnect, RuntimeError):
                    break
                if message["type"] == "websocket.disconnect":
                    break
                entry, length = self.read(message)
                del message  # not kept alive while the next one is awaited
                self.inbox.put(entry, length)
                self.wakeup.set()
        finally:
            self.inbox.clear()
            scope.cancel()

    def read(self, message: Mapping[str, Any]) -> tuple[Any, int]:
        """A validated command, or the error reply to send, and the length to count for it;
        never raises."""
        text = message.get("text")
        try:
            command = parse_message(text, self.max_message)
            return command, len(text or "")
        except BadMessage as error:
            reply = error.as_message()
        except Exception:  # whatever the client sent, the connection stays up
            logger.exception("could not read a stream message")
            reply = BadMessage("expected a JSON object with a 'type', got a message that "
                               "could not be read").as_message()  # fmt: skip
        return reply, len(reply["message"])

    async def drive_loop(self, scope: anyio.CancelScope) -> None:
        try:
            await self.send_json(await in_worker(self.player.hello))
            while True:
                if time.monotonic() - self.checked_at >= self.keepalive_seconds:
                    self.keep_session()
                await self.wait_for_work()
                if self.frame_ready():
                    await self.send_next_frame()
                # Give the other sessions' loops a turn between frames.
                await anyio.sleep(0)
        except SessionGone:
            await self.close(CLOSE_SESSION_NOT_FOUND, "session not found")
        except SlowClient:
            reason = f"the client read nothing for {self.send_timeout:g} s"
            logger.warning("closing a stream of session %s: %s", self.player.session.id, reason)
            await self.close(CLOSE_POLICY_VIOLATION, reason)
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
        """Carry out everything filed; wait for a message if no frame is due yet."""
        if not self.frame_ready() and not self.inbox:
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
        while (entry := self.inbox.take()) is not None:
            await self.apply(entry)

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
            self.keep_session()
            await handler(self, entry)
            self.frame_wanted = True  # while playing, the next playing frame shows the change
        except BadMessage as error:
            await self.send_json(error.as_message())
        except ValueError as error:
            prefix = "config." if isinstance(entry, Update) else ""
            await self.send_json(value_error_message(error, prefix))
        except (SessionGone, SlowClient, WebSocketDisconnect, OSError):
            raise
        except Exception:  # a bug must not take the connection (or the session) down
            logger.exception("stream command %r failed", entry)
            name = getattr(entry, "type", "message")
            await self.send_json({"type": "error", "message": f"could not apply {name!r}"})

    async def on_play(self, command: Play) -> None:
        if not self.player.playing:
            self.player.playing = True
            self.next_frame_at = time.monotonic()

    async def on_pause(self, command: Pause) -> None:
        self.player.playing = False

    async def on_steps(self, command: Steps) -> None:
        # In slices, handing the worker to the other streams in between (an epoch at batch
        # size 1 of a big network is many slices). When the client goes, the task is
        # cancelled at the next slice's end.
        for _ in range(command.times):
            self.player.begin_step(command.unit)
            while not await in_worker(self.player.continue_step):
                pass

    async def on_reset(self, command: Reset) -> None:
        await in_worker(self.player.reset)

    async def on_update(self, command: Update) -> None:
        changes = config_changes(command.config)
        await self.send_json(await in_worker(self.player.update, changes))

    async def on_set_weight(self, command: SetWeight) -> None:
        self.check_edited(command.value)
        player = self.player
        await in_worker(
            player.set_weight, command.layer, command.source, command.target, command.value
        )

    async def on_set_bias(self, command: SetBias) -> None:
        self.check_edited(command.value)
        await in_worker(self.player.set_bias, command.layer, command.neuron, command.value)

    async def on_inspect_step(self, command: InspectStep) -> None:
        player = self.player
        await self.send_json(
            await in_worker(player.inspect_step, command.layer, command.source, command.target)
        )

    async def on_stream(self, command: StreamUpdate) -> None:
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
        changes = command.model_dump(exclude_none=True, exclude={"type"})
        unit = changes.get("speed_unit", self.player.settings.speed_unit)
        limits = {
            "fps": (self.settings.max_fps, ""),
            "speed": (self.settings.max_speed, " iterations per frame")
            if unit == "iteration"
            else (self.settings.max_epochs_per_frame, " epochs per frame"),
            "resolution": (self.settings.max_resolution, ""),
        }
        checked = {"speed": self.player.settings.speed, **changes}  # a new unit bounds it too
        for name, (limit, what) in limits.items():
            if name in checked and checked[name] > limit:
                raise BadMessage(f"{name}: expected at most {limit}{what}, got {checked[name]}",
                                 name)  # fmt: skip
        for name, value in changes.items():
            setattr(self.player.settings, name, value)
        if "fps" in changes:
            self.next_frame_at = time.monotonic()


# One handler per message type (the parsed message's class).
COMMANDS: dict[type, Callable[[StreamConnection, Any], Awaitable[None]]] = {
    Play: StreamConnection.on_play,
    Pause: StreamConnection.on_pause,
    Steps: StreamConnection.on_steps,
    Reset: StreamConnection.on_reset,
    Update: StreamConnection.on_update,
    SetWeight: StreamConnection.on_set_weight,
    SetBias: StreamConnection.on_set_bias,
    InspectStep: StreamConnection.on_inspect_step,
    StreamUpdate: StreamConnection.on_stream,
    FrameRequest: StreamConnection.on_frame,
}


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
    with slots.taken(session_id):
        async with counted_stream(session):
            await StreamConnection(websocket, player, settings, store).run()
