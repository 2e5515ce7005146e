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
# With speed 0 the lock is released this often, so REST calls on the session are not starved.
LOCK_SLICE_SECONDS = 0.005


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
        # Running estimate for speed 0, so that one slice is about LOCK_SLICE_SECONDS of work.
        self._seconds_per_iteration = 1e-4

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

    def train_for_frame(self) -> None:
        """The training one playing frame does: `speed` iterations, or a time budget's worth."""
        if self.settings.speed > 0:
            with self.session.lock:
                self.session.trainer.train_iterations(self.settings.speed)
            return
        deadline = time.perf_counter() + TRAINING_SHARE / self.settings.fps
        while not self.diverged:
            now = time.perf_counter()
            if now >= deadline:
                break
            slice_seconds = min(LOCK_SLICE_SECONDS, deadline - now)
            iterations = max(1, int(slice_seconds / self._seconds_per_iteration))
            with self.session.lock:
                self.session.trainer.train_iterations(iterations)
            elapsed = time.perf_counter() - now
            measured = elapsed / iterations
            self._seconds_per_iteration = 0.5 * self._seconds_per_iteration + 0.5 * measured

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

    def play_frame(self) -> Frame:
        """Train for one frame (if still playing) and render it."""
        if self.playing and not self.diverged:
            self.train_for_frame()
        return self.render()
