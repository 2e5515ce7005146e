"""The board's one WebSocket (``/api/rooms/{code}/board``): who it refuses and what it says,
and a board that follows a student's training.

In process (``TestClient(create_app(settings))``); every wait is on what a message says,
under a generous deadline, never on how many messages came in a time.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.testclient import WebSocketDenialResponse, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect
from test_rooms_api import join, new_room

from app.api.routes import board as board_route
from app.config import Settings
from app.rooms.board import SPOTLIGHT_RESOLUTION, THUMBNAIL_RESOLUTION, encode_thumbnail

NAMES = ("민준", "Sara", "陈")
SMALL = {"dataset": "xor", "n_samples": 40, "hidden_layers": [3]}
DEADLINE = 60.0


@pytest.fixture
def settings() -> Settings:
    return Settings(max_sessions=20, board_updates_per_second=20)


def url(code: str) -> str:
    return f"/api/rooms/{code}/board"


def refusal(ws: WebSocketTestSession) -> tuple[dict[str, Any], int]:
    """The error message and then the close code of a refused board."""
    message = ws.receive_json()
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    return message, closed.value.code


def board_until(ws: WebSocketTestSession, predicate: Any) -> dict[str, Any]:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        message: dict[str, Any] = ws.receive_json()
        assert message["type"] == "board", message
        if predicate(message):
            return message
    raise AssertionError(f"no board message within {DEADLINE} s satisfied the condition")


def test_a_wrong_key_is_refused_with_4403(client: TestClient) -> None:
    room = new_room(client)
    other = new_room(client)
    with client.websocket_connect(url(room["code"])) as ws:
        ws.send_json({"type": "auth", "key": other["teacher_key"]})
        message, code = refusal(ws)
    assert (message["type"], code) == ("error", board_route.CLOSE_WRONG_KEY)
    assert room["code"] in message["detail"]
    assert other["teacher_key"] not in message["detail"]


@pytest.mark.parametrize(
    "first", [{"type": "hello"}, {"type": "auth"}, {"type": "auth", "key": ""}, "not json"]
)
def test_a_first_message_without_a_key_is_refused_with_4401(client: TestClient, first: Any) -> None:
    room = new_room(client)
    with client.websocket_connect(url(room["code"])) as ws:
        ws.send_text(first) if isinstance(first, str) else ws.send_json(first)
        message, code = refusal(ws)
    assert (message["type"], code) == ("error", board_route.CLOSE_NO_KEY)
    assert "expected" in message["detail"]


def test_silence_is_refused_with_4401(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(board_route, "AUTH_SECONDS", 0.2)
    room = new_room(client)
    with client.websocket_connect(url(room["code"])) as ws:
        message, code = refusal(ws)
    assert code == board_route.CLOSE_NO_KEY
    assert "no auth message" in message["detail"]


def test_an_unknown_room_is_refused_with_4404(client: TestClient) -> None:
    room = new_room(client)
    with client.websocket_connect(url("ZZZZZZ")) as ws:
        ws.send_json({"type": "auth", "key": room["teacher_key"]})
        message, code = refusal(ws)
    assert (message["type"], code) == ("error", board_route.CLOSE_NO_ROOM)


def test_a_foreign_origin_is_refused_at_the_handshake(client: TestClient) -> None:
    room = new_room(client)
    with (
        pytest.raises(WebSocketDenialResponse) as refused,
        client.websocket_connect(
            url(room["code"]), headers={"origin": "http://evil.example"}
        ) as ws,
    ):
        ws.receive_json()
    assert refused.value.status_code == 403


def test_the_board_lists_the_students_and_follows_one_training(client: TestClient) -> None:
    room = new_room(client)
    assert client.put(
        f"/api/rooms/{room['code']}/preset",
        json={"config": SMALL},
        headers={"Authorization": f"Bearer {room['teacher_key']}"},
    ).is_success
    students = [join(client, room["code"], name) for name in NAMES]
    with client.websocket_connect(url(room["code"])) as ws:
        ws.send_json({"type": "auth", "key": room["teacher_key"]})
        first = board_until(ws, lambda m: len(m["students"]) == 3)
        assert (first["code"], first["title"]) == (room["code"], "Lab 3")
        assert [s["name"] for s in first["students"]] == list(NAMES)
        tile = first["students"][1]
        assert "session_id" not in tile and tile["student_id"] == students[1]["student_id"]
        assert tile["config"] == {
            "hidden_layers": [3], "activation": "tanh", "dataset": "xor", "layers": [2, 3, 1]
        }  # fmt: skip
        assert tile["state"]["epoch"] == 0
        thumbnail = tile["thumbnail"]
        assert (thumbnail["resolution"], thumbnail["kind"]) == (THUMBNAIL_RESOLUTION, "binary")
        assert len(base64.b64decode(thumbnail["values"])) == THUMBNAIL_RESOLUTION**2

        trained = client.post(
            f"/api/sessions/{students[1]['session_id']}/train", json={"epochs": 3}
        )
        assert trained.status_code == 200, trained.text
        later = board_until(ws, lambda m: m["students"][1]["state"]["epoch"] == 3)
        assert later["students"][1]["state"]["test_loss"] is not None
        assert [s["state"]["epoch"] for s in later["students"]] == [0, 3, 0]
        assert later["students"][1]["thumbnail"]["values"] != thumbnail["values"]


def test_a_late_joiner_appears_on_an_open_board(client: TestClient) -> None:
    room = new_room(client)
    with client.websocket_connect(url(room["code"])) as ws:
        ws.send_json({"type": "auth", "key": room["teacher_key"]})
        assert board_until(ws, lambda m: True)["students"] == []
        join(client, room["code"], "Sara")
        board_until(ws, lambda m: [s["name"] for s in m["students"]] == ["Sara"])


def test_the_spotlit_student_has_a_finer_thumbnail(client: TestClient) -> None:
    room = new_room(client)
    students = [join(client, room["code"], name) for name in NAMES]
    with client.websocket_connect(url(room["code"])) as ws:
        ws.send_json({"type": "auth", "key": room["teacher_key"]})
        assert all("spotlight" not in s for s in board_until(ws, lambda m: True)["students"])
        ws.send_json({"type": "spotlight", "student_id": students[2]["student_id"]})
        lit = board_until(ws, lambda m: "spotlight" in m["students"][2])
        assert lit["students"][2]["spotlight"]["resolution"] == SPOTLIGHT_RESOLUTION
        assert len(base64.b64decode(lit["students"][2]["spotlight"]["values"])) == 96 * 96
        assert ["spotlight" in s for s in lit["students"]] == [False, False, True]
        ws.send_json({"type": "spotlight", "student_id": None})
        board_until(ws, lambda m: all("spotlight" not in s for s in m["students"]))


def test_a_message_the_board_does_not_know_is_answered_and_the_board_goes_on(
    client: TestClient,
) -> None:
    room = new_room(client)
    with client.websocket_connect(url(room["code"])) as ws:
        ws.send_json({"type": "auth", "key": room["teacher_key"]})
        board_until(ws, lambda m: True)
        ws.send_json({"type": "pause"})
        deadline = time.monotonic() + DEADLINE
        while (message := ws.receive_json())["type"] == "board":
            assert time.monotonic() < deadline
        assert message["type"] == "error"
        assert '"spotlight"' in message["detail"] and "pause" in message["detail"]
        board_until(ws, lambda m: True)


def test_a_board_that_left_costs_nothing_afterwards(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    original = board_route.board_document

    async def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        made.append("board")
        return await original(*args, **kwargs)

    monkeypatch.setattr(board_route, "board_document", counted)
    room = new_room(client)
    with client.websocket_connect(url(room["code"])) as ws:
        ws.send_json({"type": "auth", "key": room["teacher_key"]})
        board_until(ws, lambda m: True)
    # After the close has been handled, ten periods (at 20 a second) make no document.
    time.sleep(0.2)
    after_close = len(made)
    time.sleep(0.5)
    assert len(made) == after_close


def test_a_thumbnail_is_bytes_from_lo_to_hi() -> None:
    probabilities = np.array([[0.0, 0.5], [1.0, 0.25]])
    binary = encode_thumbnail({"resolution": 2, "values": probabilities})
    assert (binary["kind"], binary["lo"], binary["hi"], binary["classes"]) == ("binary", 0, 1, None)
    assert list(base64.b64decode(binary["values"])) == [0, 128, 255, 64]

    value = encode_thumbnail({"resolution": 2, "values": np.array([[-2.0, 0.0], [2.0, 1.0]])})
    assert (value["kind"], value["lo"], value["hi"]) == ("value", -2.0, 2.0)
    assert list(base64.b64decode(value["values"])) == [0, 128, 255, 191]

    classes = encode_thumbnail(
        {"resolution": 2, "values": probabilities, "classes": np.array([[0, 1], [2, 3]])}
    )
    assert classes["kind"] == "classes"
    assert list(base64.b64decode(classes["classes"])) == [0, 1, 2, 3]


@pytest.mark.parametrize("rate", [0, 0.1, 21])
def test_the_board_rate_is_bounded(rate: float) -> None:
    with pytest.raises(ValidationError):
        Settings(board_updates_per_second=rate)
    assert Settings().board_updates_per_second == 4
