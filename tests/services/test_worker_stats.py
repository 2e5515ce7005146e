"""An engine worker's counts: cumulative duration buckets, frame rate over a sliding window."""

from __future__ import annotations

import math
import pickle

import pytest
from fake_clock import FakeClock

from app.workers.stats import DURATION_BOUNDS, FRAME_RATE_WINDOW, WorkerStats


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(500.0)


def snapshot(stats: WorkerStats) -> dict:
    return stats.snapshot(sessions=3, streams=2, slices_waiting=1, memory_bytes=4096)


def test_bounds_cover_a_twentieth_of_a_millisecond_to_a_second() -> None:
    assert DURATION_BOUNDS[0] == 0.00005
    assert DURATION_BOUNDS[-2] == 1.0
    assert DURATION_BOUNDS[-1] == math.inf
    assert list(DURATION_BOUNDS) == sorted(set(DURATION_BOUNDS))


def test_histogram_buckets_are_cumulative(clock: FakeClock) -> None:
    stats = WorkerStats(clock)
    for seconds in (0.00001, 0.00005, 0.0003, 0.004, 0.004, 0.7, 3.0):
        stats.time_step(seconds)
    stats.time_frame(0.02)
    steps = snapshot(stats)["step_seconds"]
    by_bound = {le: count for le, count in steps["buckets"]}
    assert [le for le, _ in steps["buckets"]] == list(DURATION_BOUNDS)
    assert by_bound[0.00005] == 2  # "le" includes the bound itself
    assert by_bound[0.0001] == 2
    assert by_bound[0.0005] == 3
    assert by_bound[0.005] == 5
    assert by_bound[0.5] == 5
    assert by_bound[1.0] == 6
    assert by_bound[math.inf] == 7 == steps["count"]
    counts = [count for _, count in steps["buckets"]]
    assert counts == sorted(counts)
    assert steps["sum"] == pytest.approx(0.00001 + 0.00005 + 0.0003 + 0.008 + 0.7 + 3.0)

    frames = snapshot(stats)["frame_seconds"]
    assert frames["count"] == 1
    assert frames["sum"] == pytest.approx(0.02)
    assert [count for le, count in frames["buckets"] if le < 0.02] == [0] * 8


def test_snapshot_shape_and_picklable(clock: FakeClock) -> None:
    stats = WorkerStats(clock)
    stats.frame_sent()
    clock.now += 1.0
    data = snapshot(stats)
    assert pickle.loads(pickle.dumps(data)) == data
    assert list(data) == [
        "sessions",
        "streams",
        "slices_waiting",
        "memory_bytes",
        "frames",
        "frames_per_second",
        "step_seconds",
        "frame_seconds",
    ]
    assert (data["sessions"], data["streams"], data["slices_waiting"]) == (3, 2, 1)
    assert (data["memory_bytes"], data["frames"]) == (4096, 1)
    assert data["step_seconds"] == {
        "buckets": [[bound, 0] for bound in DURATION_BOUNDS],
        "sum": 0.0,
        "count": 0,
    }


def send_frames(stats: WorkerStats, clock: FakeClock, fps: float, seconds: float) -> None:
    for _ in range(round(fps * seconds)):
        clock.now += 1 / fps
        stats.frame_sent()


def test_frames_per_second_over_the_window(clock: FakeClock) -> None:
    stats = WorkerStats(clock)
    send_frames(stats, clock, fps=30, seconds=10)
    assert snapshot(stats)["frames_per_second"] == pytest.approx(30, rel=0.05)
    send_frames(stats, clock, fps=60, seconds=10)  # the window forgets the 30 fps
    assert snapshot(stats)["frames_per_second"] == pytest.approx(60, rel=0.05)
    assert snapshot(stats)["frames"] == 300 + 600


def test_frames_per_second_slides_down_to_zero(clock: FakeClock) -> None:
    stats = WorkerStats(clock)
    send_frames(stats, clock, fps=40, seconds=10)
    clock.now += FRAME_RATE_WINDOW / 2
    assert snapshot(stats)["frames_per_second"] == pytest.approx(20, rel=0.15)
    clock.now += FRAME_RATE_WINDOW
    assert snapshot(stats)["frames_per_second"] == 0.0
    clock.now += 3600  # a long pause empties every slot once
    send_frames(stats, clock, fps=10, seconds=FRAME_RATE_WINDOW)
    assert snapshot(stats)["frames_per_second"] == pytest.approx(10, rel=0.15)
    assert snapshot(stats)["frames"] == 400 + 50


def test_frames_per_second_in_the_first_seconds(clock: FakeClock) -> None:
    """Before the window has passed once, the rate is over the time since the start."""
    stats = WorkerStats(clock)
    assert snapshot(stats)["frames_per_second"] == 0.0
    send_frames(stats, clock, fps=50, seconds=1)
    assert snapshot(stats)["frames_per_second"] == pytest.approx(50)
