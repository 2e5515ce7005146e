"""Nothing for strangers: other web pages, unknown host names and whole session ids in logs.

In-process checks with TestClient (its host is "testserver", allowed by conftest.py), then a
real server process for what only it shows: the handshake's HTTP refusal and its access log.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from app_state import sessions_stored
from fastapi.testclient import TestClient
from server_process import ServerProcess, server_command
from starlette.testclient import WebSocketDenialResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from app.config import LOCAL_HOSTS, Settings
from app.main import create_app

FOREIGN = "http://evil.example"
DEADLINE = 120.0


def stream(session_id: str) -> str:
    return f"/api/sessions/{session_id}/stream"


def first_message(client: TestClient, session_id: str, **headers: str) -> str:
    """The type of the stream's first message (``hello`` once the handshake is accepted)."""
    with client.websocket_connect(stream(session_id), headers=headers) as ws:
        return str(ws.receive_json()["type"])


def test_a_foreign_origin_is_refused_with_a_reason_naming_it(client: TestClient) -> None:
    session_id = client.post("/api/sessions").json()["id"]
    with pytest.raises(WebSocketDenialResponse) as refused:
        first_message(client, session_id, origin=FOREIGN)
    assert refused.value.status_code == 403
    detail = refused.value.json()["detail"]
    assert detail == (
        "Origin: expected http://testserver or one of the server's allowed_origins "
        f"(NNP_ALLOWED_ORIGINS), got '{FOREIGN}'"
    )


@pytest.mark.parametrize("origin", [None, "http://testserver", "HTTP://TestServer:80"])
def test_the_own_origin_and_no_origin_are_accepted(client: TestClient, origin: str | None) -> None:
    session_id = client.post("/api/sessions").json()["id"]
    headers = {} if origin is None else {"origin": origin}
    assert first_message(client, session_id, **headers) == "hello"


def test_an_allowed_origin_is_accepted() -> None:
    settings = Settings(allowed_origins="https://class.example.org, http://other:9000")
    with TestClient(create_app(settings)) as client:
        session_id = client.post("/api/sessions").json()["id"]
        assert first_message(client, session_id, origin="http://other:9000") == "hello"
        with pytest.raises(WebSocketDenialResponse):
            first_message(client, session_id, origin="http://other:9001")


def test_the_default_hosts_are_this_machines_names() -> None:
    assert Settings.model_fields["allowed_hosts"].default == list(LOCAL_HOSTS)
    assert Settings.model_fields["allowed_origins"].default == []


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.2"])
def test_an_unknown_host_is_a_400_that_says_what_was_expected(
    client: TestClient, host: str
) -> None:
    response = client.get("/api/health", headers={"host": host})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("Host: expected one of localhost, 127.0.0.1, [::1], testserver")
    assert detail.endswith(f"(the server's allowed_hosts, NNP_ALLOWED_HOSTS), got '{host}'")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_bound_host_and_wildcard_domains_are_answered() -> None:
    settings = Settings(host="class.example.org", allowed_hosts="*.school.example")
    with TestClient(create_app(settings)) as client:
        for host in ("class.example.org:8000", "a.school.example", "b.a.school.example:80"):
            assert client.get("/api/health", headers={"host": host}).status_code == 200, host
        for host in ("school.example", "localhost", "testserver"):
            assert client.get("/api/health", headers={"host": host}).status_code == 400, host
    with TestClient(create_app(Settings(allowed_hosts="*"))) as client:
        assert client.get("/api/health", headers={"host": "any.name"}).status_code == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_body_a_foreign_page_could_send_is_a_415_and_creates_nothing(
    client: TestClient, content_type: str
) -> None:
    response = client.post(
        "/api/sessions", content=b'{"dataset": "xor"}', headers={"content-type": content_type}
    )
    assert response.status_code == 415
    assert response.json()["detail"] == (
        f"Content-Type: expected application/json, got '{content_type}'"
    )
    assert sessions_stored(client) == 0


def test_bodyless_and_json_requests_keep_working(client: TestClient) -> None:
    created = client.post("/api/sessions", json={"dataset": "xor"})
    assert created.status_code == 201
    session_id = created.json()["id"]
    # What a form's empty POST or a page's bodyless fetch sends: a type, no body.
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert client.post(f"/api/sessions/{session_id}/reset", headers=form).status_code == 200
    vendor_json = {"content-type": "application/merge-patch+json; charset=utf-8"}
    patched = client.patch(
        f"/api/sessions/{session_id}", content=b'{"learning_rate": 0.1}', headers=vendor_json
    )
    assert patched.status_code == 200, patched.text
    assert client.delete(f"/api/sessions/{session_id}").status_code == 204


def test_415_is_documented_on_every_state_changing_operation(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert ("415" in operation["responses"]) == (method != "get"), (method, path)


@pytest.mark.parametrize(
    "path", ["/", "/api/health", "/static/js/main.js", "/api/sessions/gone", "/openapi.json"]
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy
    directives = ("default-src 'self'", "connect-src 'self'", "worker-src 'self' blob:",
                  "object-src 'none'", "base-uri 'self'", "frame-ancestors 'self'")  # fmt: skip
    for directive in directives:
        assert directive in policy, directive
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_frame_ancestors_is_a_setting() -> None:
    settings = Settings(frame_ancestors="'self' https://lms.example.org")
    with TestClient(create_app(settings)) as client:
        policy = client.get("/").headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self' https://lms.example.org")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_admit_only_their_own_inline_scripts(client: TestClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    scripts = re.search(r"script-src ([^;]*)", policy)
    assert scripts is not None and "unsafe" not in scripts.group(1)
    inline = len(re.findall(r"<script>", response.text))
    assert scripts.group(1).count("'sha256-") == inline


def test_a_real_server_refuses_a_foreign_handshake_and_logs_no_whole_session_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NNP_ALLOWED_HOSTS")  # the server's own defaults
    log = tmp_path / "server.log"
    with ServerProcess(lambda port: server_command(port, "--log-level", "info"), log) as server:
        base = server.base_url
        session_id = httpx.post(f"{base}/api/sessions", json={}).json()["id"]
        assert httpx.post(f"{base}/api/sessions/{session_id}/train", json={"epochs": 1}).is_success
        ws_url = base.replace("http", "ws", 1) + stream(session_id)
        with pytest.raises(InvalidStatus) as refused:
            connect(ws_url, origin=FOREIGN, open_timeout=DEADLINE)  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403
        assert FOREIGN.encode() in refused.value.response.body
        with connect(ws_url, origin=base, open_timeout=DEADLINE) as ws:  # type: ignore[arg-type]
            assert '"hello"' in str(ws.recv(timeout=DEADLINE))
        other_host = httpx.get(f"{base}/api/health", headers={"host": "evil.example"})
        assert other_host.status_code == 400
    text = log.read_text(errors="replace")
    assert f"/api/sessions/{session_id[:8]}…/train" in text
    assert f"/api/sessions/{session_id[:8]}…/stream" in text
    assert session_id not in text


def test_the_apps_own_info_messages_reach_the_console(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    flags = ("--log-level", "info", "--session-idle-seconds", "0.5",
             "--expiry-interval-seconds", "0.2")  # fmt: skip
    with ServerProcess(lambda port: server_command(port, *flags), log) as server:
        assert httpx.post(f"{server.base_url}/api/sessions", json={}).status_code == 201
        deadline = time.monotonic() + DEADLINE
        while "moved 1 idle session(s) to the store" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
