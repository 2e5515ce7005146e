"""REST fixtures: an in-process app with its own settings, driven by TestClient."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings, get_settings
from app.main import create_app

CreateSession = Callable[..., dict[str, Any]]
# TestClient's requests name the host "testserver": every ``Settings()`` built here answers it,
# module-level ones included, so it is set as this file is imported, before the test modules.
# Servers started by tests here inherit the one extra name; the code's defaults are unchanged.
os.environ["NNP_ALLOWED_HOSTS"] = "localhost,127.0.0.1,[::1],testserver"
get_settings.cache_clear()


@pytest.fixture
def settings() -> Settings:
    return Settings(max_sessions=20)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def create_session(client: TestClient) -> CreateSession:
    """POST /api/sessions with the given config fields; asserts 201 and returns the body."""

    def create(**config: Any) -> dict[str, Any]:
        response = client.post("/api/sessions", json=config)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return create
