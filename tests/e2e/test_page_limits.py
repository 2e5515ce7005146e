"""The page against a server at its stream limits: it says why it is waiting, keeps retrying
with backoff, and goes live once a stream slot is free."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import expect
from websockets.sync.client import ClientConnection, connect

if TYPE_CHECKING:
    from conftest import Playground, RestartableServer

MAX_STREAMS = 1
BUSY = f"The server is busy: too many streams: the server allows {MAX_STREAMS}"
# What Chromium itself logs while the server is down (the end of the test stops it).
OUTAGE_ERRORS = [
    re.compile(r"ERR_CONNECTION_REFUSED"),
    re.compile(r"WebSocket connection to .* failed"),
]


@pytest.fixture
def busy_server(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> RestartableServer:
    """A server of our own that holds one stream at most, server-wide."""
    monkeypatch.setenv("NNP_MAX_STREAMS", str(MAX_STREAMS))
    server: RestartableServer = request.getfixturevalue("restartable_server")
    return server


@pytest.fixture
def busy_playground(busy_server: RestartableServer, request: pytest.FixtureRequest) -> Playground:
    playground: Playground = request.getfixturevalue("own_playground")
    assert playground.base_url == busy_server.base_url
    return playground


@pytest.fixture
def held_stream(busy_server: RestartableServer) -> Iterator[ClientConnection]:
    """Another client's stream taking the server's only slot, until the test closes it."""
    session = httpx.post(f"{busy_server.base_url}/api/sessions", json={}, timeout=10.0)
    session.raise_for_status()
    url = busy_server.base_url.replace("http://", "ws://")
    with connect(f"{url}/api/sessions/{session.json()['id']}/stream", proxy=None) as ws:
        hello = ws.recv(timeout=10.0)
        assert isinstance(hello, str) and '"hello"' in hello  # the slot is taken
        yield ws


def test_refused_stream_shows_the_servers_reason_and_recovers(
    busy_playground: Playground, busy_server: RestartableServer, held_stream: ClientConnection
) -> None:
    page = busy_playground.page
    status = page.locator("#status")
    badge = page.locator("#connection")
    page.goto(f"{busy_playground.base_url}/?dataset=xor")

    expect(status).to_contain_text(BUSY)
    expect(status).to_contain_text(re.compile(r"— retrying in \d+ s…"))
    expect(badge).to_have_attribute("data-state", "lost")
    assert "Lost the connection" not in status.inner_text()
    # Refused sockets are opened and closed at once: the backoff still grows (1 s, 1 s, 2 s…).
    expect(status).to_have_text(f"{BUSY} — retrying in 2 s…", timeout=10_000)
    expect(badge).to_have_attribute("data-state", "lost")
    expect(page.locator("#test_loss")).to_have_text("—")
    busy_playground.screenshot("xor-server-busy.png")

    held_stream.close()
    expect(badge).to_have_attribute("data-state", "open", timeout=15_000)
    busy_playground.wait_live()
    expect(status).to_contain_text("Reconnected to the server.")
    assert busy_playground.server_config()["dataset"] == "xor"

    # A refused socket is closed cleanly (1013): Chromium logs nothing for it.
    assert busy_playground.errors == []

    # A server that goes away is waited for in its own words, not the busy server's.
    busy_playground.allowed.extend(OUTAGE_ERRORS)
    busy_server.stop()
    expect(status).to_contain_text("Server unavailable — reconnecting")
    expect(status).not_to_contain_text("busy")
