"""POST /api/sweeps: one configuration at several learning rates, nothing kept."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from app_state import sessions_stored
from fastapi.testclient import TestClient

from app.config import Settings
from app.engine import Trainer
from app.main import create_app
from app.schemas.sweeps import MAX_SWEEP_RATES
from app.services.configs import default_config, dict_to_config

DIVERGING = {"dataset": "plane", "activation": "relu", "hidden_layers": [8, 8, 8],
             "batch_size": 1, "n_samples": 100}  # fmt: skip


def sweep(client: TestClient, **body: Any) -> Any:
    return client.post("/api/sweeps", json=body)


def numbers(node: Any) -> list[float]:
    if isinstance(node, dict):
        return [n for value in node.values() for n in numbers(value)]
    if isinstance(node, list):
        return [n for value in node for n in numbers(value)]
    return [node] if isinstance(node, int | float) and not isinstance(node, bool) else []


def test_each_rate_gets_its_curves_and_status_in_the_order_given(client: TestClient) -> None:
    rates = [10, 1e-4, 0.03]
    response = sweep(client, config={"activation": "tanh"}, learning_rates=rates, epochs=40)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [result["learning_rate"] for result in results] == rates
    large, slow, moderate = results
    assert slow["status"] == moderate["status"] == "ready"
    assert large["status"] in {"unstable", "diverged"}
    assert len(slow["train_loss"]) == len(moderate["test_loss"]) == 40
    assert moderate["train_loss"][-1] < slow["train_loss"][-1]
    assert slow["diverged_at"] is None
    assert sessions_stored(client) == 0


def test_a_rate_answers_what_a_session_trained_at_it_does(client: TestClient) -> None:
    config = {"dataset": "xor", "hidden_layers": [5], "optimizer": "adam", "seed": 3}
    body = sweep(client, config=config, learning_rates=[0.01, 0.1], epochs=5).json()
    for result in body["results"]:
        created = client.post(
            "/api/sessions", json={**config, "learning_rate": result["learning_rate"]}
        ).json()
        url = f"/api/sessions/{created['id']}/train"
        losses = [client.post(url, json={"epochs": 1}).json()["state"] for _ in range(5)]
        assert result["train_loss"] == [state["train_loss"] for state in losses]
        assert result["test_loss"] == [state["test_loss"] for state in losses]
        assert result["status"] == losses[-1]["status"]


def test_a_diverged_rate_stops_its_curve_and_nothing_is_nan(client: TestClient) -> None:
    response = sweep(client, config=DIVERGING, learning_rates=[1e-3, 10, 3], epochs=8)
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text and "Infinity" not in response.text
    assert all(math.isfinite(n) for n in numbers(json.loads(response.text)))
    kept, *lost = response.json()["results"]
    assert kept["status"] == "ready" and len(kept["train_loss"]) == 8
    for result in lost:
        assert result["status"] == "diverged"
        epoch, iteration = result["diverged_at"]
        assert len(result["train_loss"]) == len(result["test_loss"]) in {epoch, epoch - 1}
        assert iteration >= 0


def test_the_stacked_sweep_equals_separate_trainers(client: TestClient) -> None:
    config = {"dataset": "spiral", "hidden_layers": [8] * 6, "activation": "relu",
              "optimizer": "momentum", "regularization": "l2",
              "regularization_rate": 0.001}  # fmt: skip
    rates = [0.001, 0.01, 0.1]
    results = sweep(client, config=config, learning_rates=rates, epochs=6).json()["results"]
    engine_config = dict_to_config({**default_config(), **config})
    for rate, result in zip(rates, results, strict=True):
        trainer = Trainer(replace(engine_config, learning_rate=rate))
        curve = []
        for _ in range(6):
            trainer.train_epochs(1)
            curve.append(trainer.metrics()["train_loss"])
        assert result["train_loss"] == curve


def test_no_test_set_gives_null_test_losses(client: TestClient) -> None:
    body = sweep(client, config={"train_ratio": 1.0}, learning_rates=[0.1], epochs=2).json()
    assert body["results"][0]["test_loss"] == [None, None]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"learning_rates": [], "epochs": 1}, ["learning_rates"]),
        ({"learning_rates": [0.1] * (MAX_SWEEP_RATES + 1), "epochs": 1}, ["learning_rates"]),
        ({"learning_rates": [0.1, 0], "epochs": 1}, ["learning_rates", 1]),
        ({"learning_rates": [-0.5], "epochs": 1}, ["learning_rates", 0]),
        ({"learning_rates": [0.1, 0.2, 11], "epochs": 1}, ["learning_rates", 2]),  # > max 10
        ({"learning_rates": ["0.1"], "epochs": 1}, ["learning_rates", 0]),
        ({"learning_rates": 0.1, "epochs": 1}, ["learning_rates"]),
        ({"epochs": 1}, ["learning_rates"]),
        ({"learning_rates": [0.1]}, ["epochs"]),
        ({"learning_rates": [0.1], "epochs": 0}, ["epochs"]),
        ({"learning_rates": [0.1], "epochs": 1001}, ["epochs"]),  # max_epochs_per_call
        ({"learning_rates": [0.1] * 16, "epochs": 300}, ["epochs"]),  # 16 x 300 x 25 iterations
        ({"config": {"hidden_layers": [64]}, "learning_rates": [0.1], "epochs": 1},
         ["config", "hidden_layers", 0]),
        ({"config": {"dataset": "custom"}, "learning_rates": [0.1], "epochs": 1},
         ["config", "points"]),
        ({"learning_rates": [0.1], "epochs": 1, "rates": [1]}, ["rates"]),
    ],
)  # fmt: skip
def test_bad_requests_are_422s_naming_the_field(
    client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    response = client.post("/api/sweeps", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", *loc]


@pytest.mark.parametrize("rate", [b"NaN", b"Infinity", b"-Infinity"])
def test_a_non_finite_rate_is_a_422_naming_it(client: TestClient, rate: bytes) -> None:
    body = b'{"learning_rates": [0.1, ' + rate + b'], "epochs": 1}'
    response = client.post(
        "/api/sweeps", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "learning_rates", 1]


def test_every_rate_counts_against_the_work_budget() -> None:
    # the default network: 25 iterations x 10 examples x 25 parameters = 6250 per epoch
    settings = Settings(max_work_per_call=6250 * 10)
    with TestClient(create_app(settings)) as client:
        assert sweep(client, learning_rates=[0.1], epochs=10).status_code == 200
        assert sweep(client, learning_rates=[0.1, 0.2], epochs=5).status_code == 200
        response = sweep(client, learning_rates=[0.1, 0.2], epochs=6)
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "epochs"]
        assert error["msg"].startswith("expected at most 5 for this network and batch size")
        assert "max_work_per_call 62500" in error["msg"]
        # as the one-shot route answers the same work for one run
        one = client.post("/api/train", json={"epochs": 11})
        assert one.status_code == 422 and one.json()["detail"][0]["loc"] == ["body", "epochs"]


def test_the_document_shows_the_settings_bounds() -> None:
    settings = Settings(max_learning_rate=1.0, max_epochs_per_call=7)
    spec = create_app(settings).openapi()
    request = spec["components"]["schemas"]["SweepRequest"]["properties"]
    assert request["learning_rates"]["items"]["maximum"] == 1.0
    assert request["learning_rates"]["maxItems"] == MAX_SWEEP_RATES
    assert request["epochs"]["maximum"] == 7
    operation = spec["paths"]["/api/sweeps"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["examples"]


def test_a_sweep_is_bounded_in_wall_time_and_says_so(tmp_path: Path) -> None:
    settings = Settings(max_call_seconds=0.001, data_dir=tmp_path / "data")
    with TestClient(create_app(settings)) as client:
        config = {"n_samples": 500, "batch_size": 1}
        response = sweep(client, config=config, learning_rates=[0.01, 0.1], epochs=200)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["truncated"] is True
        lengths = {len(result["train_loss"]) for result in body["results"]}
        assert len(lengths) == 1 and 1 <= lengths.pop() < 200  # every rate stopped together
