"""A real server's processes, store and counters, as the durability tests read them.

- Processes, from ``/proc`` (Linux): the front (the command's pid) starts a forkserver and a
  resource tracker, and the forkserver forks the engine workers, so the workers are the
  front's grandchildren. ``in_own_group`` starts a command in a process group of its own
  (``setsid``), so that ``kill_group`` can SIGKILL front and workers in one system call, as
  a crash or ``kill -9 -PGID`` would.
- The store: a session's last snapshot as the server wrote it (``data_dir``), read directly.
- ``/metrics``: one metric's samples by worker, and a stream's next frame.

Every wait is a loop on a condition under a generous deadline (``DEADLINE``), never a sleep
that a slow machine could outrun.
"""

from __future__ import annotations

import json
import os
import signal
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families
from raw_websocket import RawWebSocket
from server_process import ServerProcess

from app.services.durable import SqliteSnapshotStore

T = TypeVar("T")
DEADLINE = 120.0  # seconds; only a broken server makes a test wait this long
POLL_SECONDS = 0.02
# One client for every request (making one costs ~0.1 s), with no connection kept: each
# request goes on a connection of its own, as from a new client.
HTTP = httpx.Client(
    timeout=DEADLINE, trust_env=False, limits=httpx.Limits(max_keepalive_connections=0)
)


def wait_for(condition: Callable[[], T | None], what: str, seconds: float = DEADLINE) -> T:
    """``condition()``'s first value that is not None (or False), polled until ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}")
        time.sleep(POLL_SECONDS)


# ---------------------------------------------------------------------- processes
def in_own_group(command_for_port: Callable[[int], list[str]]) -> Callable[[int], list[str]]:
    """The same command in a session and process group of its own. ``setsid`` execs the
    command in place (a child of ours is no group leader), so the pid stays the server's."""
    return lambda port: ["setsid", *command_for_port(port)]


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of a process; None once it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
    return fields[0], int(fields[1]), int(fields[2])


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie has ended


def _processes() -> dict[int, tuple[str, int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None and stat[0] != "Z":
            found[int(entry)] = stat
    return found


def children(pid: int) -> list[int]:
    return sorted(child for child, stat in _processes().items() if stat[1] == pid)


def engine_workers(server: ServerProcess) -> list[int]:
    """The pids of the server's engine workers: the children of the front's children (the
    forkserver forks them)."""
    assert server.process is not None
    return sorted(worker for child in children(server.process.pid) for worker in children(child))


def group_members(pgid: int) -> list[int]:
    return sorted(pid for pid, stat in _processes().items() if stat[2] == pgid)


def kill_group(server: ServerProcess) -> list[int]:
    """SIGKILL every process of the server's group at once (front, forkserver, workers);
    return once none is left. The pids that were killed."""
    process = server.process
    assert process is not None
    assert os.getpgid(process.pid) == process.pid, "start the server with in_own_group"
    members = group_members(process.pid)
    assert len(members) >= 3, f"expected a front, a forkserver and workers, got {members}"
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait(timeout=DEADLINE) == -signal.SIGKILL
    wait_for(lambda: not group_members(process.pid), "every process of the server to end")
    server.process = None
    return members


# ---------------------------------------------------------------------- the store
def stored_trainer(data_dir: Path, session_id: str) -> dict[str, Any] | None:
    """The trainer state of the session's last snapshot in the store (the layout is in
    ``app/services/snapshots.py``); None if the store has none."""
    store = SqliteSnapshotStore.in_data_dir(data_dir)
    try:
        blob = store.get(session_id)
    finally:
        store.close()
    if blob is None:
        return None
    trainer: dict[str, Any] = json.loads(zlib.decompress(blob))["trainer"]
    return trainer


def stored_iteration(data_dir: Path, session_id: str) -> int:
    trainer = stored_trainer(data_dir, session_id)
    assert trainer is not None, f"no snapshot of session {session_id[:8]}"
    return int(trainer["iteration"])


# ---------------------------------------------------------------------- HTTP and streams
def metric(base_url: str, name: str) -> dict[str, float]:
    """The samples of metric family ``name`` by their ``worker`` label ("" when it has
    none); a counter's ``_total`` and a histogram's ``_count`` only."""
    response = HTTP.get(f"{base_url}/metrics")
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        if family.name == name:
            wanted = {"counter": "_total", "histogram": "_count"}.get(family.type, "")
            return {
                sample.labels.get("worker", ""): sample.value
                for sample in family.samples
                if sample.name == name + wanted
            }
    raise AssertionError(f"no metric {name!r} in /metrics")


def create(base_url: str, **config: Any) -> dict[str, Any]:
    response = HTTP.post(f"{base_url}/api/sessions", json=config)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def model_and_state(base_url: str, session_id: str) -> tuple[Any, dict[str, Any]]:
    """(every weight and bias, the counters and metrics) of a session, as REST reads them."""
    session = HTTP.get(f"{base_url}/api/sessions/{session_id}")
    model = HTTP.get(f"{base_url}/api/sessions/{session_id}/model")
    assert session.status_code == model.status_code == 200, (session.text, model.text)
    return model.json()["layers"], session.json()["state"]


def stream(base_url: str, session_id: str) -> RawWebSocket:
    """A stream of the session, its hello read (and checked to be this session's)."""
    ws = RawWebSocket(base_url, f"/api/sessions/{session_id}/stream")
    hello = ws.receive_json()
    assert (hello["type"], hello["id"]) == ("hello", session_id), hello
    return ws


def next_frame(ws: RawWebSocket) -> dict[str, Any]:
    """The next frame's header, skipping other replies (an error fails the test)."""
    while True:
        message = ws.receive_json()
        assert message["type"] != "error", message
        if message["type"] == "frame":
            return message


def frame_where(ws: RawWebSocket, condition: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Read frames until one whose header meets ``condition``."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        header = next_frame(ws)
        if condition(header):
            return header
    raise AssertionError(f"no such frame within {DEADLINE:g} s")
