"""The metrics page: the numbers given, read back with Prometheus' own parser; the route."""

from __future__ import annotations

import math
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from app.api.errors import install_error_handlers
from app.api.metrics import render_metrics
from app.api.routes.metrics import router
from app.workers.stats import WorkerStats


def worker_snapshot(sessions: int, frames: int, step: float) -> dict[str, Any]:
    stats = WorkerStats(clock=lambda: 0.0)
    for _ in range(frames):
        stats.frame_sent()
    stats.time_step(step)
    stats.time_step(step)
    stats.time_frame(0.002)
    data = stats.snapshot(
        sessions=sessions, streams=sessions // 2, slices_waiting=sessions - 1, memory_bytes=2**20
    )
    return {**data, "frames_per_second": 29.5}


WORKERS = [worker_snapshot(4, 120, 0.0003), worker_snapshot(7, 5, 0.03)]


def samples(body: bytes) -> dict[str, list[Sample]]:
    return {
        family.name: family.samples
        for family in text_string_to_metric_families(body.decode("utf-8"))
    }


def value(found: dict[str, list[Sample]], name: str, **labels: str) -> float:
    """The one sample ``name`` (a family's own, or its ``_total``, ``_sum``…) with ``labels``."""
    every = [sample for family in found.values() for sample in family]
    (match,) = [s.value for s in every if s.name == name and s.labels == labels]
    return match


@pytest.fixture
def found() -> dict[str, list[Sample]]:
    body, content_type = render_metrics(WORKERS, stored_sessions=42, front_streams=3)
    assert content_type.startswith("text/plain")
    return samples(body)


def test_server_wide_gauges(found: dict[str, list[Sample]]) -> None:
    assert value(found, "nnp_stored_sessions") == 42
    assert value(found, "nnp_front_streams") == 3


@pytest.mark.parametrize(
    ("name", "first", "second"),
    [
        ("nnp_worker_sessions", 4, 7),
        ("nnp_worker_streams", 2, 3),
        ("nnp_worker_slices_waiting", 3, 6),
        ("nnp_worker_memory_bytes", 2**20, 2**20),
        ("nnp_worker_frames_per_second", 29.5, 29.5),
    ],
)
def test_worker_gauges(
    found: dict[str, list[Sample]], name: str, first: float, second: float
) -> None:
    assert value(found, name, worker="0") == first
    assert value(found, name, worker="1") == second


def test_frames_are_a_counter(found: dict[str, list[Sample]]) -> None:
    assert value(found, "nnp_worker_frames_total", worker="0") == 120
    assert value(found, "nnp_worker_frames_total", worker="1") == 5


def test_duration_histograms(found: dict[str, list[Sample]]) -> None:
    steps = found["nnp_worker_step_seconds"]
    buckets = {
        float(s.labels["le"]): s.value
        for s in steps
        if s.name == "nnp_worker_step_seconds_bucket" and s.labels["worker"] == "1"
    }
    assert [[le, count] for le, count in buckets.items()] == WORKERS[1]["step_seconds"]["buckets"]
    assert buckets[0.025] == 0 and buckets[0.05] == 2 and buckets[math.inf] == 2
    assert value(found, "nnp_worker_step_seconds_count", worker="1") == 2
    assert value(found, "nnp_worker_step_seconds_sum", worker="0") == pytest.approx(0.0006)
    assert value(found, "nnp_worker_frame_seconds_count", worker="0") == 1
    assert value(found, "nnp_worker_frame_seconds_sum", worker="1") == pytest.approx(0.002)


def test_a_snapshot_may_name_its_worker() -> None:
    named = [{**WORKERS[0], "worker": 3, "pid": 1234}]
    found = samples(render_metrics(named, stored_sessions=0, front_streams=0)[0])
    assert value(found, "nnp_worker_sessions", worker="3") == 4
    assert value(found, "nnp_worker_step_seconds_count", worker="3") == 2


def test_no_workers_still_renders() -> None:
    found = samples(render_metrics([], stored_sessions=0, front_streams=0)[0])
    assert value(found, "nnp_stored_sessions") == 0
    assert found["nnp_worker_sessions"] == []


def test_each_call_is_its_own_registry() -> None:
    """No process-global metric: two renders (two apps) never see each other's numbers."""
    first = samples(render_metrics(WORKERS, stored_sessions=1, front_streams=0)[0])
    second = samples(render_metrics(WORKERS[:1], stored_sessions=2, front_streams=0)[0])
    assert value(first, "nnp_stored_sessions") == 1
    assert value(second, "nnp_stored_sessions") == 2
    assert len(second["nnp_worker_sessions"]) == 1


class FakePool:
    async def stats(self) -> dict[str, Any]:
        return {"workers": WORKERS, "stored_sessions": 9, "front_streams": 1}


def metrics_app(pool: FakePool | None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    if pool is not None:
        app.state.pool = pool
    return app


def test_route_renders_the_pool_stats() -> None:
    with TestClient(metrics_app(FakePool())) as client:
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.content)
    assert value(found, "nnp_stored_sessions") == 9
    assert value(found, "nnp_worker_sessions", worker="1") == 7


def test_route_without_workers_is_503() -> None:
    with TestClient(metrics_app(None)) as client:
        response = client.get("/metrics")
    assert response.status_code == 503
    assert response.json() == {"detail": "metrics: the engine workers are not running"}
