"""What an engine worker counts about itself, for ``GET /metrics``.

Called on every frame and every training slice, so each call is a few integer additions:
a duration goes into a fixed histogram (``bisect`` over ``DURATION_BOUNDS``), a frame into
the current slot of a ring of ``FRAME_RATE_SLOTS`` counters covering ``FRAME_RATE_WINDOW``
seconds. ``snapshot`` turns them into plain data (ints, floats, lists, dicts) the worker
pickles to the front, where ``app/api/metrics.py`` writes them in Prometheus' text format.

One ``WorkerStats`` belongs to one worker's event loop; it takes no lock.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

# Upper bounds (seconds, "le") of the duration buckets: a small network's step takes tens
# of microseconds, a slice at most ``slice_seconds`` (5 ms by default), a large frame's
# grids some tens of milliseconds; past 1 s something is wrong.
DURATION_BOUNDS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    math.inf,
)
FRAME_RATE_WINDOW = 5.0  # seconds the frame rate is averaged over
FRAME_RATE_SLOTS = 10  # the window moves on in steps of WINDOW / SLOTS


class DurationHistogram:
    """Counts of durations per bucket of ``DURATION_BOUNDS``, their sum and number."""

    def __init__(self) -> None:
        self._counts = [0] * len(DURATION_BOUNDS)  # per bucket, not cumulative
        self._sum = 0.0
        self._count = 0

    def observe(self, seconds: float) -> None:
        # The first bound >= seconds: a bucket counts the durations <= its "le".
        self._counts[bisect_left(DURATION_BOUNDS, seconds)] += 1
        self._sum += seconds
        self._count += 1

    def snapshot(self) -> dict[str, Any]:
        """``{"buckets": [[le, cumulative count], ...], "sum": s, "count": n}``."""
        buckets = []
        total = 0
        for bound, count in zip(DURATION_BOUNDS, self._counts, strict=True):
            total += count
            buckets.append([bound, total])
        return {"buckets": buckets, "sum": self._sum, "count": self._count}


class FrameRate:
    """Frames per second over the last ``FRAME_RATE_WINDOW`` seconds, sliding.

    The window is the slots ``current - SLOTS + 1 .. current`` (the current one partly
    gone by), each ``WINDOW / SLOTS`` seconds wide; the rate is their frames over the time
    they span, or over the time since the start while that is shorter.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._width = FRAME_RATE_WINDOW / FRAME_RATE_SLOTS
        self._counts = [0] * FRAME_RATE_SLOTS
        self._started = clock()
        self._slot = self._slot_at(self._started)

    def _slot_at(self, now: float) -> int:
        return math.floor(now / self._width)

    def _move_to(self, now: float) -> None:
        """Make the slot ``now`` falls in the current one, emptying the slots passed."""
        slot = self._slot_at(now)
        if slot <= self._slot:
            return
        for passed in range(self._slot + 1, min(slot, self._slot + FRAME_RATE_SLOTS) + 1):
            self._counts[passed % FRAME_RATE_SLOTS] = 0
        self._slot = slot

    def add(self) -> None:
        self._move_to(self._clock())
        self._counts[self._slot % FRAME_RATE_SLOTS] += 1

    def per_second(self) -> float:
        now = self._clock()
        self._move_to(now)
        window_start = (self._slot - FRAME_RATE_SLOTS + 1) * self._width
        elapsed = now - max(window_start, self._started)
        return sum(self._counts) / elapsed if elapsed > 0 else 0.0


class WorkerStats:
    """Frames sent and durations of steps and frames in one engine worker.

    ``clock`` is seconds that never go back (``time.monotonic``; a fake one in tests).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._frames = 0
        self._frame_rate = FrameRate(clock)
        self._step_seconds = DurationHistogram()
        self._frame_seconds = DurationHistogram()

    def frame_sent(self) -> None:
        self._frames += 1
        self._frame_rate.add()

    def time_step(self, seconds: float) -> None:
        """One training slice (or step) took ``seconds``."""
        self._step_seconds.observe(seconds)

    def time_frame(self, seconds: float) -> None:
        """Making one frame's bytes took ``seconds``."""
        self._frame_seconds.observe(seconds)

    def snapshot(
        self, *, sessions: int, streams: int, slices_waiting: int, memory_bytes: int
    ) -> dict[str, Any]:
        """Plain, picklable data: the worker's gauges given here, its counts, its histograms."""
        return {
            "sessions": sessions,
            "streams": streams,
            "slices_waiting": slices_waiting,
            "memory_bytes": memory_bytes,
            "frames": self._frames,
            "frames_per_second": self._frame_rate.per_second(),
            "step_seconds": self._step_seconds.snapshot(),
            "frame_seconds": self._frame_seconds.snapshot(),
        }
