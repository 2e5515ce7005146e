"""Data, boundary, predict and model routes."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

CreateSession = Callable[..., dict[str, Any]]
SMALL = {"n_samples": 80, "hidden_layers": [4]}


def test_data_has_raw_points_and_integer_labels(
    client: TestClient, create_session: CreateSession
) -> None:
    session = create_session(**SMALL, train_ratio=0.75)
    data = client.get(f"/api/sessions/{session['id']}/data").json()
    assert (len(data["train"]["x"]), len(data["test"]["x"])) == (60, 20)
    assert len(data["train"]["y"]) == 60
    assert all(len(point) == 2 and all(-6 <= c <= 6 for c in point) for point in data["train"]["x"])
    assert {type(label) for label in data["train"]["y"] + data["test"]["y"]} == {int}
    assert set(data["train"]["y"]) == {0, 1}


def test_regression_data_has_numeric_targets(
    client: TestClient, create_session: CreateSession
) -> None:
    session = create_session(**SMALL, dataset="plane")
    data = client.get(f"/api/sessions/{session['id']}/data").json()
    assert any(isinstance(target, float) and target != int(target) for target in data["train"]["y"])


def test_data_round_trips_through_a_custom_session(
    client: TestClient, create_session: CreateSession
) -> None:
    source = create_session(**SMALL, dataset="spiral3", noise=0.2)
    data = client.get(f"/api/sessions/{source['id']}/data").json()
    points = {
        "x": data["train"]["x"] + data["test"]["x"],
        "y": data["train"]["y"] + data["test"]["y"],
    }
    custom = create_session(dataset="custom", points=points, hidden_layers=[4])
    assert custom["config"]["points"] == points
    assert custom["config"]["problem"] == "classification"
    again = client.get(f"/api/sessions/{custom['id']}/data").json()
    pairs = sorted(zip(map(tuple, points["x"]), points["y"], strict=True))
    got = again["train"]["x"] + again["test"]["x"], again["train"]["y"] + again["test"]["y"]
    assert sorted(zip(map(tuple, got[0]), got[1], strict=True)) == pairs
    model = client.get(f"/api/sessions/{custom['id']}/model").json()
    assert model["problem"] == "multiclass" and model["layer_sizes"][-1] == 3


def test_binary_boundary_shape_ordering_and_agreement_with_predict(
    client: TestClient, create_session: CreateSession
) -> None:
    session_id = create_session(**SMALL)["id"]
    client.post(f"/api/sessions/{session_id}/train", json={"epochs": 5})
    grid = client.get(f"/api/sessions/{session_id}/boundary", params={"resolution": 12}).json()
    assert set(grid) == {"resolution", "xs", "ys", "values"}
    assert grid["resolution"] == 12
    xs, ys, values = grid["xs"], grid["ys"], grid["values"]
    assert len(xs) == len(ys) == len(values) == 12 and all(len(row) == 12 for row in values)
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)
    assert xs[0] == pytest.approx(-5.5) and ys[0] == pytest.approx(5.5)
    assert all(0.0 <= v <= 1.0 for row in values for v in row)
    probes = [[xs[1], ys[0]], [xs[7], ys[10]]]
    outputs = client.post(f"/api/sessions/{session_id}/predict", json={"points": probes}).json()
    assert outputs["outputs"] == pytest.approx([values[0][1], values[10][7]], abs=1e-5)


def test_multiclass_boundary_has_classes(client: TestClient, create_session: CreateSession) -> None:
    session_id = create_session(**SMALL, dataset="blobs", n_classes=5)["id"]
    grid = client.get(f"/api/sessions/{session_id}/boundary", params={"resolution": 8}).json()
    assert len(grid["classes"]) == 8 and all(len(row) == 8 for row in grid["classes"])
    assert {c for row in grid["classes"] for c in row} <= set(range(5))
    assert all(0.2 - 1e-6 <= v <= 1.0 for row in grid["values"] for v in row)  # max of 5 probs


def test_boundary_resolution_is_bounded(client: TestClient, create_session: CreateSession) -> None:
    url = f"/api/sessions/{create_session(**SMALL)['id']}/boundary"
    assert client.get(url).json()["resolution"] == 100
    for resolution in ("0", "257", "abc", "2000"):
        response = client.get(url, params={"resolution": resolution})
        assert response.status_code == 422, resolution
        assert response.json()["detail"][0]["loc"] == ["query", "resolution"]


@pytest.mark.parametrize(
    ("dataset", "shape"),
    [("circles", "probability"), ("spiral3", 3), ("plane", "value")],
)
def test_predict_shape_per_problem(
    client: TestClient, create_session: CreateSession, dataset: str, shape: object
) -> None:
    session_id = create_session(**SMALL, dataset=dataset)["id"]
    points = [[0.0, 0.0], [1.5, -2.0], [-6.0, 6.0]]
    outputs = client.post(f"/api/sessions/{session_id}/predict", json={"points": points}).json()
    outputs = outputs["outputs"]
    assert len(outputs) == 3
    if shape == "probability":
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in outputs)
    elif shape == "value":
        assert all(isinstance(v, float) and math.isfinite(v) for v in outputs)
    else:
        assert all(len(row) == shape and sum(row) == pytest.approx(1.0) for row in outputs)


def test_model_document_round_trip_reproduces_predictions(
    client: TestClient, create_session: CreateSession
) -> None:
    source = create_session(dataset="xor", hidden_layers=[5, 3], activation="relu", seed=3)
    client.post(f"/api/sessions/{source['id']}/train", json={"epochs": 3})
    document = client.get(f"/api/sessions/{source['id']}/model").json()
    assert document["format"] == "nn-playground.model/1"
    assert document["layer_sizes"] == [2, 5, 3, 1]
    assert [len(layer["weights"]) for layer in document["layers"]] == [2, 5, 3]
    assert [len(layer["biases"]) for layer in document["layers"]] == [5, 3, 1]
    target = create_session(**SMALL)
    response = client.put(f"/api/sessions/{target['id']}/model", json=document)
    assert response.status_code == 200, response.text
    assert response.json()["rebuilt"] is True
    assert response.json()["config"] == document["config"]
    probes = {"points": [[x / 2, y / 3] for x in range(-8, 9, 4) for y in range(-9, 10, 6)]}
    expected = client.post(f"/api/sessions/{source['id']}/predict", json=probes).json()
    got = client.post(f"/api/sessions/{target['id']}/predict", json=probes).json()
    assert got == expected
    assert client.get(f"/api/sessions/{target['id']}/model").json() == document


def test_model_put_checks_shapes_and_finiteness(
    client: TestClient, create_session: CreateSession
) -> None:
    session_id = create_session(**SMALL)["id"]
    url = f"/api/sessions/{session_id}/model"
    document = client.get(url).json()
    wrong_shape = {**document, "layers": [{**document["layers"][0], "weights": [[0.0] * 4] * 3},
                                          document["layers"][1]]}  # fmt: skip
    response = client.put(url, json=wrong_shape)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "layers", 0, "weights"]
    assert "expected 2 x 4" in response.json()["detail"][0]["msg"]
    too_few = {**document, "layers": document["layers"][:1]}
    assert client.put(url, json=too_few).json()["detail"][0]["loc"] == ["body", "layers"]
    bad_format = {**document, "format": "keras/2"}
    assert client.put(url, json=bad_format).json()["detail"][0]["loc"] == ["body", "format"]
    marked = {**document, "layers": [{**document["layers"][0], "biases": ["NAN", 0, 0, 0]},
                                     document["layers"][1]]}  # fmt: skip
    text = json.dumps(marked).replace('"NAN"', "NaN")
    response = client.put(url, content=text, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:3] == ["body", "layers", 0]
    assert client.get(url).json() == document  # nothing was loaded
