"""The stream stays up: bad messages, unknown or expiring sessions, pacing limits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial

import pytest
from fastapi import FastAPI
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

from app.api import stream_messages
from app.api.routes import stream as stream_route
from app.api.routes.stream import StreamConnection
from app.api.stream_messages import BadMessage, config_changes, parse_message
from app.config import Settings
from app.main import create_app

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


def test_streamed_session_is_not_expired(app: FastAPI, client: TestClient) -> None:
    session_id = new_session(client)
    store = app.state.store
    with connect(client, session_id) as ws:
        receive(ws)
        store.get(session_id).last_used -= 10 * app.state.settings.session_idle_seconds
        assert store.expire_idle() == 0
        request_frame(ws)
    store.get(session_id).last_used -= 10 * app.state.settings.session_idle_seconds
    assert store.expire_idle() == 1


def test_the_play_loop_waits_between_frames_instead_of_spinning(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = 0
    original = StreamConnection.frame_ready

    def counted(self: StreamConnection) -> bool:
        nonlocal checks
        checks += 1
        return original(self)

    monkeypatch.setattr(StreamConnection, "frame_ready", counted)
    session_id = new_session(client)
    with connect(client, session_id) as ws:
        receive(ws)
        send(ws, {"type": "stream", "fps": 2})
        receive_frame(ws)
        send(ws, {"type": "play"})
        assert receive_frame(ws)[0]["state"]["iteration"] == 1
        send(ws, {"type": "step"})  # a command while playing: shown by the next playing frame
        send(ws, {"type": "set_bias", "layer": 0, "neuron": 0, "value": 1.0})
        header, _ = receive_frame(ws)  # half a second later
        send(ws, {"type": "pause"})
    # The step and the edit, then the frame's own iteration (which nudges the bias a little).
    assert header["state"]["iteration"] == 3
    assert header["biases"][0][0] == pytest.approx(1.0, abs=0.05)
    # A few checks per frame and command; spinning would make it thousands.
    assert checks < 100


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


def test_an_unexpected_parsing_failure_is_answered_and_the_socket_stays_up(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str | None, max_length: int) -> object:
        if text is not None and "boom" in text:
            raise TypeError("a bug in parsing")
        return parse_message(text, max_length)

    monkeypatch.setattr(stream_route, "parse_message", broken)
    session_id = new_session(client, dataset="xor")
    with connect(client, session_id) as ws:
        receive(ws)
        ws.send_text('{"type": "boom"}')
        error = receive(ws)
        assert error["type"] == "error" and "could not be read" in error["message"]
        send(ws, {"type": "step"})
        assert receive_frame(ws)[0]["state"]["iteration"] == 1
