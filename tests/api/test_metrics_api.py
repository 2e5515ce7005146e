"""``GET /metrics`` from a real server with two engine workers: Prometheus' text format, every
metric ``app/api/metrics.py`` defines, and numbers that follow what the server does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from server_process import ServerProcess, server_command
from server_tree import HTTP, create, metric, next_frame, stream, wait_for

from app.api.metrics import WORKER_GAUGES, WORKER_HISTOGRAMS

SERVER_GAUGES = ("nnp_stored_sessions", "nnp_front_streams")
FRAMES = "nnp_worker_frames"
FRAMES_READ = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the module; only the second test makes sessions."""
    folder = tmp_path_factory.mktemp("metrics")

    def command(port: int) -> list[str]:
        return server_command(port, "--workers", "2")

    with ServerProcess(command, folder / "server.log", folder / "data") as running:
        yield running


def total(base_url: str, name: str) -> float:
    return sum(metric(base_url, name).values())


def test_every_metric_in_the_text_format_for_each_worker(server: ServerProcess) -> None:
    response = HTTP.get(f"{server.base_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    expected = {
        **{name: "gauge" for name in SERVER_GAUGES},
        **{name: "gauge" for _, name, _ in WORKER_GAUGES},
        **{name: "histogram" for _, name, _ in WORKER_HISTOGRAMS},
        FRAMES: "counter",
    }
    assert {name: families[name].type for name in expected if name in families} == expected
    for name in expected:
        assert families[name].documentation, name
        if name not in SERVER_GAUGES:
            workers = {sample.labels["worker"] for sample in families[name].samples}
            assert workers == {"0", "1"}, name


def test_counts_follow_the_sessions_and_a_playing_stream(server: ServerProcess) -> None:
    base = server.base_url
    sessions = [create(base, dataset="xor", seed=seed)["id"] for seed in range(5)]
    assert total(base, "nnp_worker_sessions") == len(sessions)
    assert total(base, "nnp_stored_sessions") == len(sessions)
    assert total(base, "nnp_worker_memory_bytes") > 0
    assert total(base, "nnp_front_streams") == total(base, "nnp_worker_streams") == 0

    with stream(base, sessions[0]) as ws:
        ws.send_json({"type": "stream", "fps": 60, "resolution": 10, "thumbnail_resolution": 8})
        next_frame(ws)
        assert total(base, "nnp_front_streams") == total(base, "nnp_worker_streams") == 1
        before = total(base, FRAMES)
        ws.send_json({"type": "play"})
        readings = []
        for rounds in range(1, 4):
            for _ in range(FRAMES_READ):
                next_frame(ws)
            readings.append(total(base, FRAMES))
            # A frame is counted once it is on the socket, and the next is made only after
            # that: once n frames are read, at least n - 1 more were counted.
            assert readings[-1] >= before + rounds * FRAMES_READ - 1, (before, readings)
        assert readings == sorted(readings)
        assert total(base, "nnp_worker_frame_seconds") > 0  # the histogram's count
    wait_for(lambda: total(base, "nnp_front_streams") == 0, "the front to count the stream gone")
    wait_for(lambda: total(base, "nnp_worker_streams") == 0, "the worker to let the stream go")

    steps = total(base, "nnp_worker_step_seconds")
    trained = HTTP.post(f"{base}/api/sessions/{sessions[1]}/train", json={"iterations": 3})
    assert trained.status_code == 200, trained.text
    assert total(base, "nnp_worker_step_seconds") > steps  # each slice of a call is timed
