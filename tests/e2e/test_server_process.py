"""REST and the live stream over the network, against a real uvicorn process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

RECEIVE_TIMEOUT = 10.0


def ws_url(base_url: str, session_id: str) -> str:
    return base_url.replace("http://", "ws://") + f"/api/sessions/{session_id}/stream"


def open_stream(base_url: str, session_id: str) -> ClientConnection:
    return connect(ws_url(base_url, session_id), proxy=None, open_timeout=RECEIVE_TIMEOUT)


def receive_json(ws: ClientConnection) -> dict[str, Any]:
    message = ws.recv(timeout=RECEIVE_TIMEOUT)
    assert isinstance(message, str), "expected a text message"
    data: dict[str, Any] = json.loads(message)
    return data


def receive_frame(ws: ClientConnection) -> tuple[dict[str, Any], bytes]:
    """Skip text replies up to the next frame; return its header and binary message."""
    while True:
        header = receive_json(ws)
        if header["type"] == "frame":
            payload = ws.recv(timeout=RECEIVE_TIMEOUT)
            assert isinstance(payload, bytes)
            return header, payload
        assert header["type"] != "error", header


def request_frame(ws: ClientConnection) -> tuple[dict[str, Any], bytes]:
    ws.send(json.dumps({"type": "frame"}))
    return receive_frame(ws)


@pytest.fixture
def client(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=RECEIVE_TIMEOUT) as http:
        yield http


@pytest.fixture
def session_id(client: httpx.Client) -> Iterator[str]:
    response = client.post("/api/sessions", json={"dataset": "xor", "seed": 3})
    assert response.status_code == 201, response.text
    identifier: str = response.json()["id"]
    yield identifier
    client.delete(f"/api/sessions/{identifier}")


def test_rest_round_trip(client: httpx.Client, session_id: str) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    trained = client.post(f"/api/sessions/{session_id}/train", json={"iterations": 7})
    assert trained.status_code == 200, trained.text
    assert trained.json()["state"]["iteration"] == 7
    assert client.get("/api/sessions/nope").status_code == 404


def test_stream_plays_over_the_network_without_deflate(
    client: httpx.Client, live_server: str, session_id: str
) -> None:
    with open_stream(live_server, session_id) as ws:
        # The client offers permessage-deflate; the server must decline it.
        assert ws.response is not None
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        hello = receive_json(ws)
        assert hello["type"] == "hello" and hello["id"] == session_id
        assert hello["config"]["dataset"] == "xor"

        ws.send(json.dumps({"type": "stream", "fps": 60, "speed": 5, "resolution": 40}))
        assert receive_json(ws) == {
            "type": "stream", "fps": 60, "speed": 5, "speed_unit": "iteration", "resolution": 40,
            "thumbnail_resolution": 24,
        }  # fmt: skip
        header, payload = receive_frame(ws)
        assert len(payload) == header["byte_length"]
        assert header["grids"][0]["shape"] == [40, 40]

        ws.send(json.dumps({"type": "play"}))
        iterations = [receive_frame(ws)[0]["state"]["iteration"] for _ in range(8)]
        assert iterations == sorted(iterations) and iterations[-1] > iterations[0]
        assert all(b - a == 5 for a, b in zip(iterations, iterations[1:], strict=False))

        ws.send(json.dumps({"type": "pause"}))
        header, _ = receive_frame(ws)
        while header["playing"]:
            header, _ = receive_frame(ws)
        paused_at = header["state"]["iteration"]

        # The REST view of the same session agrees with the stream.
        state = client.get(f"/api/sessions/{session_id}").json()["state"]
        assert state["iteration"] == paused_at

        boundary = client.get(f"/api/sessions/{session_id}/boundary", params={"resolution": 40})
        ws.send(json.dumps({"type": "frame"}))
        header, payload = receive_frame(ws)
        grid = np.frombuffer(payload, np.uint8, 1600).reshape(40, 40) / 255.0
        assert np.abs(grid - np.array(boundary.json()["values"])).max() <= 1 / 510 + 1e-6


def test_stream_of_unknown_or_deleted_session_closes_with_4404(
    client: httpx.Client, live_server: str, session_id: str
) -> None:
    with open_stream(live_server, "no-such-session") as ws, pytest.raises(ConnectionClosed):
        ws.recv(timeout=RECEIVE_TIMEOUT)
    assert ws.close_code == 4404

    with open_stream(live_server, session_id) as ws:
        assert receive_json(ws)["type"] == "hello"
        assert client.delete(f"/api/sessions/{session_id}").status_code == 204
        with pytest.raises(ConnectionClosed):  # closed at once, nothing asked
            receive_frame(ws)
    assert ws.close_code == 4404


def test_bad_messages_over_the_network_keep_the_stream_alive(
    live_server: str, session_id: str
) -> None:
    with open_stream(live_server, session_id) as ws:
        receive_json(ws)
        for bad in ["{", "[]", '{"type": "fly"}', '{"type": "step", "unit": 3}']:
            ws.send(bad)
            assert receive_json(ws)["type"] == "error"
        ws.send(b"\x00\x01")
        assert receive_json(ws)["type"] == "error"
        ws.send(json.dumps({"type": "step"}))
        header, _ = receive_frame(ws)
        assert header["state"]["iteration"] == 1


def test_example_client_prints_one_line_per_frame(live_server: str) -> None:
    script = Path(__file__).resolve().parents[2] / "examples" / "stream_client.py"
    command = [sys.executable, str(script), "--url", live_server, "--frames", "4", "--speed", "3"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("frame")]
    assert len(lines) == 4
    iterations = [int(line.split("iteration")[1].split()[0]) for line in lines]
    # The first frame may answer the stream settings before play starts (iteration 0).
    assert iterations[0] in (0, 3) and np.diff(iterations).tolist() == [3, 3, 3]
    assert all(int(line.rsplit("bytes", 1)[1]) > 0 for line in lines)


def test_the_console_command_serves_the_stream_without_deflate(
    serve: Callable[[Callable[[int], list[str]]], AbstractContextManager[str]],
) -> None:
    def cli(port: int) -> list[str]:
        return [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning"]  # fmt: skip

    with serve(cli) as base_url:
        session = httpx.post(f"{base_url}/api/sessions", json={}, timeout=RECEIVE_TIMEOUT)
        with open_stream(base_url, session.json()["id"]) as ws:
            assert ws.response is not None
            assert "Sec-WebSocket-Extensions" not in ws.response.headers
            assert receive_json(ws)["type"] == "hello"
            header, payload = request_frame(ws)
            assert len(payload) == header["byte_length"]
