"""The OpenAPI document says what this server enforces: its settings' bounds, its statuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.schemas import SETTINGS_BOUNDS
from app.schemas.bounds import SETTINGS_BOUND

# Tighter than the defaults, yet the default configuration still fits.
TIGHT = Settings(
    max_hidden_layers=3,
    max_neurons=5,
    max_samples=600,
    max_custom_points=10,
    max_learning_rate=1.0,
    max_regularization_rate=0.5,
    max_resolution=50,
    max_epochs_per_call=7,
    max_iterations_per_call=200,  # 7 default epochs are 175 iterations
    max_predict_points=3,
    max_body_bytes=4096,
    max_name_length=12,
)
# The limits in Settings that bound no schema field, and what enforces each instead.
NOT_SCHEMA_BOUNDS = {
    "max_sessions": "503 with Retry-After on POST /api/sessions",
    "max_work_per_call": "depends on the session's network; the 422 says how much is allowed",
    "max_body_bytes": "413, documented on every operation with the limit in force",
    "max_fps": "the WebSocket stream",
    "max_speed": "the WebSocket stream",
    "max_epochs_per_frame": "the WebSocket stream",
    "max_edited_parameter": "the WebSocket stream",
    "max_streams": "the WebSocket stream",
    "max_streams_per_session": "the WebSocket stream",
    "max_call_seconds": "a training call stops and answers truncated: true",
    "max_memory_mb": "503 with Retry-After once no session can leave memory",
    "max_rooms": "503 on POST /api/rooms",
    "max_students_per_room": "409 on POST /api/rooms/{code}/students",
}
SESSION = "/api/sessions/{session_id}"


@pytest.fixture(scope="module")
def tight() -> Iterator[TestClient]:
    with TestClient(create_app(TIGHT)) as client:
        yield client


def marks(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """``(path, keyword, bound name)`` for every settings mark in a document."""
    if isinstance(node, dict):
        for keyword, name in node.get(SETTINGS_BOUND, {}).items():
            yield path, keyword, name
        items: Any = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, child in items:
        yield from marks(child, (*path, key))


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def test_every_marked_bound_shows_the_settings_in_force(tight: TestClient) -> None:
    app = tight.app
    raw = get_openapi(title="raw", version="0", routes=app.routes)  # type: ignore[attr-defined]
    served = tight.get("/openapi.json").json()
    found = list(marks(raw))
    for path, keyword, name in found:
        assert at(served, path)[keyword] == SETTINGS_BOUNDS[name](TIGHT), (path, keyword)
    assert {name for _, _, name in found} == set(SETTINGS_BOUNDS)  # every bound is used
    assert not list(marks(served))


def keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, child in node.items():
            yield key
            yield from keys(child)
    elif isinstance(node, list):
        for child in node:
            yield from keys(child)


def test_every_bound_is_written_as_json_schema(tight: TestClient) -> None:
    """pydantic writes its own ``ge``/``le`` when it cannot apply a bound: never here."""
    found = set(keys(tight.get("/openapi.json").json()["components"]))
    assert not found & {"ge", "le", "gt", "lt", "min_length", "max_length", "multiple_of"}


def test_the_document_reads_as_the_server_is_configured(tight: TestClient) -> None:
    spec = tight.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    config = components["SessionConfig"]["properties"]
    assert config["hidden_layers"]["maxItems"] == 3
    assert config["hidden_layers"]["items"]["maximum"] == 5
    assert config["n_samples"]["maximum"] == config["batch_size"]["maximum"] == 600
    assert config["learning_rate"]["maximum"] == 1.0
    assert config["regularization_rate"]["maximum"] == 0.5
    assert config["features"]["uniqueItems"] is True
    assert components["Points"]["properties"]["x"]["maxItems"] == 10
    assert components["PredictRequest"]["properties"]["points"]["maxItems"] == 3
    assert components["JoinRequest"]["properties"]["name"]["maxLength"] == 12
    train = components["TrainRequest"]["properties"]
    assert train["epochs"]["anyOf"][0]["maximum"] == 7
    assert train["iterations"]["anyOf"][0]["maximum"] == 200
    assert components["StatelessTrainRequest"]["properties"]["epochs"]["maximum"] == 7
    (resolution,) = [
        p for p in spec["paths"][f"{SESSION}/boundary"]["get"]["parameters"]
        if p["name"] == "resolution"
    ]  # fmt: skip
    assert resolution["schema"]["type"] == "integer"  # a query string cannot say null
    assert resolution["schema"]["maximum"] == resolution["schema"]["default"] == 50
    assert spec["paths"]["/api/health"]["get"]["responses"]["413"]["description"].endswith(
        "(4096 bytes)"
    )


def test_an_app_advertises_its_own_max_resolution() -> None:
    spec = create_app(Settings(max_resolution=50)).openapi()
    parameters = spec["paths"][f"{SESSION}/boundary"]["get"]["parameters"]
    assert [p["schema"]["maximum"] for p in parameters if p["name"] == "resolution"] == [50]
    assert create_app(Settings()).openapi() is not spec


def test_every_limit_in_settings_is_a_schema_bound_or_accounted_for() -> None:
    read: set[str] = set()

    class Reading:
        def __getattr__(self, name: str) -> Any:
            read.add(name)
            return getattr(TIGHT, name)

    for bound in SETTINGS_BOUNDS.values():
        bound(Reading())  # type: ignore[arg-type]
    limits = {name for name in Settings.model_fields if name.startswith("max_")}
    assert read | set(NOT_SCHEMA_BOUNDS) == limits
    assert not read & set(NOT_SCHEMA_BOUNDS)


CUSTOM = {"dataset": "custom", "features": ["x1", "x2"]}


def points(n: int) -> dict[str, Any]:
    return {"x": [[i % 5, i % 3] for i in range(n)], "y": [i % 2 for i in range(n)]}


# (method, url, the body at the bound, the body just past it, the loc the 422 names)
BOUNDS: list[tuple[str, str, Any, Any, list[Any]]] = [
    ("POST", "/api/sessions", {"n_samples": 600}, {"n_samples": 601}, ["n_samples"]),
    ("POST", "/api/sessions", {"batch_size": 600}, {"batch_size": 601}, ["batch_size"]),
    ("POST", "/api/sessions", {"hidden_layers": [5, 5, 5]}, {"hidden_layers": [5, 5, 5, 5]},
     ["hidden_layers"]),
    ("POST", "/api/sessions", {"hidden_layers": [5]}, {"hidden_layers": [6]},
     ["hidden_layers", 0]),
    ("POST", "/api/sessions", {"learning_rate": 1.0}, {"learning_rate": 1.01}, ["learning_rate"]),
    ("POST", "/api/sessions", {"regularization_rate": 0.5}, {"regularization_rate": 0.51},
     ["regularization_rate"]),
    ("POST", "/api/sessions", {**CUSTOM, "points": points(10)}, {**CUSTOM, "points": points(11)},
     ["points", "x"]),
    ("PATCH", SESSION, {"n_samples": 600}, {"n_samples": 601}, ["n_samples"]),
    ("POST", f"{SESSION}/train", {"epochs": 7}, {"epochs": 8}, ["epochs"]),
    ("POST", f"{SESSION}/train", {"iterations": 200}, {"iterations": 201}, ["iterations"]),
    ("POST", f"{SESSION}/predict", {"points": [[0, 0]] * 3}, {"points": [[0, 0]] * 4},
     ["points"]),
    ("POST", "/api/train", {"epochs": 7}, {"epochs": 8}, ["epochs"]),
    ("POST", "/api/train", {"config": {"n_samples": 600}, "epochs": 1},
     {"config": {"n_samples": 601}, "epochs": 1}, ["config", "n_samples"]),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "at_bound", "past_bound", "loc"), BOUNDS)
def test_each_advertised_bound_is_the_one_enforced(
    tight: TestClient, method: str, url: str, at_bound: Any, past_bound: Any, loc: list[Any]
) -> None:
    session_id = tight.post("/api/sessions").json()["id"]
    url = url.replace("{session_id}", session_id)
    assert tight.request(method, url, json=at_bound).status_code < 300
    response = tight.request(method, url, json=past_bound)
    assert response.status_code == 422, response.text
    assert [item["loc"] for item in response.json()["detail"]] == [["body", *loc]]


def test_the_boundary_resolution_bound_and_default_are_the_ones_advertised(
    tight: TestClient,
) -> None:
    url = f"/api/sessions/{tight.post('/api/sessions').json()['id']}/boundary"
    assert tight.get(url).json()["resolution"] == 50  # the advertised default
    assert tight.get(url, params={"resolution": 50}).status_code == 200
    response = tight.get(url, params={"resolution": 51})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "resolution"]


def test_the_largest_model_document_fits_the_advertised_bounds(tight: TestClient) -> None:
    config = {
        **CUSTOM, "features": ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"],
        "points": {"x": [[i, -i] for i in range(-4, 6)], "y": list(range(10))},
        "hidden_layers": [5, 5, 5], "n_samples": 600,
    }  # fmt: skip
    created = tight.post("/api/sessions", json=config)
    assert created.status_code == 201, created.text
    document = tight.get(f"/api/sessions/{created.json()['id']}/model").json()
    schemas = tight.get("/openapi.json").json()["components"]["schemas"]
    model, layer = schemas["ModelDocument"]["properties"], schemas["ModelLayer"]["properties"]
    sizes = model["layer_sizes"]["anyOf"][0]
    assert document["layer_sizes"] == [7, 5, 5, 5, 10]
    assert len(document["layer_sizes"]) == sizes["maxItems"]
    assert max(document["layer_sizes"]) == sizes["items"]["maximum"]
    assert len(document["layers"]) == model["layers"]["maxItems"]
    fan_in = max(len(entry["weights"]) for entry in document["layers"])
    fan_out = max(len(entry["biases"]) for entry in document["layers"])
    assert fan_in <= layer["weights"]["maxItems"] == layer["weights"]["items"]["maxItems"]
    assert fan_out <= layer["biases"]["maxItems"]


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_every_status_answered_is_documented_on_its_operation(tight: TestClient) -> None:
    spec = tight.get("/openapi.json").json()
    session_id = tight.post("/api/sessions").json()["id"]
    too_large = b"{" + b" " * 5000 + b"}"
    for method, path, operation in operations(spec):
        documented = operation["responses"]
        url = path.replace("{session_id}", session_id)
        oversized = tight.request(method, url, content=too_large, headers={"content-type": "x"})
        assert oversized.status_code == 413 and "413" in documented, (method, path)
        if "requestBody" in operation:
            unreadable = tight.request(
                method, url, content=b"\xff", headers={"content-type": "application/json"}
            )
            assert unreadable.status_code == 400 and "400" in documented, (method, path)
        if "{session_id}" in path:
            unknown = tight.request(method, path.replace("{session_id}", "gone"), json={})
            assert unknown.status_code == 404 and "404" in documented, (method, path)
            assert unknown.json()["detail"].startswith("session 'gone' not found")


def test_a_full_server_is_a_documented_503_with_retry_after() -> None:
    with TestClient(create_app(Settings(max_sessions=1))) as client:
        assert client.post("/api/sessions").status_code == 201
        response = client.post("/api/sessions")
        spec = client.get("/openapi.json").json()
    assert response.status_code == 503
    documented = spec["paths"]["/api/sessions"]["post"]["responses"]["503"]
    assert "Retry-After" in documented["headers"]
    assert int(response.headers["retry-after"]) > 0
    assert documented["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
