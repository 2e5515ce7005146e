"""Custom points: `problem` decides; without it, JSON integer labels mean classification."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

CreateSession = Callable[..., dict[str, Any]]
X = [[-4, -4], [4, 4], [-4, 4], [4, -4]]


def custom(labels: str, **fields: Any) -> str:
    """A config as raw JSON text, so that ``0.0`` stays a float on the wire."""
    config = {"dataset": "custom", "points": {"x": X, "y": "LABELS"}, **fields}
    return json.dumps(config).replace('"LABELS"', labels)


def pairs(points: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The points as sorted (x1, x2, label) triples: the data comes back shuffled."""
    return sorted((*point, label) for point, label in zip(points["x"], points["y"], strict=True))


def post(client: TestClient, body: str, url: str = "/api/sessions", method: str = "POST") -> Any:
    return client.request(method, url, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("labels", "fields", "problem", "classes"),
    [
        ("[0, 0, 1, 1]", {}, "classification", True),
        ("[0, 1, 2, 1]", {}, "classification", True),
        ("[0.0, 0.0, 1.0, 1.0]", {}, "regression", False),
        ("[0, 0, 1, 1.0]", {}, "regression", False),
        ("[0.5, -1, 2, 1]", {}, "regression", False),
        ("[0.0, 0.0, 1.0, 1.0]", {"problem": "classification"}, "classification", True),
        ("[0, 0, 1, 1]", {"problem": "regression"}, "regression", False),
    ],
)
def test_problem_of_custom_points(
    client: TestClient, labels: str, fields: dict[str, Any], problem: str, classes: bool
) -> None:
    response = post(client, custom(labels, **fields))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["config"]["problem"] == problem
    assert (body["state"]["train_accuracy"] is not None) is classes
    data = client.get(f"/api/sessions/{body['id']}/data").json()
    wanted = int if classes else float
    assert all(type(label) is wanted for label in data["train"]["y"] + data["test"]["y"])


def test_what_data_returns_posts_back_as_the_same_problem(client: TestClient) -> None:
    for labels in ("[0, 0, 1, 1]", "[0.0, 2.0, 1.0, 1.0]"):
        first = post(client, custom(labels, train_ratio=1.0)).json()
        points = client.get(f"/api/sessions/{first['id']}/data").text
        points = points.removeprefix('{"train":').split(',"test":')[0]
        config = f'{{"dataset": "custom", "points": {points}}}'
        second = post(client, config).json()
        assert second["config"]["problem"] == first["config"]["problem"]
        assert pairs(second["config"]["points"]) == pairs(first["config"]["points"])


def test_patching_points_derives_the_problem_again(
    client: TestClient, create_session: CreateSession
) -> None:
    session_id = create_session(dataset="custom", points={"x": X, "y": [0, 0, 1, 1]})["id"]
    url = f"/api/sessions/{session_id}"
    body = post(client, '{"points": {"x": [[0, 0], [1, 1]], "y": [0.0, 1.0]}}', url, "PATCH")
    assert body.json()["config"]["problem"] == "regression"
    body = client.patch(url, json={"points": {"x": [[0, 0], [1, 1]], "y": [1, 0]}}).json()
    assert body["config"]["problem"] == "classification"


def test_integer_labels_out_of_class_range_say_what_to_do(client: TestClient) -> None:
    response = post(client, custom("[0, 1, 2, 12]"))
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"] == ["body", "points", "y", 3]
    assert "class label 0..9" in item["msg"]
    assert post(client, custom("[0, 1, 2, 12]", problem="regression")).status_code == 201
