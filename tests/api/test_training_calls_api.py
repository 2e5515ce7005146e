"""Training calls: the session's lock is free between slices; work per call is bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.deps import get_settings
from app.config import Settings

CreateSession = Callable[..., dict[str, Any]]

EPOCHS = 8
PATIENCE = 30.0  # seconds; only a broken implementation makes a test wait this long
HELD_SLICE_SECONDS = 0.001
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


class HeldBack:
    """Holds a trainer back until ``release``: meanwhile each of its ``train_iterations``
    calls trains nothing, so a call training it cannot end before the test lets it, however
    fast the machine. Such a held slice keeps the CPU (and the GIL) busy for
    HELD_SLICE_SECONDS, as training does; with ``until_refused`` it lasts until ``refused``
    is set instead (by a thread that tried the lock during it)."""

    def __init__(
        self, trainer: Any, monkeypatch: pytest.MonkeyPatch, *, until_refused: bool = False
    ) -> None:
        self.released = threading.Event()
        self.refused = threading.Event()
        self.training = threading.Event()  # set once a call has begun training
        train_iterations = trainer.train_iterations

        def held_back(count: int) -> None:
            self.training.set()
            if self.released.is_set():
                train_iterations(count)
            elif until_refused:
                self.refused.clear()
                self.refused.wait(PATIENCE)
            else:
                end = time.perf_counter() + HELD_SLICE_SECONDS
                while time.perf_counter() < end:
                    pass

        monkeypatch.setattr(trainer, "train_iterations", held_back)

    def release(self) -> None:
        self.released.set()
        self.refused.set()


def start_held_training(
    client: TestClient,
    create_session: CreateSession,
    monkeypatch: pytest.MonkeyPatch,
    *,
    until_refused: bool = False,
) -> tuple[Any, BackgroundCall, HeldBack]:
    """A session, and a POST training it for EPOCHS from another thread, under way and
    held back (see HeldBack) until the test releases it."""
    session_id = create_session()["id"]
    session = client.app.state.store.get(session_id)  # type: ignore[attr-defined]
    held = HeldBack(session.trainer, monkeypatch, until_refused=until_refused)
    call = BackgroundCall(
        lambda: client.post(f"/api/sessions/{session_id}/train", json={"epochs": EPOCHS})
    )
    assert held.training.wait(PATIENCE), "the train call did not start training"
    return session, call, held


def test_a_long_train_call_lets_a_waiting_thread_have_the_lock(
    client: TestClient, create_session: CreateSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, call, held = start_held_training(client, create_session, monkeypatch)
    try:
        # As a stream's worker waiting for its turn: the call cannot end before this.
        got_it = session.lock.acquire(timeout=PATIENCE)
        under_way = call.thread.is_alive()
        if got_it:
            session.lock.release()
    finally:
        held.release()
    response = call.join()
    # Holding the lock for the whole call, the handler would have let nobody in.
    assert got_it and under_way, "a waiting thread never had the lock during the call"
    assert response.status_code == 200, response.text
    assert response.json()["state"]["epoch"] == EPOCHS


def test_a_long_train_call_gives_a_thread_that_only_tries_the_lock_its_turn(
    client: TestClient, create_session: CreateSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each held slice lasts until this thread has been refused during it, so a try never
    # finds the lock free by luck: only the handler waiting for it after such a slice lets
    # it in (its courtesy).
    session, call, held = start_held_training(
        client, create_session, monkeypatch, until_refused=True
    )
    turns, tries = 0, 0
    deadline = time.monotonic() + PATIENCE
    try:
        while turns < 3 and time.monotonic() < deadline:
            tries += 1
            if session.lock.acquire(blocking=False):  # as the stream does, retrying every 5 ms
                turns += 1
                session.lock.release()
            else:
                held.refused.set()
            time.sleep(0.005)
        under_way = call.thread.is_alive()
    finally:
        held.release()
    response = call.join()
    assert turns == 3 and under_way, f"{turns} turns of 3 in {tries} tries during the call"
    assert response.status_code == 200
    assert response.json()["state"]["epoch"] == EPOCHS


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
