"""GET /api/meta: the tables and bounds the page shows are the engine's and the settings', and
every bound it states is the one the server enforces."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from stream_helpers import connect, receive, send

from app.config import Settings
from app.engine import ACTIVATIONS, DATASETS, FEATURES, OPTIMIZERS, REGULARIZATIONS, Limits
from app.engine.activations import curves
from app.engine.datasets import MAX_CUSTOM_CLASSES
from app.main import create_app
from app.schemas import MAX_SEED, MetaOut
from app.services.configs import default_config

TIGHT = Settings(
    max_hidden_layers=3,
    max_neurons=5,
    max_samples=600,
    max_custom_points=10,
    max_learning_rate=1.0,
    max_regularization_rate=0.5,
    max_speed=100,
    max_fps=20,
    max_resolution=50,
    max_edited_parameter=7.0,
)


@pytest.fixture(scope="module")
def tight() -> Iterator[TestClient]:
    with TestClient(create_app(TIGHT)) as client:
        yield client


@pytest.fixture(scope="module")
def meta(tight: TestClient) -> dict[str, Any]:
    response = tight.get("/api/meta")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_names_are_the_engine_registries_in_their_order(meta: dict[str, Any]) -> None:
    MetaOut.model_validate(meta)
    assert [d["name"] for d in meta["datasets"]] == list(DATASETS)
    for entry in meta["datasets"]:
        spec = DATASETS[entry["name"]]
        assert (entry["problem"], entry["classes"]) == (spec.problem, spec.classes)
        assert entry["description"] == spec.description
    kinds = {d["name"]: d["kind"] for d in meta["datasets"]}
    assert kinds["circles"] == "binary" and kinds["spiral3"] == "multiclass"
    assert kinds["blobs"] == "multiclass" and kinds["plane"] == "regression"
    assert kinds["custom"] is None  # its points decide
    assert meta["features"] == list(FEATURES)
    assert meta["activations"] == list(ACTIVATIONS)
    assert [o["name"] for o in meta["optimizers"]] == list(OPTIMIZERS)
    assert "perceptron" in [o["name"] for o in meta["optimizers"]]
    assert meta["regularizations"] == list(REGULARIZATIONS)
    assert meta["defaults"] == default_config()


def test_activation_curves_are_the_engines(meta: dict[str, Any]) -> None:
    z, sampled = curves()
    served = meta["activation_curves"]
    assert len(served["z"]) == len(z) == 121
    np.testing.assert_allclose(served["z"], z, rtol=0, atol=5e-7)
    assert list(served["curves"]) == list(ACTIVATIONS)
    for name, (value, derivative) in sampled.items():
        curve = served["curves"][name]
        np.testing.assert_allclose(curve["value"], value, rtol=0, atol=5e-7, err_msg=name)
        np.testing.assert_allclose(curve["derivative"], derivative, rtol=0, atol=5e-7)
    tanh = served["curves"]["tanh"]
    assert tanh["value"][60] == 0.0 and tanh["derivative"][60] == 1.0  # z = 0
    assert not re.search(r"-0\.0\b(?!\d)", json.dumps(served))  # no negative zero


def test_bounds_are_the_settings_in_force(meta: dict[str, Any]) -> None:
    bounds = meta["bounds"]
    assert bounds["n_samples"] == {"min": Limits().min_samples, "max": 600}
    assert bounds["batch_size"] == {"min": 1, "max": 600}
    assert bounds["hidden_layers"] == {"min": 0, "max": 3}
    assert bounds["neurons"] == {"min": 1, "max": 5}
    assert bounds["learning_rate"] == {"min": 0.0, "max": 1.0, "min_exclusive": True}
    assert bounds["regularization_rate"]["max"] == 0.5
    assert bounds["train_ratio"] == {"min": 0.1, "max": 1.0, "min_exclusive": False}
    assert bounds["noise"]["max"] == 0.5 and bounds["n_classes"] == {"min": 3, "max": 6}
    assert bounds["seed"] == {"min": 0, "max": MAX_SEED}
    assert bounds["features"] == {"min": 1, "max": len(FEATURES)}
    assert bounds["custom_points"]["max"] == 10
    assert bounds["custom_classes"] == {"min": 2, "max": MAX_CUSTOM_CLASSES}
    assert (bounds["coordinate"]["min"], bounds["coordinate"]["max"]) == (-6.0, 6.0)
    assert bounds["edited_parameter"]["max"] == 7.0
    # The menus offer nothing above the bounds.
    assert max(meta["learning_rates"]) == 1.0 and 0.03 in meta["learning_rates"]
    assert max(meta["regularization_rates"]) <= 0.5
    iterations = [s["per_frame"] for s in meta["speeds"] if s["unit"] == "iteration"]
    assert iterations == [1, 2, 5, 10, 25, 50, 100, 0]  # within max_speed 100
    epochs = [s["per_frame"] for s in meta["speeds"] if s["unit"] == "epoch"]
    assert epochs == [1, 2, 5, 10] and meta["default_speed"] == "1_epoch"  # TF Playground's pace
    values = [s["value"] for s in meta["speeds"]]
    assert meta["default_speed"] in values and len(set(values)) == len(values)
    stream = meta["stream"]
    assert stream["fps"]["max"] == 20 and stream["default_fps"] == 20
    assert stream["resolution"]["max"] == 50 and stream["default_resolution"] == 50
    assert stream["speed"] == {"min": 0, "max": 100}
    assert stream["epochs_per_frame"] == {"min": 1, "max": TIGHT.max_epochs_per_frame}


def test_the_default_settings_give_the_documented_bounds() -> None:
    meta = TestClient(create_app(Settings())).get("/api/meta").json()
    assert meta["bounds"]["neurons"]["max"] == 32
    assert meta["bounds"]["hidden_layers"]["max"] == 8
    assert meta["bounds"]["n_samples"]["max"] == 2000
    assert meta["bounds"]["batch_size"]["max"] == 2000


def _points(n: int, classes: int = 2) -> dict[str, Any]:
    return {"x": [[i % 5, i % 3] for i in range(n)], "y": [i % classes for i in range(n)]}


# (the config at a bound, the same one step past it), per bound the page shows.
def _at_and_past(bounds: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    def number(name: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        low, high = bounds[name]["min"], bounds[name]["max"]
        step = 1 if isinstance(high, int) and isinstance(low, int) else 0.01
        cases = [(f"{name} max", {name: high}, {name: high + step})]
        if bounds[name].get("min_exclusive"):
            cases.append((f"{name} min", {name: low + step}, {name: low}))
        else:
            cases.append((f"{name} min", {name: low}, {name: low - step}))
        return cases

    layers, neurons = bounds["hidden_layers"], bounds["neurons"]
    custom_points = bounds["custom_points"]["max"]
    classes = bounds["custom_classes"]["max"]  # labels 0..classes - 1
    custom = {"dataset": "custom"}
    numbers = ("n_samples", "batch_size", "learning_rate", "regularization_rate", "train_ratio",
               "noise", "n_classes", "seed", "momentum")  # fmt: skip
    return [
        *(case for name in numbers for case in number(name)),
        ("hidden layers", {"hidden_layers": [1] * layers["max"]},
         {"hidden_layers": [1] * (layers["max"] + 1)}),
        ("neurons", {"hidden_layers": [neurons["max"]]}, {"hidden_layers": [neurons["max"] + 1]}),
        ("neurons min", {"hidden_layers": [neurons["min"]]}, {"hidden_layers": [0]}),
        ("features", {"features": list(FEATURES)[: bounds["features"]["max"]]}, {"features": []}),
        ("custom points", {**custom, "points": _points(custom_points)},
         {**custom, "points": _points(custom_points + 1)}),
        ("custom classes", {**custom, "points": _points(classes, classes)},
         {**custom, "points": {"x": [[0, 0], [1, 1]], "y": [0, classes]}}),
        ("coordinate", {**custom, "points": {"x": [[6, -6], [0, 0]], "y": [0, 1]}},
         {**custom, "points": {"x": [[6.01, 0], [0, 0]], "y": [0, 1]}}),
    ]  # fmt: skip


def test_every_bound_stated_is_the_one_enforced(tight: TestClient, meta: dict[str, Any]) -> None:
    for label, at_bound, past_bound in _at_and_past(meta["bounds"]):
        accepted = tight.post("/api/sessions", json=at_bound)
        assert accepted.status_code == 201, (label, accepted.text)
        refused = tight.post("/api/sessions", json=past_bound)
        assert refused.status_code == 422, (label, refused.text)


def test_each_optimizer_trains_the_networks_and_problems_it_states(
    tight: TestClient, meta: dict[str, Any]
) -> None:
    by_kind = {"binary": "xor", "multiclass": "spiral3", "regression": "plane"}
    for optimizer in meta["optimizers"]:
        for kind, dataset in by_kind.items():
            config = {"optimizer": optimizer["name"], "dataset": dataset, "hidden_layers": []}
            status = tight.post("/api/sessions", json=config).status_code
            assert status == (201 if kind in optimizer["kinds"] else 422), (optimizer, kind)
        most = optimizer["max_hidden_layers"]
        config = {"optimizer": optimizer["name"], "hidden_layers": [2] * (most + 1)}
        assert tight.post("/api/sessions", json=config).status_code == 422, optimizer
        if most:
            config["hidden_layers"] = [2] * most
            assert tight.post("/api/sessions", json=config).status_code == 201, optimizer
    perceptron = next(o for o in meta["optimizers"] if o["name"] == "perceptron")
    assert perceptron == {"name": "perceptron", "max_hidden_layers": 0, "kinds": ["binary"]}


def test_every_speed_is_a_stream_setting_the_stream_takes(
    tight: TestClient, meta: dict[str, Any]
) -> None:
    session_id = tight.post("/api/sessions").json()["id"]
    with connect(tight, session_id) as ws:
        assert receive(ws)["type"] == "hello"
        for speed in meta["speeds"]:
            assert speed["stream"] == {"speed": speed["per_frame"], "speed_unit": speed["unit"]}
            send(ws, {"type": "stream", **speed["stream"]})
            while (reply := receive(ws))["type"] == "frame":
                ws.receive_bytes()
            assert reply["type"] == "stream", reply
            assert (reply["speed"], reply["speed_unit"]) == (speed["per_frame"], speed["unit"])


def test_the_page_carries_the_same_document(tight: TestClient, meta: dict[str, Any]) -> None:
    html = tight.get("/").text
    found = re.search(r'<script type="application/json" id="meta">(.*?)</script>', html, re.S)
    assert found, html[:500]
    assert json.loads(found.group(1)) == meta


def test_the_openapi_document_shows_an_example_that_is_a_valid_answer() -> None:
    spec = TestClient(create_app()).get("/openapi.json").json()
    operation = spec["paths"]["/api/meta"]["get"]
    content = operation["responses"]["200"]["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/MetaOut"}
    MetaOut.model_validate(content["example"])
    assert content["example"]["bounds"]["neurons"]["max"] == Settings().max_neurons
