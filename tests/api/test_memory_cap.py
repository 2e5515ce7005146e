"""The memory cap through a real server: one engine worker, 16 MiB for its sessions.

Sessions of the largest network on the most points take most of a MiB each, so a score of
them fill the cap. Past it the session unused longest goes to the store (and comes back
when asked for); a session with an open stream never goes, so once every session in
memory is streamed a new one is refused with 503 and Retry-After, and a stream of a stored
one with 1013. ``/metrics`` shows it all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from raw_websocket import RawWebSocket
from server_process import ServerProcess, server_command
from server_tree import HTTP, create, metric, stream, wait_for

from app.config import Settings
from app.services.session import Session
from app.workers.memory import session_bytes

CAP_MB = 16
LARGE = {"hidden_layers": [32] * 8, "n_samples": 2000}
MAX_CREATED = 200  # far more than fit: a cap that never fills fails the test


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    def command(port: int) -> list[str]:
        return server_command(port, "--workers", "1", "--max-memory-mb", str(CAP_MB))

    with ServerProcess(command, tmp_path / "server.log", tmp_path / "data") as running:
        yield running


def in_memory(base_url: str) -> int:
    return int(metric(base_url, "nnp_worker_sessions")["0"])


def streams_open(base_url: str) -> int:
    return int(metric(base_url, "nnp_worker_streams")["0"])


def memory_bytes(base_url: str) -> int:
    return int(metric(base_url, "nnp_worker_memory_bytes")["0"])


def test_idle_sessions_go_to_the_store_and_streamed_ones_hold_the_memory(
    server: ServerProcess,
) -> None:
    base = server.base_url
    created: list[str] = []
    while not created or in_memory(base) == len(created):  # until the first went to the store
        assert len(created) < MAX_CREATED, "the memory cap never filled"
        created.append(create(base, **LARGE, seed=len(created))["id"])
        assert memory_bytes(base) <= CAP_MB * 2**20
    capacity = in_memory(base)
    created += [create(base, **LARGE, seed=len(created) + n)["id"] for n in range(2)]
    assert in_memory(base) == capacity
    assert int(metric(base, "nnp_stored_sessions")[""]) == len(created)

    # The first ones went to the store, and still answer: each comes back in turn.
    for number, session_id in enumerate(created[:3]):
        answer = HTTP.get(f"{base}/api/sessions/{session_id}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["id"] == session_id
        assert answer.json()["config"]["seed"] == number
        assert in_memory(base) == capacity

    # A stream holds its session in memory: with one on each session the cap allows, there
    # is no room for another session, new or from the store.
    held = created[-capacity:]
    streams = [stream(base, session_id) for session_id in held]
    try:
        assert streams_open(base) == capacity
        assert in_memory(base) == capacity
        refused = HTTP.post(f"{base}/api/sessions", json=LARGE)
        assert refused.status_code == 503, refused.text
        assert int(refused.headers["Retry-After"]) > 0
        assert "max_memory_mb" in refused.json()["detail"]
        from_store = HTTP.get(f"{base}/api/sessions/{created[0]}")
        assert from_store.status_code == 503, from_store.text
        with RawWebSocket(base, f"/api/sessions/{created[0]}/stream") as refused_stream:
            with pytest.raises(EOFError) as closed:
                refused_stream.receive_json()
            code, reason = closed.value.args[0]
            assert code == 1013 and "memory" in reason  # "try again later"
        assert int(metric(base, "nnp_stored_sessions")[""]) == len(created)  # none made

        streams.pop().close()  # its session may go to the store again, once the worker knows
        wait_for(lambda: streams_open(base) == capacity - 1, "the worker to close the stream")
        assert HTTP.get(f"{base}/api/sessions/{created[0]}").status_code == 200
        create(base, **LARGE)
        assert in_memory(base) == capacity
    finally:
        for ws in streams:
            ws.close()


def test_a_session_counts_the_memory_its_training_takes(server: ServerProcess) -> None:
    """The first training step makes the batch's buffers (a batch of 1000 here: megabytes);
    the worker's count of the session's memory includes them from then on."""
    base = server.base_url
    config = {**LARGE, "batch_size": 1000, "seed": 5}
    session_id = create(base, **config)["id"]
    twin = Session.create(config, Settings(), session_id="twin")  # the same, in this process
    untrained = memory_bytes(base)
    assert untrained == session_bytes(twin)

    trained = HTTP.post(f"{base}/api/sessions/{session_id}/train", json={"iterations": 1})
    assert trained.status_code == 200, trained.text
    twin.train(iterations=1)
    assert session_bytes(twin) > untrained + 2**20  # megabytes of batch buffers
    assert memory_bytes(base) == session_bytes(twin)
