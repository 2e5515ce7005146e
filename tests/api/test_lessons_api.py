"""Lessons over REST and the stream: the catalogue, starting, leaving and restarting one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stream_helpers import connect, receive, receive_frame, request_frame, send

from app.config import Settings
from app.lessons import LessonFileError
from app.main import create_app

PERCEPTRON_STEPS = ["and", "or", "xor_fails"]


def progress(body: dict[str, Any]) -> dict[str, bool]:
    lesson = body["lesson"]
    return {step["id"]: step["passed"] for step in lesson["steps"]}


def test_the_catalogue_in_order(client: TestClient) -> None:
    lessons = client.get("/api/lessons").json()
    assert [lesson["id"] for lesson in lessons][:3] == ["activations", "layers", "perceptron"]
    perceptron = lessons[2]
    assert set(perceptron) == {"id", "title", "summary", "steps"}
    assert perceptron["title"] == {"en": "The perceptron", "ko": "퍼셉트론"}
    assert [step["id"] for step in perceptron["steps"]] == PERCEPTRON_STEPS
    assert set(perceptron["steps"][0]) == {"id", "instruction"}


def test_one_lesson_whole(client: TestClient) -> None:
    lesson = client.get("/api/lessons/perceptron").json()
    assert lesson["preset"]["dataset"] == "and"
    step = lesson["steps"][2]
    assert step["id"] == "xor_fails"
    assert set(step) == {"id", "instruction", "hint", "explanation", "check"}
    assert {"state": "epoch", "gte": 100} in step["check"]
    missing = client.get("/api/lessons/nope")
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("lesson 'nope' not found; the lessons are ")


def test_a_session_starts_from_the_preset_and_follows_the_steps(client: TestClient) -> None:
    created = client.post("/api/sessions", json={"lesson": "perceptron", "learning_rate": 0.2})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["config"]["dataset"] == "and" and body["config"]["hidden_layers"] == []
    assert body["config"]["learning_rate"] == 0.2  # the field given overrides the preset
    assert body["lesson"]["id"] == "perceptron"
    assert progress(body) == dict.fromkeys(PERCEPTRON_STEPS, False)
    session = f"/api/sessions/{body['id']}"
    trained = client.post(f"{session}/train", json={"epochs": 20}).json()
    assert progress(trained) == {"and": True, "or": False, "xor_fails": False}
    changed = client.patch(session, json={"dataset": "xor_gate"}).json()
    assert progress(changed)["and"]  # a passed step stays passed
    assert progress(client.get(session).json())["and"]
    restarted = client.post(f"{session}/lesson/restart").json()
    assert progress(restarted) == dict.fromkeys(PERCEPTRON_STEPS, False)
    assert restarted["config"]["dataset"] == "and" and restarted["state"]["epoch"] == 0


def test_choosing_and_leaving_a_lesson(client: TestClient) -> None:
    session = f"/api/sessions/{client.post('/api/sessions').json()['id']}"
    assert client.get(session).json()["lesson"] is None
    chosen = client.patch(session, json={"lesson": "xor", "hidden_layers": [4]}).json()
    assert chosen["lesson"]["id"] == "xor" and chosen["rebuilt"] is True
    assert chosen["config"]["dataset"] == "xor_gate" and chosen["config"]["hidden_layers"] == [4]
    trained = client.post(f"{session}/train", json={"epochs": 20}).json()
    assert progress(trained)["hidden_layer"]
    again = client.patch(session, json={"lesson": "xor"}).json()
    assert not any(progress(again).values())  # chosen again: every step unpassed
    left = client.patch(session, json={"lesson": None, "learning_rate": 0.5}).json()
    assert left["lesson"] is None and left["config"]["learning_rate"] == 0.5
    assert left["config"]["dataset"] == "xor_gate"  # leaving keeps the configuration


@pytest.mark.parametrize(
    ("method", "path", "body", "loc"),
    [
        ("post", "/api/sessions", {"lesson": "nope"}, ["body", "lesson"]),
        ("post", "/api/sessions", {"lesson": "Perceptron"}, ["body", "lesson"]),
        ("post", "/api/sessions", {"lesson": 3}, ["body", "lesson"]),
        ("post", "/api/sessions", {"lesson": "xor", "hidden_layers": [99]}, None),
        ("patch", "SESSION", {"lesson": "nope"}, ["body", "lesson"]),
        ("patch", "SESSION", {"lesson": "xor", "batch_size": 0}, ["body", "batch_size"]),
    ],
)
def test_bad_lesson_input_is_a_422_naming_the_field(
    client: TestClient, method: str, path: str, body: dict[str, Any], loc: list[Any] | None
) -> None:
    session = client.post("/api/sessions", json={"lesson": "layers"}).json()
    url = f"/api/sessions/{session['id']}" if path == "SESSION" else path
    response = getattr(client, method)(url, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    if loc is not None:
        assert detail["loc"] == loc
    if body.get("lesson") == "nope":
        assert detail["msg"].startswith("expected one of activations, layers, perceptron")
    after = client.get(f"/api/sessions/{session['id']}").json()
    assert after["lesson"]["id"] == "layers"  # nothing changed


def test_restart_outside_a_lesson_is_a_409(client: TestClient) -> None:
    session = client.post("/api/sessions").json()
    response = client.post(f"/api/sessions/{session['id']}/lesson/restart")
    assert response.status_code == 409
    assert "follows no lesson" in response.json()["detail"]
    assert client.post("/api/sessions/nope/lesson/restart").status_code == 404


def test_frames_carry_the_progress_when_it_changes(client: TestClient) -> None:
    session = client.post("/api/sessions", json={"lesson": "perceptron"}).json()
    with connect(client, session["id"]) as ws:
        hello = receive(ws)
        assert hello["lesson"] == {"id": "perceptron", "steps": session["lesson"]["steps"]}
        header, _ = request_frame(ws)
        assert "lesson" not in header  # unchanged since the hello
        for _ in range(20):
            send(ws, {"type": "step", "unit": "epoch"})
            header, _ = receive_frame(ws)
            if "lesson" in header:
                break
        assert header["lesson"]["steps"][0] == {"id": "and", "passed": True}
        header, _ = request_frame(ws)
        assert "lesson" not in header
        client.patch(f"/api/sessions/{session['id']}", json={"lesson": None})
        header, _ = request_frame(ws)
        assert header["lesson"] is None


def test_a_teachers_folder_and_a_bad_file(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "app" / "lessons" / "builtin" / "xor.toml"
    (tmp_path / "gates.toml").write_text(source.read_text().replace("order = 40", "order = 1"))
    with TestClient(create_app(Settings(lessons_dir=tmp_path))) as client:
        assert client.get("/api/lessons").json()[0]["id"] == "gates"
        assert client.post("/api/sessions", json={"lesson": "gates"}).status_code == 201
    (tmp_path / "broken.toml").write_text(source.read_text().replace('eq = "xor_gate"', "eq = 1"))
    with pytest.raises(LessonFileError, match=r"broken.toml: steps\[0\].check\[0\].eq: expected"):
        create_app(Settings(lessons_dir=tmp_path))
