"""The synchronous half of a live stream: training between frames and rendering them.

A player runs in the engine worker that owns its session (``app/workers``); the worker's
stream (``app/workers/stream.py``) paces and sends the frames. Work comes in slices of about
``slice_seconds`` (a playing frame's training, an epoch step), at least one update each, and
the worker runs the other sessions' slices in between.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from app.engine.inspection import BatchRecord, step_weight, train_one_batch
from app.services.frames import Frame, encode_frame
from app.services.inspections import batch_header, inspection_message
from app.services.session import Session

# With speed 0 a frame trains for this share of its interval; the rest is left for rendering,
# sending and the other sessions.
TRAINING_SHARE = 0.5
# A Player's default slice: a playing frame or an epoch step trains in calls of about this
# much work (see train_slice, continue_step), each at least one update.
SLICE_SECONDS = 0.004


@dataclass
class StreamSettings:
    fps: int = 30
    # Per frame: `speed` iterations, or `speed` epochs (the first one to the end of the epoch
    # under way); speed 0 = as many iterations as fit in the training share.
    speed: int = 1
    speed_unit: Literal["iteration", "epoch"] = "iteration"
    resolution: int = 100
    thumbnail_resolution: int = 24

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


class Player:
    """One connection's view of a session: its stream settings, play flag and frame counter."""

    def __init__(
        self, session: Session, settings: StreamSettings, *, slice_seconds: float | None = None
    ) -> None:
        self.session = session
        self.settings = settings
        # None: SLICE_SECONDS as it is when the player is made. 0: one update per slice.
        self.slice_seconds = SLICE_SECONDS if slice_seconds is None else slice_seconds
        self.playing = False
        self.seq = 0
        # Running estimate, so that one training slice is about slice_seconds of work.
        self._seconds_per_iteration = 1e-4
        self._remaining: int | None = 0  # None: counted from the epoch when training starts
        self._deadline: float | None = None
        self._step: _Step | None = None
        self._lesson_sent = -1  # the session's lesson_version this connection last showed
        # The mini-batch of this connection's last single-iteration step, shown in the frames
        # that follow it until anything else trains or starts the run afresh.
        self._batch: BatchRecord | None = None

    @property
    def diverged(self) -> bool:
        return self.session.trainer.status == "diverged"

    def begin_step(self, unit: Literal["iteration", "epoch"]) -> None:
        """Start a `step` command; ``continue_step`` carries it out in slices."""
        self._step = _Step(unit)

    def continue_step(self) -> bool:
        """Train one slice of the step begun; True once it is done.

        An epoch step trains until its own updates have finished an epoch, as one
        ``Trainer.train_epochs(1)`` would, in calls of about ``slice_seconds`` each; every call
        trains at least one update, so the step progresses however short the slice. A reset
        or rebuild between two calls does not cut it short: it then trains to the end of the
        new epoch. It ends early if the session diverges.
        """
        step = self._step
        if step is None:
            return True
        trainer = self.session.trainer
        if step.unit == "iteration":
            self._batch = train_one_batch(trainer)
            step.done = True
        else:
            deadline = time.perf_counter() + self.slice_seconds
            while True:  # at least once, even if the deadline has passed already
                fitting = int((deadline - time.perf_counter()) / self._seconds_per_iteration)
                epoch = trainer.epoch
                self._train(min(max(1, fitting), trainer.iterations_to_epoch_end()))
                step.done = trainer.epoch > epoch or self.diverged
                if step.done or time.perf_counter() >= deadline:
                    break
        if step.done:
            self._step = None
        return step.done

    def _train(self, iterations: int) -> None:
        """Train, updating the cost estimate."""
        started = time.perf_counter()
        self.session.trainer.train_iterations(iterations)
        measured = (time.perf_counter() - started) / iterations
        self._seconds_per_iteration = 0.5 * self._seconds_per_iteration + 0.5 * measured

    def inspect_step(self, layer: int, source: int, target: int) -> dict[str, Any]:
        """One iteration, as a `step`, and the `inspection` message: what it did to
        W[layer][source, target]. ValueError (naming the field) for a weight the network
        lacks or a diverged session."""
        step = step_weight(self.session.trainer, layer, source, target)
        self._batch = step.batch
        return inspection_message(step)

    def reset(self) -> None:
        self.session.reset()

    def set_weight(self, layer: int, source: int, target: int, value: float) -> None:
        self.session.set_weight(layer, source, target, value)

    def set_bias(self, layer: int, neuron: int, value: float) -> None:
        self.session.set_bias(layer, neuron, value)

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply config changes (PATCH rules); the `config` message answering them."""
        rebuilt = self.session.update(changes)
        return {
            "type": "config",
            "config": self.session.config(),
            "state": self.session.state(),
            "rebuilt": rebuilt,
        }

    def hello(self) -> dict[str, Any]:
        self._lesson_sent = self.session.lesson_version
        return {
            "type": "hello",
            "id": self.session.id,
            "config": self.session.config(),
            "state": self.session.state(),
            "stream": self.settings.as_dict(),
            "lesson": self.session.lesson_progress(),
        }

    def begin_frame(self) -> None:
        """Start one playing frame's training: `speed` iterations or epochs, or (speed 0) a
        time budget."""
        by_epoch = self.settings.speed_unit == "epoch" and self.settings.speed > 0
        self._remaining = None if by_epoch else self.settings.speed
        self._deadline = None  # set when the training starts, in the worker

    def train_slice(self) -> bool:
        """Train one slice of the frame begun; True once its training is done (the worker
        then renders it, with the metrics and drawings of many frames made at once).

        A slice is about ``slice_seconds`` of work (at least one update), so a heavy session
        holds the worker only briefly before the other sessions get their turn.
        """
        if self._deadline is None:
            self._deadline = time.perf_counter() + TRAINING_SHARE / self.settings.fps
        if self.playing and not self.diverged and not self._training_done():
            now = time.perf_counter()
            budget = self.slice_seconds
            if self.settings.speed == 0:
                budget = min(budget, self._deadline - now)
            iterations = max(1, int(budget / self._seconds_per_iteration))
            trainer = self.session.trainer
            if self._remaining is None:  # counted when training starts
                epochs_after = (self.settings.speed - 1) * trainer.iterations_per_epoch
                self._remaining = trainer.iterations_to_epoch_end() + epochs_after
            if self.settings.speed > 0:
                iterations = min(iterations, self._remaining)
            self._train(iterations)
            self._remaining -= iterations
            if not (self.diverged or self._training_done()):
                return False
        return True

    def _training_done(self) -> bool:
        if self.settings.speed > 0:
            return self._remaining is not None and self._remaining <= 0
        return self._deadline is not None and time.perf_counter() >= self._deadline

    def render(self) -> Frame:
        """Encode the current state; a diverged session stops playing with this frame.

        The lesson's steps are checked first; the header carries ``lesson`` (the progress,
        or null after leaving lesson mode) only when it changed since this connection last
        showed it, and ``batch`` (the mini-batch of this connection's last single-iteration
        step) while nothing else has trained or started the run afresh since.
        """
        if self.diverged:
            self.playing = False
        session = self.session
        session.observe()
        frame = encode_frame(
            session.trainer,
            seq=self.seq,
            playing=self.playing,
            resolution=self.settings.resolution,
            thumbnail_resolution=self.settings.thumbnail_resolution,
        )
        if self._batch is not None and self._batch.current(session.trainer):
            frame.header["batch"] = batch_header(self._batch)
        if session.lesson_version != self._lesson_sent:
            frame.header["lesson"] = session.lesson_progress()
            self._lesson_sent = session.lesson_version
        session.touch()
        self.seq += 1
        return frame


@dataclass
class _Step:
    """A `step` command in progress."""

    unit: Literal["iteration", "epoch"]
    done: bool = False
