"""The session-creation limit in the whole app (``create_app``, engine workers running):
a burst of 3, then 429 with Retry-After, and the refused request creates nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_state import sessions_stored
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


@pytest.fixture
def client() -> Iterator[TestClient]:
    # a token every 1000 s: none comes back while the test runs
    settings = Settings(session_burst=3, session_rate=0.001, workers=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_three_sessions_then_429_and_nothing_created(client: TestClient) -> None:
    created = [client.post("/api/sessions", json={"dataset": "xor"}) for _ in range(3)]
    assert [response.status_code for response in created] == [201] * 3

    refused = client.post("/api/sessions", json={"dataset": "xor"})
    assert refused.status_code == 429, refused.text
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 1000
    assert refused.json() == {
        "detail": "too many sessions created from this address: at most 3 at once and "
        f"0.001 per second after; try again in {wait} s"
    }
    assert client.post("/api/sessions").status_code == 429  # a refusal spends nothing
    assert sessions_stored(client) == 3

    # Only creating is limited: the sessions made go on being used.
    session_id = created[0].json()["id"]
    trained = client.post(f"/api/sessions/{session_id}/train", json={"iterations": 2})
    assert trained.status_code == 200, trained.text
    assert client.get(f"/api/sessions/{session_id}").json()["state"]["iteration"] == 2
