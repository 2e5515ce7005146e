"""The workers' counts in Prometheus' text format, for ``GET /metrics``.

Each call builds its own ``CollectorRegistry`` holding one collector over the numbers
given, so nothing is process-global: several apps in one process (the tests) never share
or re-register a metric, and the numbers are those of one ``pool.stats()``, read together.

Per engine worker, labelled ``worker="0"``, ``"1"``, …: sessions in memory, streams it
makes frames for, slices waiting their turn, memory of its sessions, frames sent (a
counter) and per second, and histograms of how long a training slice and a frame take.
Server-wide: sessions in the store and streams open at the front.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

WORKER = ["worker"]
# (snapshot key, metric name, help) of each per-worker gauge.
WORKER_GAUGES = (
    ("sessions", "nnp_worker_sessions", "Sessions held in memory by the engine worker."),
    ("streams", "nnp_worker_streams", "Live streams the engine worker makes frames for."),
    (
        "slices_waiting",
        "nnp_worker_slices_waiting",
        "Sessions whose next slice of training waits its turn in the engine worker.",
    ),
    (
        "memory_bytes",
        "nnp_worker_memory_bytes",
        "Memory taken by the sessions the engine worker holds, in bytes.",
    ),
    (
        "frames_per_second",
        "nnp_worker_frames_per_second",
        "Frames the engine worker sent per second over the last few seconds.",
    ),
)
# (snapshot key, metric name, help) of each per-worker histogram.
WORKER_HISTOGRAMS = (
    ("step_seconds", "nnp_worker_step_seconds", "Time one slice of training took, in seconds."),
    ("frame_seconds", "nnp_worker_frame_seconds", "Time making one frame took, in seconds."),
)


class StatsCollector(Collector):
    """Metric families over one reading of the workers' snapshots and the front's counts."""

    def __init__(
        self, workers: Sequence[dict[str, Any]], stored_sessions: int, front_streams: int
    ) -> None:
        self.workers = workers
        self.stored_sessions = stored_sessions
        self.front_streams = front_streams

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "nnp_stored_sessions", "Sessions in the session store.", value=self.stored_sessions
        )
        yield GaugeMetricFamily(
            "nnp_front_streams",
            "Live streams (WebSockets) open at the front process.",
            value=self.front_streams,
        )
        for key, name, documentation in WORKER_GAUGES:
            gauge = GaugeMetricFamily(name, documentation, labels=WORKER)
            for worker, stats in self._labelled():
                gauge.add_metric([worker], stats[key])
            yield gauge
        frames = CounterMetricFamily(
            "nnp_worker_frames", "Frames the engine worker sent since it started.", labels=WORKER
        )
        for worker, stats in self._labelled():
            frames.add_metric([worker], stats["frames"])
        yield frames
        for key, name, documentation in WORKER_HISTOGRAMS:
            histogram = HistogramMetricFamily(name, documentation, labels=WORKER)
            for worker, stats in self._labelled():
                durations = stats[key]
                buckets = [(floatToGoString(le), count) for le, count in durations["buckets"]]
                histogram.add_metric([worker], buckets, sum_value=durations["sum"])
            yield histogram

    def _labelled(self) -> Iterator[tuple[str, dict[str, Any]]]:
        # A snapshot may name its worker ("worker": index); else its place in the list does.
        for number, stats in enumerate(self.workers):
            yield str(stats.get("worker", number)), stats


def render_metrics(
    workers: list[dict[str, Any]], *, stored_sessions: int, front_streams: int
) -> tuple[bytes, str]:
    """``(body, content type)`` of the metrics page: ``workers`` are ``WorkerStats.snapshot``
    dicts, in worker order (the first is ``worker="0"`` unless it has a ``"worker"`` key)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatsCollector(workers, stored_sessions, front_streams))
    return generate_latest(registry), CONTENT_TYPE_LATEST
