"""Rooms through the API: a class's lifecycle, what each refusal says, and a restart.

In process (``TestClient(create_app(settings))``, tests/api/conftest.py) for the lifecycle
and the refusals; a real server process, stopped and started again on its data directory,
for what outlives it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from server_process import ServerProcess, server_command

from app.config import Settings

NAMES = ("민준", "Sara", "陈")
SMALL = {"dataset": "xor", "n_samples": 40, "hidden_layers": [3]}


@pytest.fixture
def settings() -> Settings:
    return Settings(max_sessions=50, max_students_per_room=4, room_burst=3)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_room(client: Any, title: str = "Lab 3") -> dict[str, Any]:
    response = client.post("/api/rooms", json={"title": title})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def join(client: Any, code: str, name: str) -> dict[str, Any]:
    response = client.post(f"/api/rooms/{code}/students", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def board(client: Any, room: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/rooms/{room['code']}", headers=bearer(room["teacher_key"]))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_class_from_creation_to_a_late_joiner(client: TestClient) -> None:
    room = new_room(client)
    code = room["code"]
    assert set(room) == {"code", "title", "teacher_key", "join_url", "board_url"}
    assert (room["join_url"], room["board_url"]) == (f"/r/{code}", f"/board/{code}")
    students = [join(client, code, name) for name in NAMES]
    assert [s["name"] for s in students] == list(NAMES)
    assert {s["code"] for s in students} == {code}

    taken = client.post(f"/api/rooms/{code}/students", json={"name": "SARA"})
    assert taken.status_code == 409
    assert "'SARA' is already taken" in taken.json()["detail"]

    unauthorised = client.get(f"/api/rooms/{code}")
    assert unauthorised.status_code == 401
    assert unauthorised.headers["www-authenticate"] == "Bearer"
    assert unauthorised.json()["detail"] == (
        "Authorization: expected 'Bearer <teacher_key>', got no such header"
    )
    wrong = client.get(f"/api/rooms/{code}", headers=bearer("not-the-key"))
    assert wrong.status_code == 403

    shown = board(client, room)
    assert (shown["code"], shown["title"]) == (code, "Lab 3")
    assert [s["name"] for s in shown["students"]] == list(NAMES)
    assert [s["student_id"] for s in shown["students"]] == [s["student_id"] for s in students]
    text = json.dumps(shown)
    assert not any(s["session_id"] in text for s in students) and room["teacher_key"] not in text

    trained = client.post(f"/api/sessions/{students[1]['session_id']}/train", json={"epochs": 3})
    assert trained.status_code == 200, trained.text
    epochs = [s["state"]["epoch"] for s in board(client, room)["students"]]
    assert epochs == [0, 3, 0]

    pushed = client.put(
        f"/api/rooms/{code}/preset", json={"lesson": "xor"}, headers=bearer(room["teacher_key"])
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json() == {
        "preset": {"config": {}, "lesson": "xor", "challenge": None},
        "students": 3, "changed": 3, "not_reached": [],
    }  # fmt: skip
    late = join(client, code.lower(), "Zoë")  # a code typed in small letters
    for student in [*students, late]:
        session = client.get(f"/api/sessions/{student['session_id']}").json()
        assert session["lesson"]["id"] == "xor", student["name"]
        assert session["config"]["dataset"] == "xor_gate"
        assert session["state"]["epoch"] == 0
    lessons = [s["lesson"]["id"] for s in board(client, room)["students"]]
    assert lessons == ["xor"] * 4
    assert board(client, room)["preset"] == {"config": {}, "lesson": "xor", "challenge": None}


def test_a_config_preset_replaces_the_lesson_for_everyone(client: TestClient) -> None:
    room = new_room(client)
    client.put(f"/api/rooms/{room['code']}/preset", json={"lesson": "xor"},
               headers=bearer(room["teacher_key"]))  # fmt: skip
    student = join(client, room["code"], "Sara")
    pushed = client.put(
        f"/api/rooms/{room['code']}/preset",
        json={"config": SMALL},
        headers=bearer(room["teacher_key"]),
    )
    assert pushed.status_code == 200 and pushed.json()["changed"] == 1
    session = client.get(f"/api/sessions/{student['session_id']}").json()
    assert session["lesson"] is None
    assert {name: session["config"][name] for name in SMALL} == SMALL


def loc(response: Any) -> list[Any]:
    assert response.status_code == 422, response.text
    return [item["loc"] for item in response.json()["detail"]]


def test_bad_input_is_a_422_naming_the_field(client: TestClient) -> None:
    room = new_room(client)
    code, key = room["code"], room["teacher_key"]
    students = f"/api/rooms/{code}/students"
    assert loc(client.post("/api/rooms/ABC1EF/students", json={"name": "x"})) == [["path", "code"]]
    assert loc(client.get("/api/rooms/ABCDEFG", headers=bearer(key))) == [["path", "code"]]
    assert loc(client.post(students, json={"name": "Sa\x00ra"})) == [["body", "name"]]
    assert loc(client.post(students, json={"name": "   "})) == [["body", "name"]]
    too_long = client.post(students, json={"name": "가" * 41})
    assert loc(too_long) == [["body", "name"]]
    assert "at most 40 characters, got 41" in too_long.json()["detail"][0]["msg"]
    assert loc(client.post(students, json={"name": "Sara", "admin": True})) == [["body", "admin"]]
    assert loc(client.post("/api/rooms", json={"title": "x" * 81})) == [["body", "title"]]
    preset = f"/api/rooms/{code}/preset"
    assert loc(client.put(preset, json={"config": {"hidden_layers": [33]}}, headers=bearer(key))) \
        == [["body", "config", "hidden_layers", 0]]  # fmt: skip
    assert loc(client.put(preset, json={"lesson": "nope"}, headers=bearer(key))) == [
        ["body", "lesson"]
    ]
    assert loc(client.put(preset, json={"config": {"noise": 2}}, headers=bearer(key))) == [
        ["body", "config", "noise"]
    ]
    assert board(client, room)["preset"] == {"config": {}, "lesson": None, "challenge": None}


def test_an_unknown_room_is_a_404_wherever_it_is_asked_for(client: TestClient) -> None:
    key = new_room(client)["teacher_key"]
    for response in (
        client.post("/api/rooms/ZZZ999/students", json={"name": "Sara"}),
        client.get("/api/rooms/ZZZ999", headers=bearer(key)),
        client.put("/api/rooms/ZZZ999/preset", json={}, headers=bearer(key)),
    ):
        assert response.status_code == 404
        assert response.json()["detail"].startswith("room 'ZZZ999' not found")


def test_who_asks_and_which_room_are_judged_before_the_body(client: TestClient) -> None:
    room = new_room(client)
    bad = {"name": "", "lesson": 7}
    assert client.post("/api/rooms/ZZZ999/students", json=bad).status_code == 404
    preset = f"/api/rooms/{room['code']}/preset"
    assert client.put(preset, json=bad).status_code == 401
    assert client.put(preset, json=bad, headers=bearer("wrong")).status_code == 403
    assert client.put("/api/rooms/ZZZ999/preset", json=bad, headers=bearer("x")).status_code == 404
    refused = loc(client.put(preset, json=bad, headers=bearer(room["teacher_key"])))
    assert sorted(refused) == [["body", "lesson"], ["body", "name"]]


def test_another_rooms_key_opens_nothing(client: TestClient) -> None:
    first, second = new_room(client), new_room(client)
    url = f"/api/rooms/{first['code']}"
    assert client.get(url, headers=bearer(second["teacher_key"])).status_code == 403
    put = client.put(f"{url}/preset", json={"lesson": "xor"}, headers=bearer(second["teacher_key"]))
    assert put.status_code == 403
    assert client.put(f"{url}/preset", json={"lesson": "xor"}).status_code == 401
    basic = client.get(url, headers={"Authorization": f"Basic {first['teacher_key']}"})
    assert basic.status_code == 401 and basic.headers["www-authenticate"] == "Bearer"
    assert basic.json()["detail"].endswith("got 'Basic' credentials")


def test_a_full_room_says_so(client: TestClient) -> None:
    code = new_room(client)["code"]
    for index in range(4):
        join(client, code, f"student {index}")
    full = client.post(f"/api/rooms/{code}/students", json={"name": "one more"})
    assert full.status_code == 409
    detail = full.json()["detail"]
    assert "is full" in detail and "(4, max_students_per_room)" in detail


def test_room_creation_has_a_limit_of_its_own(client: TestClient) -> None:
    for _ in range(3):
        new_room(client)
    refused = client.post("/api/rooms")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "too many rooms created" in refused.json()["detail"]
    assert client.post("/api/sessions").status_code == 201  # sessions have their own


def test_the_document_shows_the_teacher_key_as_bearer_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["TeacherKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path in (("get", "/api/rooms/{code}"), ("put", "/api/rooms/{code}/preset")):
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"TeacherKey": []}]
        assert {"401", "403", "404", "422"} <= set(operation["responses"])
    join_op = spec["paths"]["/api/rooms/{code}/students"]["post"]
    assert {"201", "404", "409", "422", "429"} <= set(join_op["responses"])
    assert "security" not in join_op


# ---------------------------------------------------------------------- a real server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    command = lambda port: server_command(port, "--workers", "1")  # noqa: E731
    with ServerProcess(command, tmp_path / "server.log", data_dir=tmp_path / "data") as running:
        yield running


def test_a_room_and_its_students_outlive_a_restart(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        room = new_room(http, "오늘의 실험")
        students = [join(http, room["code"], name) for name in NAMES[:2]]
        pushed = http.put(f"/api/rooms/{room['code']}/preset", json={"config": SMALL},
                          headers=bearer(room["teacher_key"]))  # fmt: skip
        assert pushed.status_code == 200 and pushed.json()["changed"] == 2
        trained = http.post(f"/api/sessions/{students[0]['session_id']}/train", json={"epochs": 2})
        assert trained.status_code == 200, trained.text
        before = board(http, room)

    server.stop()
    server.start()

    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        after = board(http, room)
        assert after == before
        assert after["title"] == "오늘의 실험"
        assert [s["state"]["epoch"] for s in after["students"]] == [2, 0]
        assert http.post(f"/api/rooms/{room['code']}/students", json={"name": "sara"}).status_code \
            == 409  # fmt: skip
        late = join(http, room["code"], NAMES[2])
        config = http.get(f"/api/sessions/{late['session_id']}").json()["config"]
        assert {name: config[name] for name in SMALL} == SMALL
