"""The API documentation pages load everything from this server (they must work offline)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import examples
from app.main import create_app
from app.schemas import ModelDocument, SessionOut, SessionUpdated, StatelessTrainOut


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_reference_only_local_assets(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert sources, html
    for source in sources:
        assert not source.startswith(("http:", "https:", "//")), source
        assert client.get(source).status_code == 200, source


def test_every_request_body_has_examples_that_the_endpoint_accepts(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    session_id = client.post("/api/sessions").json()["id"]
    room = client.post("/api/rooms").json()
    teacher = {"Authorization": f"Bearer {room['teacher_key']}"}
    bodies = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            bodies += 1
            examples = operation["requestBody"]["content"]["application/json"]["examples"]
            assert examples, (method, path)
            for name, example in examples.items():
                assert example["summary"], (path, name)
                url = path.replace("{session_id}", session_id).replace("{code}", room["code"])
                response = client.request(method, url, json=example["value"], headers=teacher)
                assert response.status_code < 300, (method, path, name, response.text)
    # create, patch, train, predict, put model, stateless train, sweep; a room, join, preset,
    # the room's options, the room's rules
    assert bodies == 12


def test_main_responses_have_examples(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method, status in [
        ("/api/health", "get", "200"),
        ("/api/sessions", "post", "201"),
        ("/api/sessions/{session_id}", "get", "200"),
        ("/api/sessions/{session_id}/train", "post", "200"),
        ("/api/sessions/{session_id}/model", "get", "200"),
        ("/api/sessions/{session_id}/model", "put", "200"),
        ("/api/train", "post", "200"),
    ]:
        content = paths[path][method]["responses"][status]["content"]["application/json"]
        assert content["example"], (path, method)


def test_response_examples_are_valid_responses() -> None:
    SessionOut.model_validate(examples.SESSION)
    SessionUpdated.model_validate({**examples.SESSION, "rebuilt": False})
    ModelDocument.model_validate(examples.MODEL_DOCUMENT)
    StatelessTrainOut.model_validate(examples.TRAIN_ONCE_RESULT)
