"""Training calls: the session's lock is free between slices; work per call is bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from app.api.deps import get_settings
from app.config import Settings

CreateSession = Callable[..., dict[str, Any]]

# About a second of training here: long enough to be caught in the middle.
HEAVY = {"n_samples": 1000, "batch_size": 1, "hidden_layers": [16, 16, 16]}
HEAVY_EPOCHS = 8
# The largest network the default limits allow, with one big batch.
BIG = {"n_samples": 2000, "train_ratio": 1.0, "hidden_layers": [32] * 8, "batch_size": 2000}


class BackgroundCall:
    """An HTTP call made from another thread; ``response`` once ``join`` returns."""

    def __init__(self, call: Any) -> None:
        self.response: Any = None
        self.thread = threading.Thread(target=lambda: setattr(self, "response", call()))
        self.thread.start()

    def join(self) -> Any:
        self.thread.join(60)
        assert not self.thread.is_alive()
        return self.response


def start_heavy_training(
    client: TestClient, create_session: CreateSession
) -> tuple[Any, BackgroundCall]:
    """A session, and a POST training it for HEAVY_EPOCHS from another thread, under way."""
    session_id = create_session(**HEAVY)["id"]
    session = client.app.state.store.get(session_id)  # type: ignore[attr-defined]
    call = BackgroundCall(
        lambda: client.post(f"/api/sessions/{session_id}/train", json={"epochs": HEAVY_EPOCHS})
    )
    while session.trainer.iteration == 0:
        time.sleep(0.001)
    return session, call


def test_a_long_train_call_lets_a_waiting_thread_have_the_lock(
    client: TestClient, create_session: CreateSession
) -> None:
    session, call = start_heavy_training(client, create_session)
    with session.lock:  # as a stream's worker waiting for its turn
        epoch_seen = session.trainer.epoch
    response = call.join()
    assert response.status_code == 200, response.text
    assert response.json()["state"]["epoch"] == HEAVY_EPOCHS
    # Holding the lock for the whole call, the handler let nobody in before it had finished.
    assert epoch_seen < HEAVY_EPOCHS


def test_a_long_train_call_gives_a_thread_that_only_tries_the_lock_its_turn(
    client: TestClient, create_session: CreateSession
) -> None:
    session, call = start_heavy_training(client, create_session)
    turns = []
    while call.thread.is_alive() and len(turns) < 3:
        if session.lock.acquire(blocking=False):  # as the stream does, retrying every 5 ms
            turns.append(session.trainer.iteration)
            session.lock.release()
        time.sleep(0.005)
    response = call.join()
    assert response.status_code == 200
    assert len(turns) == 3 and turns[-1] < response.json()["state"]["iteration"]


def test_stateless_training_takes_no_shared_lock(
    client: TestClient, create_session: CreateSession
) -> None:
    session = client.app.state.store.get(create_session()["id"])  # type: ignore[attr-defined]
    store_lock = client.app.state.store._lock  # type: ignore[attr-defined]
    with session.lock, store_lock:
        call = BackgroundCall(lambda: client.post("/api/train", json={"epochs": 3}))
        call.thread.join(30)
        finished = not call.thread.is_alive()
    assert finished and call.join().status_code == 200


def test_work_per_call_is_bounded_by_multiply_adds(
    client: TestClient, create_session: CreateSession
) -> None:
    url = f"/api/sessions/{create_session(**BIG)['id']}/train"
    for body, field in [({"epochs": 1000}, "epochs"), ({"iterations": 67}, "iterations")]:
        response = client.post(url, json=body)
        assert response.status_code == 422, response.text
        error = response.json()["detail"][0]
        assert error["loc"] == ["body", field]
        assert error["msg"].startswith("expected at most 66 for this network")
        assert "max_work_per_call" in error["msg"]
    response = client.post("/api/train", json={"config": BIG, "epochs": 1000})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "epochs"]
    assert client.post(url, json={"iterations": 1}).json()["state"]["iteration"] == 1


def test_the_work_budget_is_a_setting(client: TestClient) -> None:
    client.app.dependency_overrides[get_settings] = lambda: Settings(  # type: ignore[attr-defined]
        max_work_per_call=10_000
    )
    try:
        # Two epochs of the default network: 2 x 25 iterations x 10 examples x 25 parameters.
        response = client.post("/api/train", json={"epochs": 2})
        assert response.status_code == 422
        assert response.json()["detail"][0]["msg"].startswith("expected at most 1 for")
        assert client.post("/api/train", json={"epochs": 1}).status_code == 200
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
