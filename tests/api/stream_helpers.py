"""Helpers for the stream tests: an app, a client and the message round trips."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from app.config import Settings
from app.main import create_app

MAX_FRAMES = 400  # bound on every wait-for-a-frame loop


@pytest.fixture
def app() -> FastAPI:
    return create_app(Settings.model_validate({"max_fps": 60, "max_resolution": 128}))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def new_session(client: TestClient, **config: Any) -> str:
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    session_id: str = response.json()["id"]
    return session_id


def send(ws: WebSocketTestSession, message: dict[str, Any]) -> None:
    ws.send_text(json.dumps(message))


def receive(ws: WebSocketTestSession) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.receive_text())
    return message


def receive_frame(ws: WebSocketTestSession) -> tuple[dict[str, Any], bytes]:
    """The next frame (skipping config/stream replies); errors fail the test."""
    for _ in range(MAX_FRAMES):
        header = receive(ws)
        assert header["type"] != "error", header
        if header["type"] == "frame":
            return header, ws.receive_bytes()
    raise AssertionError("no frame arrived")


def request_frame(ws: WebSocketTestSession) -> tuple[dict[str, Any], bytes]:
    send(ws, {"type": "frame"})
    return receive_frame(ws)


def connect(client: TestClient, session_id: str) -> Any:
    return client.websocket_connect(f"/api/sessions/{session_id}/stream")
