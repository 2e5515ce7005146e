"""Several engine workers behind one front, through a real server process.

A session lives in the one worker its id hashes to (``app/workers/pool.py``): every call and
every stream of it must reach that worker, on any connection, and a worker that dies must
cost only its own sessions' work under way, never a session.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fresh_loop import run_fresh
from server_process import ServerProcess, server_command
from server_tree import (
    DEADLINE,
    HTTP,
    alive,
    create,
    engine_workers,
    frame_where,
    metric,
    model_and_state,
    next_frame,
    stream,
    wait_for,
)

from app.workers.pool import owner_index

WORKERS = 2
SESSIONS_PER_WORKER = 5


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    def command(port: int) -> list[str]:
        return server_command(
            port,
            "--workers", str(WORKERS),
            # a training call that no machine finishes while a test waits on it
            "--max-iterations-per-call", "100000000",
            "--max-work-per-call", str(10**15),
            "--max-call-seconds", "3600",
            # no snapshot while a session trains: the store holds what the last call left
            "--snapshot-seconds", "3600",
        )  # fmt: skip

    with ServerProcess(command, tmp_path / "server.log", tmp_path / "data") as running:
        yield running


def sessions_on_every_worker(base_url: str, per_worker: int) -> dict[int, list[str]]:
    """Create sessions until each worker owns ``per_worker`` of them (ids are random)."""
    owned: dict[int, list[str]] = {index: [] for index in range(WORKERS)}
    for _ in range(50 * per_worker):
        if all(len(ids) >= per_worker for ids in owned.values()):
            return owned
        session_id = create(base_url, dataset="xor", seed=7)["id"]
        index = owner_index(session_id, WORKERS)
        if len(owned[index]) < per_worker:
            owned[index].append(session_id)
        else:
            HTTP.delete(f"{base_url}/api/sessions/{session_id}")
    raise AssertionError(f"no {per_worker} sessions on each worker: {owned}")


def test_calls_and_streams_on_fresh_connections_reach_the_owner(server: ServerProcess) -> None:
    """100 REST calls, each on a connection of its own, and 20 streams over 10 sessions split
    between two workers: never a 404 or a 4404, every answer about its own session, and
    every training call counted once by the session it was for."""
    base = server.base_url
    owned = sessions_on_every_worker(base, SESSIONS_PER_WORKER)
    sessions = [session_id for ids in owned.values() for session_id in ids]
    assert metric(base, "nnp_worker_sessions") == {"0": 5.0, "1": 5.0}

    def call(number: int) -> tuple[str, str]:
        session_id = sessions[number % len(sessions)]
        url = f"{base}/api/sessions/{session_id}"
        kind = ("get", "patch", "train")[number % 3]
        if kind == "get":
            response = HTTP.get(url)
        elif kind == "patch":
            rate = 0.01 + number / 1000
            response = HTTP.patch(url, json={"learning_rate": rate})
            assert response.status_code == 200, response.text
            assert response.json()["config"]["learning_rate"] == rate
        else:
            response = HTTP.post(f"{url}/train", json={"iterations": 1})
        assert response.status_code == 200, (kind, response.text)
        assert response.json()["id"] == session_id
        return session_id, kind

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(call, range(100)))
    trains = Counter(session_id for session_id, kind in done if kind == "train")

    for number in range(20):
        session_id = sessions[number % len(sessions)]
        with stream(base, session_id) as ws:  # its hello is this session's (checked there)
            ws.send_json({"type": "frame"})
            assert next_frame(ws)["state"]["iteration"] == trains[session_id]

    for session_id in sessions:
        state = HTTP.get(f"{base}/api/sessions/{session_id}").json()["state"]
        assert state["iteration"] == trains[session_id]


async def trained_past(http: httpx.AsyncClient, session_id: str, iteration: int) -> None:
    """Return once the session's state shows a training call at work on it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while loop.time() < deadline:
        state = (await http.get(f"/api/sessions/{session_id}")).json()["state"]
        if state["iteration"] > iteration:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"session {session_id[:8]} did not start training")


def test_a_killed_worker_is_started_again_and_its_sessions_come_back(
    server: ServerProcess,
) -> None:
    """kill -9 one of two engine workers while each trains a session in a call that would
    run for hours: the dead worker's call answers 503 at once and its stream closes with
    1011; the other worker's call and stream go on. The front starts the worker again, and
    its session answers from its last snapshot, weights and all."""
    base = server.base_url
    owned = sessions_on_every_worker(base, 1)
    sessions = [owned[0][0], owned[1][0]]
    before = {}
    for session_id in sessions:
        trained = HTTP.post(f"{base}/api/sessions/{session_id}/train", json={"iterations": 25})
        assert trained.status_code == 200, trained.text
        before[session_id] = model_and_state(base, session_id)  # as the store now holds it
    streams = {session_id: stream(base, session_id) for session_id in sessions}
    workers = engine_workers(server)
    assert len(workers) == WORKERS, workers
    victim = workers[0]

    async def kill_while_training() -> tuple[str, httpx.Response]:
        async with httpx.AsyncClient(base_url=base, timeout=DEADLINE, trust_env=False) as http:
            calls = {
                asyncio.create_task(
                    http.post(f"/api/sessions/{session_id}/train", json={"iterations": 10**8})
                ): session_id
                for session_id in sessions
            }
            for session_id in sessions:
                await trained_past(http, session_id, 25)
            os.kill(victim, signal.SIGKILL)
            done, waiting = await asyncio.wait(
                calls, timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED
            )
            assert len(done) == 1, "a call of the dead worker hangs"
            assert len(waiting) == 1, "the other worker's call stopped too"
            (answered,) = done
            (still_training,) = waiting
            still_training.cancel()  # the client leaves: the surviving worker stops
            return calls[answered], answered.result()

    lost, answer = run_fresh(kill_while_training())
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "1"
    assert "retry" in answer.json()["detail"]
    kept = next(session_id for session_id in sessions if session_id != lost)

    # Only the dead worker's stream ends; the other still answers.
    assert streams[lost].read_until_closed(DEADLINE) == "close 1011"
    streams[kept].send_json({"type": "frame"})
    assert frame_where(streams[kept], lambda header: header["state"]["iteration"] > 25)
    for ws in streams.values():
        ws.close()

    def restarted() -> list[int] | None:
        now = engine_workers(server)
        return now if len(now) == WORKERS and victim not in now else None

    replaced = wait_for(restarted, "the front to start the engine worker again")
    assert not alive(victim) and workers[1] in replaced

    def answered() -> httpx.Response | None:
        response = HTTP.get(f"{base}/api/sessions/{lost}")
        assert response.status_code in (200, 503), response.text  # 503: still starting
        return response if response.status_code == 200 else None

    wait_for(answered, "the restarted worker to answer")
    assert model_and_state(base, lost) == before[lost]
    with stream(base, lost) as ws:
        ws.send_json({"type": "frame"})
        assert next_frame(ws)["state"] == before[lost][1]
    assert metric(base, "nnp_worker_sessions") == {"0": 1.0, "1": 1.0}


def test_new_sessions_are_shared_out_evenly_between_the_workers(server: ServerProcess) -> None:
    """The server draws each new id for the worker it has placed fewest sessions with, so a
    class starting at once loads every worker the same (ids left to chance would not)."""
    owners = [owner_index(create(server.base_url, dataset="xor")["id"], WORKERS) for _ in range(20)]
    assert sorted(owners.count(index) for index in range(WORKERS)) == [10] * WORKERS
