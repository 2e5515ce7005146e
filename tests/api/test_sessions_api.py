"""Session routes: create, get, patch (live vs rebuild), train, reset, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

CreateSession = Callable[..., dict[str, Any]]

SMALL = {"n_samples": 100, "hidden_layers": [4]}
STATE_KEYS = {
    "status", "epoch", "iteration", "iterations_per_epoch",
    "train_loss", "test_loss", "train_accuracy", "test_accuracy", "diverged_at",
}  # fmt: skip


def test_create_with_no_body_fills_every_default(client: TestClient) -> None:
    response = client.post("/api/sessions")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "config", "state", "lesson", "challenge"}
    assert body["challenge"] is None
    assert body["lesson"] is None
    config = body["config"]
    assert config["dataset"] == "circles"
    assert (config["n_samples"], config["noise"], config["train_ratio"]) == (500, 0.0, 0.5)
    assert config["hidden_layers"] == [4, 2]
    assert (config["learning_rate"], config["batch_size"]) == (0.03, 10)
    assert (config["optimizer"], config["regularization"]) == ("sgd", "none")
    assert (config["momentum"], config["n_classes"]) == (0.9, 4)
    assert config["points"] is None and config["layer_activations"] is None
    state = body["state"]
    assert set(state) == STATE_KEYS
    assert state["status"] == "ready"
    assert (state["epoch"], state["iteration"]) == (0, 0)
    assert state["iterations_per_epoch"] == 25  # 250 training points, batches of 10
    assert 0.0 <= state["train_accuracy"] <= 1.0


def test_get_returns_the_same_session(client: TestClient, create_session: CreateSession) -> None:
    created = create_session(dataset="xor", **SMALL)
    response = client.get(f"/api/sessions/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


def test_unknown_session_is_404_on_every_route(client: TestClient) -> None:
    base = "/api/sessions/not-a-session"
    calls = [
        client.get(base),
        client.patch(base, json={"learning_rate": 0.1}),
        client.delete(base),
        client.post(f"{base}/train", json={"epochs": 1}),
        client.post(f"{base}/reset"),
        client.get(f"{base}/data"),
        client.get(f"{base}/boundary"),
        client.post(f"{base}/predict", json={"points": [[0, 0]]}),
        client.get(f"{base}/model"),
    ]
    for response in calls:
        assert response.status_code == 404, response.request.url
        assert "not found" in response.json()["detail"]


def test_train_epochs_and_iterations_advance_the_counters(
    client: TestClient, create_session: CreateSession
) -> None:
    session = create_session(**SMALL)  # 50 training points -> 5 iterations per epoch
    url = f"/api/sessions/{session['id']}/train"
    state = client.post(url, json={"epochs": 3}).json()["state"]
    assert (state["epoch"], state["iteration"]) == (3, 15)
    state = client.post(url, json={"iterations": 2}).json()["state"]
    assert (state["epoch"], state["iteration"]) == (3, 17)
    assert state["train_loss"] < session["state"]["train_loss"]


def test_train_needs_exactly_one_amount(client: TestClient, create_session: CreateSession) -> None:
    url = f"/api/sessions/{create_session(**SMALL)['id']}/train"
    for body in ({}, {"epochs": 1, "iterations": 1}):
        response = client.post(url, json=body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "epochs"]


def test_patch_live_field_keeps_weights_and_counters(
    client: TestClient, create_session: CreateSession
) -> None:
    session_id = create_session(**SMALL)["id"]
    client.post(f"/api/sessions/{session_id}/train", json={"epochs": 2})
    weights = client.get(f"/api/sessions/{session_id}/model").json()["layers"]
    response = client.patch(f"/api/sessions/{session_id}", json={"learning_rate": 0.1})
    assert response.status_code == 200
    body = response.json()
    assert body["rebuilt"] is False
    assert body["config"]["learning_rate"] == 0.1
    assert body["state"]["epoch"] == 2
    assert client.get(f"/api/sessions/{session_id}/model").json()["layers"] == weights


def test_patch_structural_field_rebuilds(client: TestClient, create_session: CreateSession) -> None:
    session_id = create_session(**SMALL)["id"]
    client.post(f"/api/sessions/{session_id}/train", json={"epochs": 2})
    body = client.patch(f"/api/sessions/{session_id}", json={"hidden_layers": [3, 3]}).json()
    assert body["rebuilt"] is True
    assert body["config"]["hidden_layers"] == [3, 3]
    assert (body["state"]["epoch"], body["state"]["iteration"]) == (0, 0)
    model = client.get(f"/api/sessions/{session_id}/model").json()
    assert model["layer_sizes"] == [2, 3, 3, 1]


def test_patch_to_custom_and_back(client: TestClient, create_session: CreateSession) -> None:
    session_id = create_session(**SMALL)["id"]
    points = {"x": [[-4, -4], [4, 4], [-4, 4], [4, -4]], "y": [0, 0, 1, 1]}
    body = client.patch(
        f"/api/sessions/{session_id}", json={"dataset": "custom", "points": points}
    ).json()
    assert body["rebuilt"] is True
    assert body["config"]["points"] == {"x": [[-4.0, -4.0], [4.0, 4.0], [-4.0, 4.0],
                                              [4.0, -4.0]], "y": [0, 0, 1, 1]}  # fmt: skip
    assert body["config"]["problem"] == "classification"
    body = client.patch(f"/api/sessions/{session_id}", json={"dataset": "moons"}).json()
    assert body["config"]["points"] is None and body["config"]["problem"] is None


def test_reset_restores_the_initial_weights(
    client: TestClient, create_session: CreateSession
) -> None:
    session = create_session(**SMALL)
    url = f"/api/sessions/{session['id']}"
    initial = client.get(f"{url}/model").json()["layers"]
    client.post(f"{url}/train", json={"epochs": 3})
    assert client.get(f"{url}/model").json()["layers"] != initial
    body = client.post(f"{url}/reset").json()
    assert (body["state"]["epoch"], body["state"]["iteration"]) == (0, 0)
    assert body["state"]["train_loss"] == session["state"]["train_loss"]
    assert client.get(f"{url}/model").json()["layers"] == initial


def test_delete_is_204_then_404(client: TestClient, create_session: CreateSession) -> None:
    url = f"/api/sessions/{create_session(**SMALL)['id']}"
    response = client.delete(url)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


def test_sessions_are_independent(client: TestClient, create_session: CreateSession) -> None:
    first = create_session(**SMALL)
    second = create_session(**SMALL)
    client.post(f"/api/sessions/{first['id']}/train", json={"epochs": 4})
    client.patch(f"/api/sessions/{first['id']}", json={"hidden_layers": [8]})
    assert client.get(f"/api/sessions/{second['id']}").json() == second
