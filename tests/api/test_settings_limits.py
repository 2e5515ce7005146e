"""Limits come from Settings (within the schemas' absolute caps); settings errors name flags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import schemas
from app.cli import parse_settings
from app.config import Settings
from app.main import create_app
from app.services.session import Session


@pytest.fixture
def strict_client() -> Iterator[TestClient]:
    """A server with tighter limits than the defaults."""
    settings = Settings(max_learning_rate=1.0, max_regularization_rate=0.5, max_resolution=64)
    with TestClient(create_app(settings)) as client:
        yield client


def error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    item: dict[str, Any] = response.json()["detail"][0]
    return item


@pytest.mark.parametrize(
    ("setting", "cap"),
    [
        ("max_hidden_layers", schemas.MAX_LAYERS),
        ("max_neurons", schemas.MAX_NEURONS),
        ("max_samples", schemas.MAX_SAMPLES),
        ("max_learning_rate", schemas.MAX_LEARNING_RATE),
        ("max_regularization_rate", schemas.MAX_REGULARIZATION_RATE),
        ("max_resolution", schemas.MAX_RESOLUTION),
        ("max_epochs_per_call", schemas.MAX_EPOCHS),
        ("max_iterations_per_call", schemas.MAX_ITERATIONS),
    ],
)
def test_a_setting_can_go_no_further_than_the_schemas_cap(setting: str, cap: float) -> None:
    Settings(**{setting: cap})
    with pytest.raises(ValueError, match=setting):
        Settings(**{setting: cap * 2})


def test_learning_and_regularization_rates_are_bounded_by_settings(
    strict_client: TestClient, tmp_path: Path
) -> None:
    item = error(strict_client.post("/api/sessions", json={"learning_rate": 2.0}))
    assert item["loc"] == ["body", "learning_rate"]
    assert item["msg"] == "expected a number in (0, 1], got 2.0"
    item = error(strict_client.post("/api/sessions", json={"regularization_rate": 0.6}))
    assert item["loc"] == ["body", "regularization_rate"]
    session_id = strict_client.post("/api/sessions", json={"learning_rate": 1.0}).json()["id"]
    item = error(strict_client.patch(f"/api/sessions/{session_id}", json={"learning_rate": 3}))
    assert item["loc"] == ["body", "learning_rate"]
    body = {"config": {"learning_rate": 1.5}, "epochs": 1}
    assert error(strict_client.post("/api/train", json=body))["loc"] == [
        "body", "config", "learning_rate"
    ]  # fmt: skip
    # The defaults allow what they always did; the schema's cap stays the outer bound.
    with TestClient(create_app(Settings(data_dir=tmp_path / "defaults"))) as client:
        assert client.post("/api/sessions", json={"learning_rate": 10}).status_code == 201
        assert error(client.post("/api/sessions", json={"learning_rate": 10.5}))["msg"] == (
            "expected a number in (0, 10], got 10.5"
        )
        assert error(client.post("/api/sessions", json={"learning_rate": 101}))["loc"] == [
            "body", "learning_rate"
        ]  # fmt: skip


def test_boundary_resolution_error_agrees_with_the_query_bounds(
    strict_client: TestClient,
) -> None:
    url = f"/api/sessions/{strict_client.post('/api/sessions').json()['id']}/boundary"
    item = error(strict_client.get(url, params={"resolution": 65}))
    assert item["loc"] == ["query", "resolution"]
    assert item["msg"] == "expected an integer in [2, 64], got 65"
    assert strict_client.get(url, params={"resolution": 2}).json()["resolution"] == 2
    assert error(strict_client.get(url, params={"resolution": 1}))["loc"] == ["query", "resolution"]
    spec = strict_client.get("/openapi.json").json()
    parameters = spec["paths"]["/api/sessions/{session_id}/boundary"]["get"]["parameters"]
    (resolution,) = [p for p in parameters if p["name"] == "resolution"]
    assert resolution["schema"]["minimum"] == 2  # the same lower bound as the message


def test_edited_parameters_are_bounded_by_a_setting() -> None:
    session = Session.create({"n_samples": 20}, Settings(max_edited_parameter=5.0))
    session.trainer.set_weight(0, 0, 0, 5.0)
    with pytest.raises(ValueError, match=r"^value: expected a number in \[-5, 5\], got 6"):
        session.trainer.set_weight(0, 0, 0, 6.0)
    with pytest.raises(ValueError, match=r"^value: expected a number in \[-5, 5\]"):
        session.trainer.set_bias(0, 0, -5.5)


def test_stream_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.max_speed, defaults.max_edited_parameter) == (1000, 1000.0)
    assert (defaults.max_streams, defaults.max_streams_per_session) == (256, 4)
    monkeypatch.setenv("NNP_MAX_STREAMS", "3")
    monkeypatch.setenv("NNP_MAX_STREAMS_PER_SESSION", "1")
    monkeypatch.setenv("NNP_MAX_SPEED", "50")
    settings = Settings()
    assert (settings.max_streams, settings.max_streams_per_session, settings.max_speed) == (
        3,
        1,
        50,
    )


def test_max_fps_alone_lowers_the_default_fps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNP_MAX_FPS", "10")
    assert (Settings().max_fps, Settings().default_fps) == (10, 10)
    assert parse_settings([]).default_fps == 10
    assert parse_settings(["--max-fps", "45"]).default_fps == 30
    assert parse_settings(["--max-fps", "45", "--default-fps", "40"]).default_fps == 40


def test_settings_errors_name_the_flags(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_settings(["--max-fps", "10", "--default-fps", "20"])
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.endswith("error: --default-fps: expected at most --max-fps (10), got 20")
    with pytest.raises(SystemExit):
        parse_settings(["--max-work-per-call", "0"])
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--max-work-per-call: Input should be greater than or equal to 1" in message
    assert "Value error" not in message and "--:" not in message
