"""Streams share one worker: a heavy or locked session does not hold up the others."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stream_helpers import app, client, connect, new_session, receive, receive_frame, send

from app.api import stream_worker
from app.services.player import Player

__all__ = ["app", "client"]  # fixtures

# An epoch of this session is 1000 updates of an 8x32 network at batch size 1.
HEAVY = {"dataset": "spiral", "n_samples": 2000, "batch_size": 1, "hidden_layers": [32] * 8}
PLAYING = {"type": "stream", "fps": 60, "speed": 1, "resolution": 20}


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
            self.timed_out = not self.release.wait(10)

    @property
    def still_holding(self) -> bool:
        return self.holding.is_set() and not self.release.is_set() and self.thread.is_alive()

    def start(self) -> LockHolder:
        self.thread.start()
        assert self.holding.wait(10)
        return self

    def stop(self) -> None:
        self.release.set()
        self.thread.join(10)


def play(ws: Any) -> Iterator[dict[str, Any]]:
    send(ws, PLAYING)
    receive_frame(ws)
    send(ws, {"type": "play"})
    while True:
        yield receive_frame(ws)[0]


def test_epoch_steps_are_sliced_and_other_sessions_frames_run_in_between(
    client: TestClient, worker_calls: list[tuple[str, str]]
) -> None:
    heavy, light = new_session(client, **HEAVY), new_session(client, dataset="xor")
    with connect(client, heavy) as hog, connect(client, light) as player:
        receive(hog)
        receive(player)
        frames = play(player)
        next(frames)
        send(hog, {"type": "step", "unit": "epoch"})
        first, _ = receive_frame(hog)
        send(hog, {"type": "step", "unit": "epoch"})
        second, _ = receive_frame(hog)
        playing = next(frames)
        send(player, {"type": "pause"})
    assert (first["state"]["epoch"], first["state"]["iteration"]) == (1, 1000)
    assert (second["state"]["epoch"], second["state"]["iteration"]) == (2, 2000)
    assert playing["playing"] is True
    # While the hog's epoch steps ran, slice after slice, the player's frames were rendered
    # between its slices: the worker never stayed with the hog for a whole epoch.
    hog = [(i, name) for i, (sid, name) in enumerate(worker_calls) if sid == heavy]
    assert [name for _, name in hog if name != "continue_step"] == ["hello", "render", "render"]
    renders = [k for k, (_, name) in enumerate(hog) if name == "render"]
    for step in (hog[1 : renders[0]], hog[renders[0] + 1 : renders[1]]):
        assert len(step) > 10  # many slices per epoch
        during = worker_calls[step[0][0] : step[-1][0]]
        assert sum(sid == light for sid, _ in during) >= 2


def test_a_session_locked_elsewhere_does_not_stop_the_other_streams(
    client: TestClient, worker_calls: list[tuple[str, str]]
) -> None:
    locked, light = new_session(client, dataset="circles"), new_session(client, dataset="xor")
    session = client.app.state.store.get(locked)  # type: ignore[attr-defined]
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
                iterations = [next(frames)["state"]["iteration"] for _ in range(10)]
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
    # The locked session's turns were tried and given back, not waited for in the worker.
    assert any(sid == locked and name == "continue_step" for sid, name in worker_calls)
