"""Bad input: every malformed request is a 4xx naming the field, never a 500, and the
session it was aimed at keeps working."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

CreateSession = Callable[..., dict[str, Any]]
SMALL = {"n_samples": 60, "hidden_layers": [3, 2]}

# (config, the loc that must be reported)
BAD_CONFIGS: list[tuple[dict[str, Any], list[Any]]] = [
    ({"dataset": "moon"}, ["dataset"]),
    ({"n_samples": -5}, ["n_samples"]),
    ({"n_samples": 10**40}, ["n_samples"]),
    ({"n_samples": "500"}, ["n_samples"]),
    ({"n_samples": 2.5}, ["n_samples"]),
    ({"n_samples": True}, ["n_samples"]),
    ({"n_samples": 5000}, ["n_samples"]),  # above max_samples
    ({"noise": 0.9}, ["noise"]),
    ({"noise": float("inf")}, ["noise"]),  # sent as the literal Infinity
    ({"train_ratio": 0}, ["train_ratio"]),
    ({"seed": -1}, ["seed"]),
    ({"features": []}, ["features"]),
    ({"features": ["x1", "x1"]}, ["features"]),
    ({"features": ["x3"]}, ["features", 0]),
    ({"features": "x1"}, ["features"]),
    ({"hidden_layers": [4] * 9}, ["hidden_layers"]),  # above max_hidden_layers
    ({"hidden_layers": [4] * 100}, ["hidden_layers"]),
    ({"hidden_layers": [33]}, ["hidden_layers", 0]),  # above max_neurons
    ({"hidden_layers": [0]}, ["hidden_layers", 0]),
    ({"hidden_layers": [4, -1]}, ["hidden_layers", 1]),
    ({"hidden_layers": [[4]]}, ["hidden_layers", 0]),
    ({"activation": "softmax"}, ["activation"]),
    ({"layer_activations": ["relu"]}, ["layer_activations"]),  # 2 hidden layers by default
    ({"learning_rate": 0}, ["learning_rate"]),
    ({"learning_rate": -0.1}, ["learning_rate"]),
    ({"learning_rate": 1e300}, ["learning_rate"]),
    ({"batch_size": 0}, ["batch_size"]),
    ({"optimizer": "rmsprop"}, ["optimizer"]),
    ({"optimizer": "perceptron"}, ["optimizer"]),  # needs no hidden layers
    ({"momentum": 1.0}, ["momentum"]),
    ({"regularization": "l3"}, ["regularization"]),
    ({"regularization_rate": -1}, ["regularization_rate"]),
    ({"n_classes": 9}, ["n_classes"]),
    ({"learning_rat": 0.1}, ["learning_rat"]),
    ({"dataset": "custom"}, ["points"]),
    ({"points": {"x": [[0, 0], [1, 1]], "y": [0, 1]}}, ["points"]),
    ({"problem": "regression"}, ["problem"]),
    ({"dataset": "custom", "points": {"x": [[0, 7], [1, 1]], "y": [0, 1]}}, ["points", "x", 0, 1]),
    ({"dataset": "custom", "points": {"x": [[0, 0, 0]], "y": [0]}}, ["points", "x", 0]),
    ({"dataset": "custom", "points": {"x": [[0, 0], [1, 1]], "y": [0]}}, ["points", "y"]),
    ({"dataset": "custom", "points": {"x": [[0, 0], [1, 1]], "y": [0, 0]}}, ["points", "y"]),
    ({"dataset": "custom", "points": {"x": [[0, 0]] * 2001, "y": [0, 1] * 1000 + [0]}},
     ["points", "x"]),
    ({"dataset": "custom", "points": {"x": [[0, 0]], "y": [0]}, "extra": 1}, ["extra"]),
]  # fmt: skip


def send(client: TestClient, method: str, url: str, body: Any) -> Any:
    """Send ``body`` as JSON the way Python's json writes it (NaN and Infinity included)."""
    headers = {"content-type": "application/json"}
    return client.request(method, url, content=json.dumps(body), headers=headers)


def assert_names(response: Any, loc: list[Any]) -> None:
    assert response.status_code == 422, response.text
    locs = [item["loc"] for item in response.json()["detail"]]
    assert any(found[: len(loc)] == loc for found in locs), (loc, locs)
    assert all(item["msg"] for item in response.json()["detail"])


@pytest.mark.parametrize(("config", "field"), BAD_CONFIGS)
def test_bad_config_is_422_naming_the_field(
    client: TestClient, config: dict[str, Any], field: list[Any]
) -> None:
    assert_names(send(client, "POST", "/api/sessions", config), ["body", *field])


def test_bad_patches_keep_the_session_intact(
    client: TestClient, create_session: CreateSession
) -> None:
    session = create_session(**SMALL)
    url = f"/api/sessions/{session['id']}"
    for config, _ in BAD_CONFIGS:
        response = send(client, "PATCH", url, config)
        assert 400 <= response.status_code < 500, (config, response.text)
    assert client.get(url).json() == session
    assert client.post(f"{url}/train", json={"epochs": 1}).json()["state"]["epoch"] == 1


def test_perceptron_is_accepted_where_it_fits(client: TestClient) -> None:
    response = client.post(
        "/api/sessions",
        json={"optimizer": "perceptron", "hidden_layers": [], "dataset": "gaussian"},
    )
    assert response.status_code == 201, response.text


RAW_BODIES = [
    b"",
    b"not json",
    b"{",
    b"NaN",
    b"[]",
    b"null",
    b'{"epochs": NaN}',
    b'{"epochs": Infinity}',
    b'{"epochs": 1e999}',
    b'{"epochs": -1}',
    b'{"epochs": 0}',
    b'{"epochs": "1"}',
    b'{"epochs": 10000000}',
    b'{"iterations": 100000001}',
    b'{"epochs": 1, "speed": 2}',
    b'{"epochs": ' + b"9" * 5000 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
    '{"epochs": "\u00e9"}'.encode(),
    b"\xff\xfe",
]


def test_malformed_bodies_never_make_a_500(
    client: TestClient, create_session: CreateSession
) -> None:
    session_id = create_session(**SMALL)["id"]
    targets = [
        ("POST", f"/api/sessions/{session_id}/train"),
        ("POST", f"/api/sessions/{session_id}/predict"),
        ("PATCH", f"/api/sessions/{session_id}"),
        ("PUT", f"/api/sessions/{session_id}/model"),
        ("POST", "/api/sessions"),
        ("POST", "/api/train"),
    ]
    for method, url in targets:
        for body in RAW_BODIES:
            if url == "/api/sessions" and body in (b"", b"null"):
                continue  # no config at all is valid there: every default
            response = client.request(
                method, url, content=body, headers={"content-type": "application/json"}
            )
            assert 400 <= response.status_code < 500, (method, url, body[:40], response.text)
            json.loads(response.text)  # strict JSON: no NaN echoed back
            assert "NaN" not in response.text and "Infinity" not in response.text
    state = client.post(f"/api/sessions/{session_id}/train", json={"epochs": 2}).json()["state"]
    assert state["epoch"] == 2


def test_nan_in_request_bodies_is_rejected_by_field(
    client: TestClient, create_session: CreateSession
) -> None:
    session_id = create_session(**SMALL)["id"]
    headers = {"content-type": "application/json"}
    cases = [
        (f"/api/sessions/{session_id}/predict", b'{"points": [[0, NaN]]}', ["points", 0, 1]),
        ("/api/sessions", b'{"learning_rate": NaN}', ["learning_rate"]),
        ("/api/sessions", b'{"noise": -Infinity}', ["noise"]),
    ]
    for url, body, loc in cases:
        assert_names(client.post(url, content=body, headers=headers), ["body", *loc])


def test_predict_input_is_bounded(client: TestClient, create_session: CreateSession) -> None:
    url = f"/api/sessions/{create_session(**SMALL)['id']}/predict"
    assert_names(client.post(url, json={"points": []}), ["body", "points"])
    assert_names(client.post(url, json={"points": [[1, 2, 3]]}), ["body", "points", 0])
    assert_names(client.post(url, json={"points": [[1e5, 0]]}), ["body", "points", 0, 0])
    assert_names(client.post(url, json={"points": [[0, 0]] * 10_001}), ["body", "points"])
    assert_names(client.post(url, json={"points": [[0, 0]], "x": 1}), ["body", "x"])


def test_work_per_call_is_bounded(client: TestClient, create_session: CreateSession) -> None:
    session_id = create_session(n_samples=2000, batch_size=1, hidden_layers=[2])["id"]
    response = client.post(f"/api/sessions/{session_id}/train", json={"epochs": 200})
    assert_names(response, ["body", "epochs"])
    assert "max_iterations_per_call" in response.json()["detail"][0]["msg"]
    response = client.post("/api/train", json={"config": {"n_samples": 2000, "batch_size": 1},
                                               "epochs": 200})  # fmt: skip
    assert_names(response, ["body", "epochs"])


def test_oversized_body_is_413(client: TestClient, settings: Settings) -> None:
    body = b'{"points": [' + b"[0, 0], " * (settings.max_body_bytes // 8) + b"[0, 0]]}"
    response = client.post(
        "/api/sessions", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "expected at most" in response.json()["detail"]


def test_a_full_server_answers_503_with_a_message() -> None:
    with TestClient(create_app(Settings(max_sessions=2))) as client:
        for _ in range(2):
            assert client.post("/api/sessions", json=SMALL).status_code == 201
        response = client.post("/api/sessions", json=SMALL)
        assert response.status_code == 503
        assert "maximum of 2 sessions" in response.json()["detail"]
        assert response.headers["retry-after"].isdigit()
