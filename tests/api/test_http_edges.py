"""HTTP edges: text UTF-8 cannot carry, bodies that are not JSON, and methods a path lacks.

Each answer is a 4xx that names the field (or the body) and says what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

CreateSession = Callable[..., dict[str, Any]]
JSON = {"content-type": "application/json"}
MODEL = "nn-playground.model/1"


def send(client: TestClient, method: str, url: str, body: bytes, **headers: str) -> Any:
    return client.request(method, url, content=body, headers={**JSON, **headers})


def strict_json(response: Any) -> Any:
    """The body as strict UTF-8 JSON (no lone surrogates, no NaN)."""
    text = response.content.decode("utf-8")  # raises on anything UTF-8 cannot encode
    return json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in {text}"))


# (method, path under the session, JSON text with a lone surrogate, the loc to report)
SURROGATES: list[tuple[str, str, str, list[Any]]] = [
    ("POST", "/api/sessions", r'{"dataset": "\ud800"}', ["body", "dataset"]),
    ("POST", "/api/sessions", r'{"features": ["x1", "\udfff"]}', ["body", "features", 1]),
    # A field name UTF-8 cannot carry: the loc is the object holding it.
    ("POST", "/api/sessions", r'{"\ud800": 1}', ["body"]),
    ("POST", "/api/sessions", r'{"points": {"x": [[0, 0]], "\udc00x": [0]}, "dataset": "custom"}',
     ["body", "points"]),
    ("PATCH", "{session}", r'{"optimizer": "adam\ud83d"}', ["body", "optimizer"]),
    ("POST", "{session}/train", r'{"epochs": "\ud800"}', ["body", "epochs"]),
    ("PUT", "{session}/model", r'{"format": "\ud800", "config": {}, "layers": []}',
     ["body", "format"]),
    ("POST", "/api/train", r'{"config": {"activation": "\ud800"}, "epochs": 1}',
     ["body", "config", "activation"]),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "loc"), SURROGATES)
def test_a_lone_surrogate_is_a_422_naming_the_field(
    client: TestClient,
    create_session: CreateSession,
    method: str,
    path: str,
    body: str,
    loc: list[Any],
) -> None:
    url = path.format(session=f"/api/sessions/{create_session()['id']}")
    response = send(client, method, url, body.encode())
    assert response.status_code == 422, response.text
    detail = strict_json(response)["detail"]
    found = [item for item in detail if item["loc"] == loc]
    assert found, (loc, detail)
    if found[0]["type"] == "string_unicode":
        assert found[0]["msg"].startswith("expected a valid Unicode string, got a lone surrogate")
        assert "input" not in found[0]  # not echoed: UTF-8 cannot carry it


def test_a_surrogate_sent_as_raw_bytes_is_named_too(client: TestClient) -> None:
    # b"\xed\xa0\x80" is U+D800 encoded as if UTF-8 allowed it; Python's JSON decoder lets it in.
    response = send(client, "POST", "/api/sessions", b'{"dataset": "\xed\xa0\x80"}')
    assert response.status_code == 422, response.text
    (item,) = strict_json(response)["detail"]
    assert item["loc"] == ["body", "dataset"]
    assert item["msg"] == "expected a valid Unicode string, got a lone surrogate (\\ud800)"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"epochs": "\xff"}', "body: expected UTF-8 text, got byte 0xff at position 12"),
        (b"[" * 100_000 + b"]" * 100_000, "body: expected JSON nested less deeply"),
        (b'{"epochs": ' + b"9" * 5000 + b"}", "body: expected integers of at most 4300 digits"),
    ],
)
def test_an_unreadable_body_is_a_400_that_says_why(
    client: TestClient, body: bytes, message: str
) -> None:
    response = send(client, "POST", "/api/train", body)
    assert response.status_code == 400, response.text
    assert strict_json(response)["detail"].startswith(message)
    assert "400" in client.get("/openapi.json").json()["paths"]["/api/train"]["post"]["responses"]


def test_a_whole_number_written_with_a_point_is_the_integer(client: TestClient) -> None:
    # JSON has one number type, and JSON Schema's "integer" includes 500.0.
    body = b'{"config": {"n_samples": 60.0, "hidden_layers": [3.0], "seed": 1.0}, "epochs": 2.0}'
    response = send(client, "POST", "/api/train", body)
    assert response.status_code == 200, response.text
    config = response.json()["config"]
    assert (config["n_samples"], config["hidden_layers"], config["seed"]) == (60, [3], 1)
    assert len(response.json()["history"]) == 2
    refused = send(client, "POST", "/api/train", b'{"epochs": 2.5}')
    assert refused.json()["detail"][0]["loc"] == ["body", "epochs"]
    # Labels keep their JSON type: 1.0 is a regression target, not class 1.
    custom = b'{"dataset": "custom", "points": {"x": [[0, 0], [1, 1]], "y": [0.0, 1.0]}}'
    created = send(client, "POST", "/api/sessions", custom)
    assert created.json()["config"]["problem"] == "regression"


def test_invalid_json_says_what_was_expected(client: TestClient) -> None:
    response = send(client, "POST", "/api/train", b'{"epochs": 1')
    assert response.status_code == 422
    (item,) = response.json()["detail"]
    assert item["loc"] == ["body", 12]
    assert item["msg"] == "expected a JSON document, got invalid JSON (expecting ',' delimiter)"


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_a_body_without_a_json_content_type_says_so(
    client: TestClient, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    response = client.post("/api/train", content=b'{"epochs": 1}', headers=headers)
    assert response.status_code == 415, response.text
    got = "none" if content_type is None else repr(content_type)
    assert response.json()["detail"] == f"Content-Type: expected application/json, got {got}"


def test_a_query_string_that_is_not_utf8_is_a_422_naming_the_parameter(
    client: TestClient, create_session: CreateSession
) -> None:
    url = f"/api/sessions/{create_session()['id']}/boundary?resolution=%ED%A0%80%FF"
    response = client.get(url)
    assert response.status_code == 422
    assert strict_json(response)["detail"][0]["loc"] == ["query", "resolution"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/sessions/abc", "GET, PATCH, DELETE"),
        ("OPTIONS", "/api/sessions/abc", "GET, PATCH, DELETE"),
        ("DELETE", "/api/sessions/abc/model", "GET, PUT"),
        ("GET", "/api/sessions", "POST"),
        ("PUT", "/api/health", "GET"),
        ("POST", "/openapi.json", "GET, HEAD"),
    ],
)
def test_a_405_allows_every_method_of_the_path(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == allowed
    assert response.json() == {"detail": "Method Not Allowed"}


def test_a_405_from_a_mounted_app_keeps_its_own_allow(client: TestClient) -> None:
    response = client.post("/docs-assets/swagger-ui.css")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_an_empty_session_id_addresses_no_operation(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    parameters = spec["paths"]["/api/sessions/{session_id}"]["get"]["parameters"]
    assert parameters[0]["schema"]["minLength"] == 1
