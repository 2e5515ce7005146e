"""The synchronous half of a live stream: training between frames and rendering them.

Every method here does CPU work while holding the session's lock and is meant to run in a
worker thread; the WebSocket route owns the asynchronous loop that paces and sends frames.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from app.services.frames import Frame, encode_frame
from app.services.session import Session

# With speed 0 a frame trains for this share of its interval; the rest is left for rendering,
# sending and the other sessions.
TRAINING_SHARE = 0.5
# Playing frames train in slices of about this much work (see continue_frame).
SLICE_SECONDS = 0.004


@dataclass
class StreamSettings:
    fps: int = 30
    speed: int = 1  # iterations per frame; 0 = as many as fit in the training share
    resolution: int = 100
    thumbnail_resolution: int = 24

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Player:
    """One connection's view of a session: its stream settings, play flag and frame counter."""

    def __init__(self, session: Session, settings: StreamSettings) -> None:
        self.session = session
        self.settings = settings
        self.playing = False
        self.seq = 0
        # Running estimate, so that one training slice is about SLICE_SECONDS of work.
        self._seconds_per_iteration = 1e-4
        self._remaining = 0
        self._deadline: float | None = None

    @property
    def diverged(self) -> bool:
        return self.session.trainer.status == "diverged"

    def step(self, unit: Literal["iteration", "epoch"]) -> None:
        with self.session.lock:
            if unit == "epoch":
                self.session.trainer.train_epochs(1)
            else:
                self.session.trainer.train_iterations(1)

    def reset(self) -> None:
        self.session.reset()

    def set_weight(self, layer: int, source: int, target: int, value: float) -> None:
        with self.session.lock:
            self.session.trainer.set_weight(layer, source, target, value)

    def set_bias(self, layer: int, neuron: int, value: float) -> None:
        with self.session.lock:
            self.session.trainer.set_bias(layer, neuron, value)

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply config changes (PATCH rules); the `config` message answering them."""
        with self.session.lock:
            rebuilt = self.session.update(changes)
            return {
                "type": "config",
                "config": self.session.config(),
                "state": self.session.state(),
                "rebuilt": rebuilt,
            }

    def hello(self) -> dict[str, Any]:
        with self.session.lock:
            return {
                "type": "hello",
                "id": self.session.id,
                "config": self.session.config(),
                "state": self.session.state(),
                "stream": self.settings.as_dict(),
            }

    def begin_frame(self) -> None:
        """Start one playing frame's training: `speed` iterations, or (speed 0) a time budget."""
        self._remaining = self.settings.speed
        self._deadline = None  # set when the training starts, in the worker

    def continue_frame(self) -> Frame | None:
        """Train one slice of the frame; return the frame once its training is done.

        A slice is about SLICE_SECONDS of work, so a heavy session holds a shared worker (and
        its session's lock) only briefly before the other sessions get their turn.
        """
        if self._deadline is None:
            self._deadline = time.perf_counter() + TRAINING_SHARE / self.settings.fps
        if self.playing and not self.diverged and not self._training_done():
            started = time.perf_counter()
            budget = SLICE_SECONDS
            if self.settings.speed == 0:
                budget = min(budget, self._deadline - started)
            iterations = max(1, int(budget / self._seconds_per_iteration))
            if self.settings.speed > 0:
                iterations = min(iterations, self._remaining)
            with self.session.lock:
                self.session.trainer.train_iterations(iterations)
            self._remaining -= iterations
            measured = (time.perf_counter() - started) / iterations
            self._seconds_per_iteration = 0.5 * self._seconds_per_iteration + 0.5 * measured
            if not (self.diverged or self._training_done()):
                return None
        return self.render()

    def _training_done(self) -> bool:
        if self.settings.speed > 0:
            return self._remaining <= 0
        return self._deadline is not None and time.perf_counter() >= self._deadline

    def render(self) -> Frame:
        """Encode the current state; a diverged session stops playing with this frame."""
        with self.session.lock:
            if self.diverged:
                self.playing = False
            frame = encode_frame(
                self.session.trainer,
                seq=self.seq,
                playing=self.playing,
                resolution=self.settings.resolution,
                thumbnail_resolution=self.settings.thumbnail_resolution,
            )
            self.session.touch()
        self.seq += 1
        return frame
