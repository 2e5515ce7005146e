"""The stream's limits come from the settings: stream counts, speed, edited parameters."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from stream_helpers import connect, new_session, receive, receive_frame, send

from app.config import Settings
from app.main import create_app


def limited_client(**settings: Any) -> TestClient:
    return TestClient(create_app(Settings.model_validate(settings)))


def refused(client: TestClient, session_id: str) -> WebSocketDisconnect:
    with connect(client, session_id) as ws, pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_text()
    return closed.value


def test_streams_over_the_limits_are_closed_with_1013_and_a_reason() -> None:
    with limited_client(max_streams=2, max_streams_per_session=1) as client:
        first, second, third = (new_session(client) for _ in range(3))
        with connect(client, first) as ws:
            assert receive(ws)["type"] == "hello"
            again = refused(client, first)
            assert again.code == 1013 and again.reason == (
                "too many streams of this session: it allows 1"
            )
            with connect(client, second) as other:
                assert receive(other)["type"] == "hello"
                full = refused(client, third)
                assert full.code == 1013
                assert full.reason == "too many streams: the server allows 2"
            # A closed stream frees its slot; the refused ones never took one.
            with connect(client, third) as late:
                assert receive(late)["type"] == "hello"
            assert receive_frame_after_step(ws)["state"]["iteration"] == 1
        with connect(client, first) as ws:
            assert receive(ws)["type"] == "hello"


def receive_frame_after_step(ws: Any) -> dict[str, Any]:
    send(ws, {"type": "step"})
    return receive_frame(ws)[0]


def test_speed_is_bounded_by_max_speed_beyond_the_old_fixed_cap() -> None:
    with limited_client(max_speed=5000) as client:
        session_id = new_session(client, dataset="xor")
        with connect(client, session_id) as ws:
            receive(ws)
            send(ws, {"type": "stream", "speed": 5001})
            error = receive(ws)
            assert error == {
                "type": "error",
                "field": "speed",
                "message": "speed: expected at most 5000 iterations per frame, got 5001",
            }
            send(ws, {"type": "stream", "speed": 2000, "resolution": 10})
            assert receive(ws)["speed"] == 2000
            receive_frame(ws)
            send(ws, {"type": "play"})
            header, _ = receive_frame(ws)
            send(ws, {"type": "pause"})
        assert header["state"]["iteration"] == 2000
    with limited_client(max_speed=50) as client, connect(client, new_session(client)) as ws:
        receive(ws)
        send(ws, {"type": "stream", "speed": 51})
        assert receive(ws)["field"] == "speed"


def test_edited_weights_and_biases_are_bounded_by_max_edited_parameter() -> None:
    with limited_client(max_edited_parameter=5.0) as client:
        session_id = new_session(client, dataset="xor", hidden_layers=[2])
        with connect(client, session_id) as ws:
            receive(ws)
            send(ws, {"type": "set_weight", "layer": 0, "from": 0, "to": 1, "value": 6})
            error = receive(ws)
            assert error["field"] == "value" and "[-5, 5], got 6" in error["message"]
            send(ws, {"type": "set_bias", "layer": 0, "neuron": 0, "value": -5.5})
            assert receive(ws)["field"] == "value"
            send(ws, {"type": "set_weight", "layer": 0, "from": 0, "to": 1, "value": -5})
            assert receive_frame(ws)[0]["weights"][0][0][1] == -5.0
    with limited_client(max_edited_parameter=2000.0) as client:
        session_id = new_session(client, dataset="xor", hidden_layers=[2])
        with connect(client, session_id) as ws:
            receive(ws)
            send(ws, {"type": "set_bias", "layer": 1, "neuron": 0, "value": 1500})
            assert receive_frame(ws)[0]["biases"][1] == [1500.0]
