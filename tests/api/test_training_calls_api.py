"""Training calls: bounded in work and in wall time, and stopped when their client leaves.

The time bound and the client leaving are checked by what the answer and the counters say,
and by the server's CPU time against a real server process: never by how much training
fits in some time on this machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from server_process import ServerProcess, server_command

from app.config import Settings
from app.main import create_app

CreateSession = Callable[..., dict[str, Any]]

PATIENCE = 30.0  # seconds; only a broken implementation makes a test wait this long
# The largest network the default limits allow, with one big batch.
BIG = {"n_samples": 2000, "train_ratio": 1.0, "hidden_layers": [32] * 8, "batch_size": 2000}
# 100 epochs of 1000 updates of the largest network at batch size 1: seconds of training on
# any machine, far more than fits in the bounds the tests set.
LONG = {"n_samples": 2000, "train_ratio": 0.5, "hidden_layers": [32] * 8, "batch_size": 1}
LONG_CALL = {"epochs": 100}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
IDLE_WINDOW = 1.5  # seconds of the server's CPU time looked at once the client has left
NEAR_IDLE = 0.3  # of one core: a call training on would take all it is given
IDLE_CPU = 0.05  # of one core: what an idle server may cost (timers, a snapshot)


def trained_since(before: dict[str, Any], body: dict[str, Any]) -> dict[str, int]:
    """How far the counters grew from ``before`` to the answer's state."""
    after = body["state"]
    return {name: after[name] - before[name] for name in ("epoch", "iteration")}


def test_a_call_that_does_not_fit_in_its_time_answers_what_it_trained() -> None:
    with TestClient(create_app(Settings(max_call_seconds=0.2))) as client:
        created = client.post("/api/sessions", json=LONG).json()
        url = f"/api/sessions/{created['id']}/train"
        # One update always fits: a call trains at least one slice before it looks at time.
        first = client.post(url, json={"iterations": 1}).json()
        assert first["truncated"] is False
        assert first["trained"] == {"epochs": 0, "iterations": 1}
        assert trained_since(created["state"], first) == {"epoch": 0, "iteration": 1}
        response = client.post(url, json=LONG_CALL)
        assert response.status_code == 200, response.text
        body = response.json()
        stored = client.get(f"/api/sessions/{created['id']}").json()
    grown = trained_since(first["state"], body)
    assert body["truncated"] is True and grown["iteration"] > 0
    assert body["trained"] == {"epochs": grown["epoch"], "iterations": grown["iteration"]}
    assert body["trained"]["epochs"] < LONG_CALL["epochs"] and stored["state"] == body["state"]


def test_a_call_that_fits_trains_what_was_asked(
    client: TestClient, create_session: CreateSession
) -> None:
    created = create_session()
    url = f"/api/sessions/{created['id']}/train"
    per_epoch = created["state"]["iterations_per_epoch"]
    by_epoch = client.post(url, json={"epochs": 3}).json()
    assert by_epoch["truncated"] is False
    assert by_epoch["trained"] == {"epochs": 3, "iterations": 3 * per_epoch}
    by_iteration = client.post(url, json={"iterations": 7}).json()
    assert by_iteration["truncated"] is False
    assert by_iteration["trained"] == {"epochs": 0, "iterations": 7}
    assert trained_since(by_epoch["state"], by_iteration) == {"epoch": 0, "iteration": 7}


def test_a_call_that_diverges_stops_there_and_is_not_truncated(
    client: TestClient, create_session: CreateSession
) -> None:
    diverging = {"dataset": "plane", "learning_rate": 10.0, "activation": "relu",
                 "hidden_layers": [8, 8, 8], "batch_size": 1}  # fmt: skip
    created = create_session(**diverging)
    body = client.post(f"/api/sessions/{created['id']}/train", json={"epochs": 5}).json()
    assert body["state"]["status"] == "diverged" and body["truncated"] is False
    assert body["trained"]["epochs"] < 5
    assert body["trained"]["iterations"] == trained_since(created["state"], body)["iteration"]


# ---------------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with one engine worker: every session and call share it."""
    log = tmp_path_factory.mktemp("server") / "server.log"
    with ServerProcess(lambda port: server_command(port, "--workers", "1"), log) as running:
        yield running


def state_of(server: ServerProcess, session_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/api/sessions/{session_id}", timeout=PATIENCE)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["state"]
    return result


@contextlib.contextmanager
def long_call_under_way(server: ServerProcess) -> Iterator[tuple[socket.socket, str]]:
    """A new session and a long train call of it, sent on a bare socket whose answer is not
    read; yields once the call is training. Leaving closes the socket: the client leaves."""
    created = httpx.post(f"{server.base_url}/api/sessions", json=LONG, timeout=PATIENCE)
    session_id = created.json()["id"]
    body = json.dumps(LONG_CALL).encode()
    head = (
        f"POST /api/sessions/{session_id}/train HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=PATIENCE) as client:
        client.sendall(head.encode() + body)
        deadline = time.monotonic() + PATIENCE
        while state_of(server, session_id)["iteration"] == 0:
            assert time.monotonic() < deadline, "the long call never started training"
            time.sleep(0.01)
        yield client, session_id


def answered(client: socket.socket) -> bool:
    readable, _, _ = select.select([client], [], [], 0)
    return bool(readable)


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (the engine workers are grandchildren:
    the forkserver starts them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    tree = [root]
    for pid in tree:
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def cpu_seconds(root: int) -> float:
    """User and system CPU time of ``root`` and its descendants, in seconds."""
    ticks = 0
    for pid in process_tree(root):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / CLOCK_TICKS


def test_one_shot_training_takes_its_turn_beside_a_long_call(server: ServerProcess) -> None:
    with long_call_under_way(server) as (client, session_id):
        before = state_of(server, session_id)["iteration"]
        response = httpx.post(f"{server.base_url}/api/train", json={"epochs": 3}, timeout=PATIENCE)
        assert response.status_code == 200, response.text
        assert len(response.json()["history"]) == 3
        # The long call, in the same engine worker, went on and has not answered yet.
        assert state_of(server, session_id)["iteration"] > before and not answered(client)


def test_a_call_whose_client_leaves_stops_costing_cpu(server: ServerProcess) -> None:
    assert server.process is not None and server.log is not None
    pid = server.process.pid
    with long_call_under_way(server) as (_, session_id):
        started, cpu_at_start = time.monotonic(), cpu_seconds(pid)
        time.sleep(0.4)
        left, cpu_at_leaving = time.monotonic(), cpu_seconds(pid)
    time.sleep(IDLE_WINDOW)
    training = (cpu_at_leaving - cpu_at_start) / (left - started)
    after = (cpu_seconds(pid) - cpu_at_leaving) / (time.monotonic() - left)
    # Near idle, and far below what the call took, whatever share of a core it had here.
    print(f"server CPU: {training:.0%} of a core training, {after:.0%} once its client left")
    assert after < NEAR_IDLE and after < max(training / 3, IDLE_CPU)
    first = state_of(server, session_id)
    time.sleep(0.5)
    assert state_of(server, session_id)["iteration"] == first["iteration"]
    log = server.log.read_text()
    assert "Traceback" not in log, log  # a client that leaves is no error of the server's


# ---------------------------------------------------------------------- work per call


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


def test_the_work_budget_is_a_setting() -> None:
    with TestClient(create_app(Settings(max_work_per_call=10_000))) as client:
        # Two epochs of the default network: 2 x 25 iterations x 10 examples x 25 parameters.
        response = client.post("/api/train", json={"epochs": 2})
        assert response.status_code == 422
        assert response.json()["detail"][0]["msg"].startswith("expected at most 1 for")
        assert client.post("/api/train", json={"epochs": 1}).status_code == 200
