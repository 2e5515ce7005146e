"""The stream stays up: bad messages, unknown or expiring sessions, pacing limits; and a
client that reads nothing, or leaves, costs nothing afterwards.

Through the real app where a client can show it; in a worker run in this process (see
``tests/workers/front.py``) where the test looks inside the worker or the front's relay.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from stream_helpers import (
    app,
    client,
    connect,
    new_session,
    receive,
    receive_frame,
    request_frame,
    send,
)
from workers.front import PATIENCE, Front, with_worker

from app.api import stream_messages
from app.api.routes.stream import CLOSE_POLICY_VIOLATION, Relay
from app.api.stream_messages import BadMessage, config_changes, parse_message
from app.config import Settings
from app.main import create_app
from app.workers import stream as worker_stream
from app.workers.stream import Phase, WorkerStream

__all__ = ["app", "client"]  # fixtures


BAD_MESSAGES: list[tuple[str | bytes, str | None]] = [
    ("not json", None),
    ("[1, 2]", None),
    ("{}", "type"),
    ('{"type": "dance"}', "type"),
    ('{"type": 7}', "type"),
    ('{"type": "step", "unit": "year"}', "unit"),
    ('{"type": "play", "extra": 1}', "extra"),
    ('{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": NaN}', "value"),
    ('{"type": "set_weight", "layer": 0, "from": 0, "to": 0}', "value"),
    ('{"type": "set_weight", "layer": 9, "from": 0, "to": 0, "value": 1}', "layer"),
    ('{"type": "set_bias", "layer": 0, "neuron": 99, "value": 1}', "neuron"),
    ('{"type": "stream", "fps": 0}', "fps"),
    ('{"type": "stream", "fps": 61}', "fps"),
    ('{"type": "stream", "resolution": 200}', "resolution"),
    ('{"type": "stream", "speed": "fast"}', "speed"),
    ('{"type": "update", "config": {"learning_rate": -1}}', "config.learning_rate"),
    (
        '{"type": "update", "config": {"hidden_layers": [4, 4, 4, 4, 4, 4, 4, 4, 4]}}',
        "config.hidden_layers",
    ),  # fmt: skip
    ('{"type": "update", "config": {"colour": "red"}}', "config.colour"),
    ('{"type": "update", "config": {"hidden_layers": [4, 0]}}', "config.hidden_layers[1]"),
    ('{"type": "update", "config": {"features": ["x1", "x1"]}}', "config.features"),
    ('{"type": "update", "config": 3}', "config"),
    (b"\x00\x01binary", None),
]


def test_bad_messages_get_errors_and_leave_the_connection_and_session_intact(
    client: TestClient,
) -> None:
    session_id = new_session(client, dataset="xor", hidden_layers=[4])
    with connect(client, session_id) as ws:
        receive(ws)
        for message, field in BAD_MESSAGES:
            if isinstance(message, bytes):
                ws.send_bytes(message)
            else:
                ws.send_text(message)
            error = receive(ws)
            assert error["type"] == "error", (message, error)
            assert error["message"], message
            if field is not None:
                assert error["field"].startswith(field), (message, error)
        send(ws, {"type": "step"})
        header, payload = receive_frame(ws)
        assert header["state"]["iteration"] == 1 and len(payload) == header["byte_length"]
        assert header["layer_sizes"] == [2, 4, 1]
    state = client.get(f"/api/sessions/{session_id}").json()
    assert state["state"]["iteration"] == 1 and state["config"]["learning_rate"] == 0.03


def test_unknown_session_is_closed_with_4404(client: TestClient) -> None:
    with connect(client, "no-such-session") as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_text()
    assert closed.value.code == 4404


def test_frames_asked_for_come_no_faster_than_max_fps_and_big_messages_are_refused() -> None:
    settings = Settings.model_validate({"max_fps": 20, "default_fps": 20, "max_body_bytes": 1024})
    with TestClient(create_app(settings)) as client:
        session_id = new_session(client)
        with connect(client, session_id) as ws:
            receive(ws)
            ws.send_text(json.dumps({"type": "frame", "padding": "x" * 2000}))
            error = receive(ws)
            assert error["type"] == "error" and "at most 1024" in error["message"]
            started = time.monotonic()
            seqs = [request_frame(ws)[0]["seq"] for _ in range(6)]
            elapsed = time.monotonic() - started
    assert seqs == list(range(6))
    assert elapsed >= 5 / 20  # six frames, at least 1/max_fps apart


def test_deeply_nested_and_binary_messages_get_errors_and_the_socket_stays_usable(
    client: TestClient,
) -> None:
    session_id = new_session(client, dataset="xor", hidden_layers=[3])
    nested = "[" * 1000 + "]" * 1000  # json.loads raises RecursionError, not ValueError
    deep_value = '{"type": "step", "unit": ' + "[" * 900 + "]" * 900 + "}"
    deep_config = '{"type": "update", "config": {"points": ' + "[" * 900 + "]" * 900 + "}}"
    with connect(client, session_id) as ws:
        receive(ws)
        for message in (nested, '{"a": ' * 1000 + "1" + "}" * 1000, deep_value, deep_config):
            ws.send_text(message)
            error = receive(ws)
            assert error["type"] == "error" and error["message"], message[:40]
        ws.send_bytes(b"\xff\xfe not text")
        error = receive(ws)
        assert error["type"] == "error" and "binary" in error["message"]
        send(ws, {"type": "step"})
        header, payload = receive_frame(ws)
        assert header["state"]["iteration"] == 1 and len(payload) == header["byte_length"]
    assert client.get(f"/api/sessions/{session_id}").json()["state"]["iteration"] == 1


def deeply_nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


def call_at_depth(frames: int, function: Callable[[], object]) -> object:
    """Call ``function`` with ``frames`` extra frames on the stack (less recursion left)."""
    return function() if frames == 0 else call_at_depth(frames - 1, function)


@pytest.mark.parametrize("frames", [0, 300, 600])
def test_parsing_client_input_raises_only_bad_message_however_deep(frames: int) -> None:
    messages = [
        "[" * 1000 + "]" * 1000,
        '{"type": "step", "unit": ' + "[" * 500 + "]" * 500 + "}",
        '{"type": "update", "config": {"points": ' + "[" * 500 + "]" * 500 + "}}",
    ]
    for text in messages:
        with pytest.raises(BadMessage):
            command = call_at_depth(frames, partial(parse_message, text, 10**6))
            assert isinstance(command, stream_messages.Update), text[:30]
            call_at_depth(frames, partial(config_changes, command.config))
    with pytest.raises(BadMessage, match="config"):
        config_changes({"points": {"x": deeply_nested(5000), "y": []}})
    shown = stream_messages._expected({"msg": "Input should be a number",
                                       "input": deeply_nested(5000)})  # fmt: skip
    assert shown.startswith("expected a number, got ")


def test_a_streamed_session_stays_in_memory_and_an_idle_one_goes_to_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(expiry_interval_seconds=0.01)
    long_ago = 10 * settings.session_idle_seconds

    async def scenario(front: Front) -> dict[str, Any]:
        passes = [0]
        forget_unused = front.worker.store.forget_unused

        def counted(before: float) -> int:  # once every expiry pass (worker 0's)
            passes[0] += 1
            return forget_unused(before)

        monkeypatch.setattr(front.worker.store, "forget_unused", counted)
        session = await front.new_session()
        key = front.new_stream(session.id)
        await front.receive_json(key)
        front.tell(key, {"type": "step"})
        await front.receive_frame(key)
        session.last_used -= long_ago
        later = passes[0] + 3
        await front.wait_for(lambda: passes[0] >= later, "three expiry passes")
        streamed_kept = front.worker.sessions.get(session.id) is session
        front.close_stream(key)
        await front.wait_for(lambda: session.streams == 0, "the stream to end")
        session.last_used -= long_ago  # its stream's end counted as a use
        await front.wait_for(lambda: session.id not in front.worker.sessions, "the eviction")
        back = await front.call("get", session_id=session.id)  # from the store
        return {"streamed_kept": streamed_kept, "back": back["state"]["iteration"]}

    assert with_worker(settings, scenario) == {"streamed_kept": True, "back": 1}


def test_the_play_loop_waits_between_frames_instead_of_spinning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks = 0
    original = WorkerStream.frame_ready

    def counted(self: WorkerStream) -> bool:
        nonlocal checks
        checks += 1
        return original(self)

    monkeypatch.setattr(WorkerStream, "frame_ready", counted)

    async def scenario(front: Front) -> tuple[dict[str, Any], dict[str, Any]]:
        key = front.new_stream((await front.new_session()).id)
        await front.receive_json(key)
        front.tell(key, {"type": "stream", "fps": 2})
        await front.receive_frame(key)
        front.tell(key, {"type": "play"})
        first = await front.receive_frame(key)
        front.tell(key, {"type": "step"})  # a command while playing: the next frame shows it
        front.tell(key, {"type": "set_bias", "layer": 0, "neuron": 0, "value": 1.0})
        header = await front.receive_frame(key)  # half a second later
        front.tell(key, {"type": "pause"})
        return first, header

    first, header = with_worker(Settings(), scenario)
    assert first["state"]["iteration"] == 1
    # The step and the edit, then the frame's own iteration (which nudges the bias a little).
    assert header["state"]["iteration"] == 3
    assert header["biases"][0][0] == pytest.approx(1.0, abs=0.05)
    # A few checks per frame and command; spinning would make it thousands.
    assert checks < 100


def test_an_unexpected_parsing_failure_is_answered_and_the_socket_stays_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(text: str | None, max_length: int) -> object:
        if text is not None and "boom" in text:
            raise TypeError("a bug in parsing")
        return parse_message(text, max_length)

    monkeypatch.setattr(worker_stream, "parse_message", broken)

    async def scenario(front: Front) -> tuple[dict[str, Any], dict[str, Any]]:
        key = front.new_stream((await front.new_session(dataset="xor")).id)
        await front.receive_json(key)
        front.send(("in", key, '{"type": "boom"}'))
        error = await front.receive_json(key)
        front.tell(key, {"type": "step"})
        return error, await front.receive_frame(key)

    error, frame = with_worker(Settings(), scenario)
    assert error["type"] == "error" and "could not be read" in error["message"]
    assert frame["state"]["iteration"] == 1


class StuckClient:
    """A client that reads nothing: a send to it never completes."""

    def __init__(self) -> None:
        self.closed_with: list[tuple[int, str | None]] = []
        self.scope: dict[str, Any] = {}  # Starlette's socket, without our protocol's extension

    async def receive(self) -> dict[str, Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()

    async def send_bytes(self, data: bytes) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with.append((code, reason))


class LeavingClient:
    """A client that plays, reads ``frames`` frames, then leaves."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.sent: list[str | bytes] = []
        self.read_enough = asyncio.Event()
        self.messages = [json.dumps(m) for m in ({"type": "stream", "fps": 60}, {"type": "play"})]
        self.scope: dict[str, Any] = {}

    async def receive(self) -> dict[str, Any]:
        if self.messages:
            return {"type": "websocket.receive", "text": self.messages.pop(0)}
        await self.read_enough.wait()
        return {"type": "websocket.disconnect", "code": 1001}

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)
        if sum(isinstance(message, bytes) for message in self.sent) >= self.frames:
            self.read_enough.set()

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        raise AssertionError("the client left: there is nothing to close")


async def relay_to(front: Front, socket: object, session_id: str) -> WorkerStream:
    """Relay the session's stream to ``socket`` until the relay ends; the worker's stream,
    once it has ended too."""
    key = next(front.keys)
    relay = Relay(cast(Any, socket), cast(Any, front), key, front.settings)
    relayed = asyncio.create_task(relay.run(session_id))
    stream: WorkerStream = await front.wait_for(lambda: front.worker.streams.get(key), "open")
    await asyncio.wait_for(relayed, PATIENCE)
    await front.wait_for(lambda: stream.task is not None and stream.task.done(), "its end")
    return stream


def test_a_client_that_reads_nothing_is_cut_with_1008_and_its_stream_ends() -> None:
    async def scenario(front: Front) -> tuple[StuckClient, WorkerStream, int]:
        session = await front.new_session()
        socket = StuckClient()
        stream = await relay_to(front, socket, session.id)  # its hello is never taken
        return socket, stream, session.streams

    socket, stream, streams = with_worker(Settings(stream_send_timeout_seconds=0.2), scenario)
    assert socket.closed_with == [(CLOSE_POLICY_VIOLATION, "the client read nothing for 0.2 s")]
    assert stream.phase is Phase.CLOSED and streams == 0


def test_a_client_that_leaves_while_playing_costs_nothing_afterwards() -> None:
    async def scenario(front: Front) -> dict[str, Any]:
        session = await front.new_session()
        socket = LeavingClient(frames=3)
        stream = await relay_to(front, socket, session.id)
        left_at = session.trainer.iteration
        await asyncio.sleep(0.1)  # six frame intervals at 60 fps
        return {
            "frames": sum(isinstance(message, bytes) for message in socket.sent),
            "phase": stream.phase,
            "streams": (session.streams, dict(front.worker.streams)),
            "trained_since": session.trainer.iteration - left_at,
        }

    seen = with_worker(Settings(), scenario)
    assert seen == {"frames": 3, "phase": Phase.CLOSED, "streams": (0, {}), "trained_since": 0}
