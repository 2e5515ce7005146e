"""Streams share one worker: a heavy or locked session does not hold up the others."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stream_helpers import app, client, connect, new_session, receive, receive_frame, send

from app.api import stream_worker
from app.services import player as player_module
from app.services.player import Player

__all__ = ["app", "client"]  # fixtures

# An epoch of this session is 200 updates at batch size 1.
STEPPED = {"dataset": "spiral", "n_samples": 400, "batch_size": 1}
PLAYING = {"type": "stream", "fps": 60, "speed": 1, "resolution": 20}
PATIENCE = 30.0  # seconds; only a broken implementation makes a test wait this long


@pytest.fixture
def worker_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(session id, Player method) of every stream worker call, in the order they ran."""
    calls: list[tuple[str, str]] = []
    real_run_sync = stream_worker.run_sync

    async def logged_run_sync(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        player = getattr(function, "__self__", None)

        def logged(*inner: Any) -> Any:
            if isinstance(player, Player):
                calls.append((player.session.id, function.__name__))
            return function(*inner)

        return await real_run_sync(logged, *args, **kwargs)

    monkeypatch.setattr(stream_worker, "run_sync", logged_run_sync)
    return calls


class LockHolder:
    """Holds a session's lock from another thread (as a long REST call would)."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.holding = threading.Event()
        self.release = threading.Event()
        self.timed_out = False
        self.thread = threading.Thread(target=self.hold)

    def hold(self) -> None:
        with self.lock:
            self.holding.set()
            self.timed_out = not self.release.wait(PATIENCE)

    @property
    def still_holding(self) -> bool:
        return self.holding.is_set() and not self.release.is_set() and self.thread.is_alive()

    def start(self) -> LockHolder:
        self.thread.start()
        assert self.holding.wait(PATIENCE)
        return self

    def stop(self) -> None:
        self.release.set()
        self.thread.join(PATIENCE)


class HeldBack:
    """Holds a trainer back: between ``hold`` and ``release`` its ``train_iterations`` trains
    nothing, so a step of its session cannot end before the test lets it, however fast the
    machine. Records how many updates each call trained while released."""

    def __init__(self, trainer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.released = threading.Event()
        self.trained: list[int] = []
        train_iterations = trainer.train_iterations

        def held_back(count: int) -> None:
            if self.released.is_set():
                self.trained.append(count)
                train_iterations(count)

        monkeypatch.setattr(trainer, "train_iterations", held_back)

    def hold(self) -> None:
        self.released.clear()

    def release(self) -> None:
        self.released.set()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"waited {PATIENCE} s for {what}"
        time.sleep(0.001)


def calls_during_step(calls: list[tuple[str, str]], start: int, stepping: str, other: str) -> int:
    """How many of ``other``'s worker calls came after ``stepping``'s first continue_step
    at or after index ``start``."""
    for index in range(start, len(calls)):
        if calls[index] == (stepping, "continue_step"):
            return sum(sid == other for sid, _ in calls[index:])
    return 0


def play(ws: Any) -> Iterator[dict[str, Any]]:
    send(ws, PLAYING)
    receive_frame(ws)
    send(ws, {"type": "play"})
    while True:
        yield receive_frame(ws)[0]


def test_epoch_steps_are_sliced_and_other_sessions_frames_run_in_between(
    client: TestClient, worker_calls: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slices of no time: each worker call trains one update, on any machine.
    monkeypatch.setattr(player_module, "SLICE_SECONDS", 0.0)
    heavy, light = new_session(client, **STEPPED), new_session(client, dataset="xor")
    store = client.app.state.store  # type: ignore[attr-defined]
    held = HeldBack(store.get(heavy).trainer, monkeypatch)
    with connect(client, heavy) as hog, connect(client, light) as player:
        receive(hog)
        receive(player)
        frames = play(player)
        next(frames)

        def step_held_back() -> dict[str, Any]:
            """An epoch step of the hog, held back until the player had 3 frames during it:
            it cannot end before, so the frames came between its slices or not at all."""
            held.hold()
            begun = len(worker_calls)
            send(hog, {"type": "step", "unit": "epoch"})
            try:
                wait_until(
                    lambda: calls_during_step(worker_calls, begun, heavy, light) >= 3,
                    "the player's frames during the hog's step",
                )
            finally:
                held.release()
            return receive_frame(hog)[0]

        steps = [step_held_back(), step_held_back()]
        playing = next(frames)
        send(player, {"type": "pause"})
    first, second = (step["state"] for step in steps)
    assert (first["epoch"], first["iteration"]) == (1, 200)
    assert (second["epoch"], second["iteration"]) == (2, 400)
    assert playing["playing"] is True
    # Released, each epoch took 200 worker calls of one update: the stream went on calling
    # continue_step, and did not train an epoch in one call.
    assert held.trained == [1] * 400
    hog = [(i, name) for i, (sid, name) in enumerate(worker_calls) if sid == heavy]
    assert [name for _, name in hog if name != "continue_step"] == ["hello", "render", "render"]
    renders = [k for k, (_, name) in enumerate(hog) if name == "render"]
    for step in (hog[1 : renders[0]], hog[renders[0] + 1 : renders[1]]):
        during_step = worker_calls[step[0][0] : step[-1][0]]
        assert sum(sid == light for sid, _ in during_step) >= 3


def test_a_session_locked_elsewhere_does_not_stop_the_other_streams(
    client: TestClient, worker_calls: list[tuple[str, str]]
) -> None:
    locked, light = new_session(client, dataset="circles"), new_session(client, dataset="xor")
    session = client.app.state.store.get(locked)  # type: ignore[attr-defined]

    def tried() -> int:
        return sum(call == (locked, "continue_step") for call in worker_calls)

    with connect(client, locked) as waiting, connect(client, light) as player:
        receive(waiting)
        receive(player)
        frames = play(player)
        next(frames)
        holder = LockHolder(session.lock).start()
        try:
            send(waiting, {"type": "step", "unit": "epoch"})
            # A newcomer's hello needs the lock too (and counting its stream, the lock).
            newcomer = connect(client, locked)
            newcomer.__enter__()
            try:
                # The locked session's step is tried, refused and tried again, not waited
                # for in the worker: meanwhile the other stream's frames keep coming.
                wait_until(lambda: tried() >= 3, "the locked session's step to be retried")
                iterations = [next(frames)["state"]["iteration"] for _ in range(10)]
                retried_while_held = tried()
                assert holder.still_holding, "the other stream's frames waited for the lock"
                send(player, {"type": "pause"})
            finally:
                holder.stop()
                hello = receive(newcomer)
                newcomer.__exit__(None, None, None)
        finally:
            holder.stop()
        assert not holder.timed_out and hello["type"] == "hello"
        header, _ = receive_frame(waiting)
    assert header["state"]["epoch"] == 1
    assert iterations == sorted(iterations) and iterations[-1] - iterations[0] >= 9
    # Tried again and again while the lock was held, the step ended once it was free.
    assert retried_while_held >= 3 and tried() > retried_while_held
