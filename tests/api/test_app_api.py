"""The app around the routes: health, datasets, OpenAPI, page, static files, settings, CLI."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_state import sessions_in_memory, sessions_stored
from fastapi.testclient import TestClient

from app.cli import build_parser, parse_settings
from app.config import Settings, app_version
from app.config import get_settings as environment_settings
from app.engine import DATASETS
from app.main import create_app


def test_health(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": app_version()}


def test_datasets_lists_the_engine_registry(client: TestClient) -> None:
    datasets = client.get("/api/datasets").json()
    assert [d["name"] for d in datasets] == list(DATASETS)
    by_name = {d["name"]: d for d in datasets}
    assert by_name["circles"] == {
        "name": "circles",
        "problem": "classification",
        "classes": 2,
        "description": DATASETS["circles"].description,
    }
    assert by_name["spiral3"]["classes"] == 3
    assert by_name["blobs"]["classes"] is None
    assert by_name["plane"]["problem"] == "regression"


def test_openapi_documents_every_route_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/health", "get"),
        ("/api/datasets", "get"),
        ("/api/sessions", "post"),
        ("/api/sessions/{session_id}", "patch"),
        ("/api/sessions/{session_id}", "delete"),
        ("/api/sessions/{session_id}/train", "post"),
        ("/api/sessions/{session_id}/reset", "post"),
        ("/api/sessions/{session_id}/data", "get"),
        ("/api/sessions/{session_id}/boundary", "get"),
        ("/api/sessions/{session_id}/predict", "post"),
        ("/api/sessions/{session_id}/model", "put"),
        ("/api/train", "post"),
    ]:
        assert method in paths[path], (path, method)
    components = schema["components"]["schemas"]
    assert components["SessionConfig"]["examples"]
    assert components["SessionConfig"]["additionalProperties"] is False
    learning_rate = components["SessionConfig"]["properties"]["learning_rate"]
    assert learning_rate["exclusiveMinimum"] == 0 and learning_rate["maximum"] == 10  # the setting
    assert "max_learning_rate" in learning_rate["description"]
    assert client.get("/docs").status_code == 200


def test_page_and_static_files_come_from_the_web_root(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "static").mkdir()
    (tmp_path / "templates" / "index.html").write_text(
        "<p>v{{ version }} fps {{ meta.stream.fps.max }}</p>"
    )
    (tmp_path / "static" / "app.js").write_text("export const answer = 42;")
    with TestClient(create_app(Settings(web_root=tmp_path, max_fps=50))) as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.text == f"<p>v{app_version()} fps 50</p>"
        assert page.headers["content-type"].startswith("text/html")
        script = client.get("/static/app.js")
        assert script.status_code == 200 and "answer = 42" in script.text
        assert client.get("/static/missing.js").status_code == 404


def test_a_missing_page_template_is_404_not_500(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(web_root=tmp_path))) as client:
        response = client.get("/")
        assert response.status_code == 404
        assert "index.html" in response.json()["detail"]


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNP_MAX_SESSIONS", "1")
    monkeypatch.setenv("NNP_MAX_NEURONS", "6")
    environment_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            response = client.post("/api/sessions", json={"hidden_layers": [7]})
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["body", "hidden_layers", 0]
            assert client.post("/api/sessions", json={"hidden_layers": [6]}).status_code == 201
            assert client.post("/api/sessions").status_code == 503
    finally:
        environment_settings.cache_clear()


def test_settings_reject_inconsistent_limits() -> None:
    with pytest.raises(ValueError, match="default_fps"):
        Settings(max_fps=20, default_fps=30)


def test_cli_flags_override_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNP_MAX_SESSIONS", "7")
    settings = parse_settings(["--port", "8123", "--max-neurons", "16", "--host", "127.0.0.1"])
    assert (settings.port, settings.max_neurons, settings.max_sessions) == (8123, 16, 7)
    flags = build_parser().format_help()
    for flag in ("--host", "--port", "--log-level", "--max-sessions", "--max-resolution"):
        assert flag in flags
    with pytest.raises(SystemExit):
        parse_settings(["--port", "not-a-port"])


def test_idle_sessions_leave_memory_for_the_store_and_come_back() -> None:
    settings = Settings(session_idle_seconds=0.05, expiry_interval_seconds=0.02)
    with TestClient(create_app(settings)) as client:
        created = client.post("/api/sessions", json={"n_samples": 20}).json()
        trained = client.post(f"/api/sessions/{created['id']}/train", json={"epochs": 3}).json()
        deadline = time.monotonic() + 5
        while sessions_in_memory(client) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sessions_in_memory(client) == 0
        assert sessions_stored(client) == 1
        back = client.get(f"/api/sessions/{created['id']}")
        assert back.status_code == 200
        assert back.json()["state"] == trained["state"]
        assert sessions_in_memory(client) == 1
