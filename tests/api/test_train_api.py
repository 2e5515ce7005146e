"""POST /api/train: one call, no session kept."""

from __future__ import annotations

from pathlib import Path

from app_state import sessions_stored
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def test_stateless_training_returns_history_state_and_model(client: TestClient) -> None:
    config = {"dataset": "gaussian", "n_samples": 100, "hidden_layers": [3]}
    response = client.post("/api/train", json={"config": config, "epochs": 6})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"config", "state", "history", "model", "truncated"}
    assert body["truncated"] is False
    assert [record["epoch"] for record in body["history"]] == [1, 2, 3, 4, 5, 6]
    assert body["state"]["epoch"] == 6
    assert body["history"][-1]["train_loss"] == body["state"]["train_loss"]
    assert body["history"][-1]["train_loss"] < body["history"][0]["train_loss"]
    assert body["config"]["dataset"] == "gaussian"
    assert body["model"]["format"] == "nn-playground.model/1"
    assert body["model"]["layer_sizes"] == [2, 3, 1]
    assert sessions_stored(client) == 0


def test_stateless_model_loads_into_a_session_and_predicts_the_same(client: TestClient) -> None:
    body = client.post("/api/train", json={"config": {"dataset": "moons"}, "epochs": 2}).json()
    session_id = client.post("/api/sessions").json()["id"]
    assert client.put(f"/api/sessions/{session_id}/model", json=body["model"]).status_code == 200
    state = client.get(f"/api/sessions/{session_id}").json()["state"]
    assert state["train_loss"] == body["state"]["train_loss"]


def test_stateless_training_is_deterministic(client: TestClient) -> None:
    request = {"config": {"dataset": "spiral", "seed": 4}, "epochs": 3}
    first = client.post("/api/train", json=request).json()
    assert client.post("/api/train", json=request).json() == first


def test_stateless_training_defaults_and_errors(client: TestClient) -> None:
    body = client.post("/api/train", json={"epochs": 1}).json()
    assert body["config"]["hidden_layers"] == [4, 2]
    response = client.post("/api/train", json={"config": {"hidden_layers": [64]}, "epochs": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "config", "hidden_layers", 0]
    response = client.post("/api/train", json={"config": {"dataset": "custom"}, "epochs": 1})
    assert response.json()["detail"][0]["loc"] == ["body", "config", "points"]
    response = client.post("/api/train", json={"config": {}})
    assert response.json()["detail"][0]["loc"] == ["body", "epochs"]


def test_a_diverging_run_stops_early_and_its_model_still_loads(client: TestClient) -> None:
    config = {"dataset": "plane", "learning_rate": 10, "activation": "relu",
              "hidden_layers": [8, 8, 8], "batch_size": 1}  # fmt: skip
    response = client.post("/api/train", json={"config": config, "epochs": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["state"]["status"] == "diverged"
    assert body["state"]["train_loss"] is None
    *trained, last = body["history"]
    assert len(trained) < 4
    assert [record["epoch"] for record in body["history"]] == list(range(1, len(trained) + 2))
    assert all(record["status"] == "ready" and record["train_loss"] is not None
               for record in trained)  # fmt: skip
    assert last["status"] == "diverged" and last["train_loss"] is None
    assert last["test_loss"] is None and last["train_accuracy"] is None
    session_id = client.post("/api/sessions", json=config).json()["id"]
    assert client.put(f"/api/sessions/{session_id}/model", json=body["model"]).status_code == 200
    grid = client.get(f"/api/sessions/{session_id}/boundary", params={"resolution": 4})
    assert grid.status_code == 200


def test_a_run_diverging_in_its_first_epoch_has_that_epoch_in_its_history(
    client: TestClient,
) -> None:
    config = {"dataset": "plane", "learning_rate": 10, "activation": "relu",
              "hidden_layers": [8, 8, 8], "batch_size": 1}  # fmt: skip
    body = client.post("/api/train", json={"config": config, "epochs": 3}).json()
    assert body["state"]["epoch"] == 0 and body["state"]["status"] == "diverged"
    assert body["history"] == [
        {"epoch": 1, "status": "diverged", "train_loss": None, "test_loss": None,
         "train_accuracy": None, "test_accuracy": None}
    ]  # fmt: skip


def test_one_shot_training_is_bounded_in_wall_time_and_says_so(tmp_path: Path) -> None:
    # 400 epochs of 500 points at batch size 1 cannot end within a millisecond anywhere.
    settings = Settings(max_call_seconds=0.001, data_dir=tmp_path / "data")
    with TestClient(create_app(settings)) as client:
        body = {"config": {"n_samples": 500, "batch_size": 1}, "epochs": 400}
        response = client.post("/api/train", json=body)
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["truncated"] is True
        assert 1 <= len(result["history"]) < 400
        assert result["state"]["epoch"] == len(result["history"])
        small = client.post("/api/train", json={"config": {"n_samples": 20}, "epochs": 1}).json()
        assert small["truncated"] is False and len(small["history"]) == 1
