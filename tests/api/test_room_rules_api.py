"""A room's rules through a real server: the teacher pauses the class and locks controls.

Each student's session lives in an engine worker process, which is where a stream plays:
the pause must reach it there, and every path a student has (a PATCH, the stream's
``update``, ``play`` and ``step``, a training call) must be refused while it holds. Frames
are read until the condition wanted is seen, under a generous deadline; nothing is timed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from raw_websocket import RawWebSocket
from server_process import ServerProcess, server_command

from app.services.class_rules import CONTROLS, LOCKABLE

SMALL = {"dataset": "xor", "n_samples": 40, "hidden_layers": [3]}
DEADLINE_SECONDS = 60.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    command = lambda port: server_command(port, "--workers", "2")  # noqa: E731
    with ServerProcess(command, tmp_path / "server.log", data_dir=tmp_path / "data") as running:
        yield running


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_room(http: httpx.Client) -> dict[str, Any]:
    room = http.post("/api/rooms", json={"title": "Lab 4"})
    assert room.status_code == 201, room.text
    body: dict[str, Any] = room.json()
    pushed = http.put(f"/api/rooms/{body['code']}/preset", json={"config": SMALL},
                      headers=bearer(body["teacher_key"]))  # fmt: skip
    assert pushed.status_code == 200, pushed.text
    return body


def join(http: httpx.Client, code: str, name: str) -> str:
    joined = http.post(f"/api/rooms/{code}/students", json={"name": name})
    assert joined.status_code == 201, joined.text
    session_id: str = joined.json()["session_id"]
    return session_id


def set_rules(http: httpx.Client, room: dict[str, Any], **rules: Any) -> dict[str, Any]:
    response = http.patch(f"/api/rooms/{room['code']}/rules", json=rules,
                          headers=bearer(room["teacher_key"]))  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stream(base_url: str, session_id: str) -> RawWebSocket:
    ws = RawWebSocket(base_url, f"/api/sessions/{session_id}/stream")
    assert ws.receive_json()["type"] == "hello"
    return ws


def until(ws: RawWebSocket, wanted: Any) -> dict[str, Any]:
    """The first message ``wanted(message)`` accepts, asking for frames while none comes."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        message = ws.receive_json()
        if wanted(message):
            return message
    raise AssertionError("the message wanted never came")


def playing(value: bool) -> Any:
    return lambda m: m.get("type") == "frame" and m["playing"] is value


def test_pausing_the_class_stops_every_students_stream_until_it_is_let_go(
    server: ServerProcess,
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        room = new_room(http)
        sessions = [join(http, room["code"], name) for name in ("민준", "Sara", "陈")]
        streams = [stream(server.base_url, session_id) for session_id in sessions]
        try:
            for ws in streams:
                ws.send_json({"type": "play"})
                until(ws, playing(True))

            told = set_rules(http, room, paused=True)
            assert (told["paused"], told["changed"], told["not_reached"]) == (True, 3, [])
            for ws in streams:
                until(ws, playing(False))

            refused = []
            for ws in streams:
                ws.send_json({"type": "play"})
                refused.append(until(ws, lambda m: m.get("type") == "error"))
                ws.send_json({"type": "step", "unit": "epoch"})
                refused.append(until(ws, lambda m: m.get("type") == "error"))
                ws.send_json({"type": "frame"})
                assert until(ws, lambda m: m.get("type") == "frame")["playing"] is False
            assert {m["field"] for m in refused} == {"paused"}
            assert "your teacher paused the class" in refused[0]["message"]
            trained = http.post(f"/api/sessions/{sessions[0]}/train", json={"epochs": 1})
            assert trained.status_code == 409
            assert trained.json()["detail"].startswith("paused: your teacher paused the class")
            standing = http.get(f"/api/sessions/{sessions[1]}/standing").json()
            assert standing["paused"] is True

            assert set_rules(http, room, paused=False)["paused"] is False
            for ws in streams:
                ws.send_json({"type": "play"})
                until(ws, playing(True))
            assert http.post(f"/api/sessions/{sessions[0]}/train", json={"epochs": 1}).is_success
        finally:
            for ws in streams:
                ws.close()


def test_locked_controls_are_refused_by_name_for_everyone_and_outlive_a_restart(
    server: ServerProcess,
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        room = new_room(http)
        early = join(http, room["code"], "민준")
        told = set_rules(http, room, locked=["learning_rate", "dataset"])
        assert told["locked"] == ["dataset", "learning_rate"]  # in the controls' own order
        late = join(http, room["code"], "Sara")

        for session_id in (early, late):
            locked = http.patch(f"/api/sessions/{session_id}", json={"learning_rate": 0.3})
            assert locked.status_code == 403, locked.text
            assert locked.json()["detail"].startswith(
                "learning_rate: your teacher locked learning_rate for this class"
            )
            assert "expected it to stay 0.03, got 0.3" in locked.json()["detail"]
            dataset = http.patch(f"/api/sessions/{session_id}", json={"dataset": "spiral"})
            assert dataset.status_code == 403 and dataset.json()["detail"].startswith("dataset:")
            same = http.patch(f"/api/sessions/{session_id}", json={"learning_rate": 0.03})
            assert same.status_code == 200, same.text  # a value unchanged changes nothing
            free = http.patch(f"/api/sessions/{session_id}", json={"batch_size": 5})
            assert free.status_code == 200 and free.json()["config"]["batch_size"] == 5
        lesson = http.patch(f"/api/sessions/{early}", json={"lesson": "activations"})
        assert lesson.status_code == 403, lesson.text  # the lesson would change the dataset

        with stream(server.base_url, late) as ws:
            ws.send_json({"type": "update", "config": {"learning_rate": 0.1}})
            error = until(ws, lambda m: m.get("type") == "error")
            assert error["field"] == "config.learning_rate"
            assert "your teacher locked learning_rate" in error["message"]

        # The teacher's own preset is not held to the locks.
        pushed = http.put(f"/api/rooms/{room['code']}/preset",
                          json={"config": {**SMALL, "learning_rate": 0.1}},
                          headers=bearer(room["teacher_key"]))  # fmt: skip
        assert pushed.status_code == 200 and pushed.json()["changed"] == 2

    server.stop()
    server.start()

    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        shown = http.get(f"/api/rooms/{room['code']}", headers=bearer(room["teacher_key"])).json()
        assert (shown["paused"], shown["locked"]) == (False, ["dataset", "learning_rate"])
        standing = http.get(f"/api/sessions/{early}/standing").json()
        assert standing["locked"] == ["dataset", "learning_rate"]
        for session_id in (early, late):
            again = http.patch(f"/api/sessions/{session_id}", json={"learning_rate": 0.3})
            assert again.status_code == 403, again.text
        newcomer = join(http, room["code"], "陈")
        assert http.patch(f"/api/sessions/{newcomer}", json={"dataset": "gaussian"}).status_code \
            == 403  # fmt: skip

        assert set_rules(http, room, locked=[])["locked"] == []
        freed = http.patch(f"/api/sessions/{early}", json={"learning_rate": 0.3})
        assert freed.status_code == 200, freed.text


def test_rules_are_the_teachers_and_say_what_was_expected(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        room = new_room(http)
        path = f"/api/rooms/{room['code']}/rules"
        assert http.patch(path, json={"paused": True}).status_code == 401
        assert http.patch(path, json={"paused": True}, headers=bearer("nope")).status_code == 403
        key = bearer(room["teacher_key"])
        cases = [
            ({}, ["body"], "expected 'paused', 'locked' or both, got neither"),
            ({"locked": ["weights"]}, ["body", "locked", 0], "Input should be"),
            ({"locked": ["noise", "noise"]}, ["body", "locked"], "expected each control once"),
            ({"paused": "yes"}, ["body", "paused"], "valid boolean"),
            ({"paused": True, "colour": 1}, ["body", "colour"], "Extra inputs"),
        ]
        for body, loc, words in cases:
            refused = http.patch(path, json=body, headers=key)
            assert refused.status_code == 422, (body, refused.text)
            detail = refused.json()["detail"][0]
            assert detail["loc"] == loc, (body, detail)
            assert words in detail["msg"], (body, detail)


def test_every_lockable_control_names_fields_of_the_configuration() -> None:
    from app.services.configs import CONFIG_FIELDS

    assert tuple(LOCKABLE) == CONTROLS
    for fields in LOCKABLE.values():
        assert fields and set(fields) <= set(CONFIG_FIELDS)
