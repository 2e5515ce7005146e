"""A training session: one ``Trainer`` plus the bookkeeping the service needs.

A session lives in the one engine worker process that owns it (``app/workers``), which runs
every operation on it one at a time: nothing here locks. Bad input raises
``ValueError("field: expected …, got …")``; a result that is not finite raises ``NotFinite``.
Nothing here knows about HTTP.

A session may follow a lesson (``app.lessons``): after every change and every stretch of
training (``observe``) its steps are checked on the trainer's real state, and
``lesson_version`` grows whenever the progress changes, so a stream can tell when to send it.
``run`` grows whenever the network starts afresh (reset, rebuild, edited or loaded weights).

A student's session carries its room's ``ClassRules`` (``app/services/class_rules.py``):
``check_unlocked`` is asked before a change that is the student's, not the teacher's.

A session may also follow a challenge (``app.challenges``): it is judged at the same points
and after every slice of a training call too, so that a reach is seen at about the epoch it
happened; a run whose weights were set by hand or loaded (``edited_run``) does not count.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Generator
from typing import Any

import numpy as np

from app.challenges import ChallengeProgress, parse_challenge
from app.config import Settings
from app.engine import Trainer
from app.lessons import Lesson, LessonProgress, Observation, observe
from app.services import model as model_document
from app.services.class_rules import ClassRules
from app.services.configs import (
    CONFIG_FIELDS,
    config_to_dict,
    default_config,
    dict_to_config,
    engine_limits,
    merge_config,
)
from app.services.errors import NotFinite, prefixed
from app.services.training import Trained, check_work, train_slices

METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
MIN_RESOLUTION = 2
GRID_DECIMALS = 6  # float32 grids carry ~7 significant digits; more is noise on the wire


def new_session_id() -> str:
    """192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def finite_array(values: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(values)):
        raise NotFinite(
            f"{what}: the network's outputs are not finite (the session has diverged or its "
            "weights overflow); reset the session or change its configuration"
        )
    return values


class Session:
    """A trainer with an id, a last-used time, a count of open streams and whether it
    changed since its snapshot was last written."""

    def __init__(
        self,
        trainer: Trainer,
        settings: Settings,
        *,
        session_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.id = session_id or new_session_id()
        self.trainer = trainer
        self.settings = settings
        self.clock = clock
        self.last_used = clock()
        self.streams = 0  # open streams; a streamed session is never idle
        self.lesson: LessonProgress | None = None
        self.lesson_version = 0
        self.run = 0
        self.challenge: ChallengeProgress | None = None
        self.edited_run: int | None = None  # the run whose weights were set by hand or loaded
        self.class_rules = ClassRules()  # a room's pause and locks (app/services/class_rules.py)
        self.changed = False  # since the last snapshot; set by whoever changes it
        self.saved_at = 0.0  # monotonic time of the last snapshot
        self.counted_at = 0.0  # ... and of the last count of the memory it holds
        self.busy = 0  # jobs under way that span several slices (a long call)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        lesson: Lesson | None = None,
        session_id: str | None = None,
    ) -> Session:
        """Build a session from any subset of config fields (defaults fill the rest); with a
        ``lesson``, from its preset, the fields given overriding it."""
        complete = merge_config(lesson_config(lesson), config)
        trainer = Trainer(dict_to_config(complete), limits=engine_limits(settings))
        session = cls(trainer, settings, clock=clock, session_id=session_id)
        if lesson is not None:
            session.lesson = LessonProgress(lesson)
            session.observe()
        return session

    def touch(self) -> None:
        self.last_used = self.clock()

    def config(self) -> dict[str, Any]:
        """The complete configuration; class labels of custom points as integers."""
        values = config_to_dict(self.trainer.config)
        if values["points"] is not None and self.trainer.problem != "regression":
            points = values["points"]
            values["points"] = {"x": points["x"], "y": [int(v) for v in points["y"]]}
        return values

    def state(self) -> dict[str, Any]:
        """Counters, status and metrics; every number finite or None."""
        raw = self.trainer.state()
        diverged_at = raw.get("diverged_at")
        state: dict[str, Any] = {
            "status": raw["status"],
            "epoch": int(raw["epoch"]),
            "iteration": int(raw["iteration"]),
            "iterations_per_epoch": int(raw["iterations_per_epoch"]),
            "diverged_at": None if diverged_at is None else [int(v) for v in diverged_at],
        }
        for name in METRICS:
            state[name] = finite_or_none(raw.get(name))
        return state

    def update(self, changes: dict[str, Any]) -> bool:
        """Apply config ``changes`` (null = unchanged, see ``merge_config``); True if rebuilt.

        Learning rate, batch size, optimizer, momentum and regularisation apply live; any
        other change rebuilds the network (counters back to 0).
        """
        current = config_to_dict(self.trainer.config)
        merged = merge_config(current, changes)
        changed = {
            name: value
            for name, value in merged.items()
            if name in CONFIG_FIELDS and value != current[name]
        }
        if not changed:
            return False
        engine_values = dataclasses_fields(dict_to_config(merged), changed)
        self.observe()  # what was trained under the old settings counts for them
        rebuilt = bool(self.trainer.reconfigure(**engine_values))
        if rebuilt:
            self.run += 1
        self.observe()
        return rebuilt

    def check_unlocked(self, changes: dict[str, Any], start: dict[str, Any] | None = None) -> None:
        """ClassLocked if ``changes`` over ``start`` (a complete configuration; the
        session's own if None) would change a field the room's teacher locked."""
        if not self.class_rules.locked:
            return
        current = config_to_dict(self.trainer.config)
        target = merge_config(current if start is None else start, changes)
        self.class_rules.check_changes(current, target)

    def reset(self) -> None:
        self.observe()
        self.trainer.reset()
        self.run += 1
        self.observe()

    # ------------------------------------------------------------------ lessons
    def start_lesson(self, lesson: Lesson | None, changes: dict[str, Any] | None = None) -> bool:
        """Follow ``lesson`` from its preset (``changes`` override it), every step unpassed;
        None leaves lesson mode and applies ``changes`` alone. True if the network was rebuilt.
        """
        changes = changes or {}
        if lesson is None:
            if self.lesson is not None:
                self.lesson = None
                self.lesson_version += 1
            return self.update(changes)
        complete = merge_config(lesson_config(lesson), changes)
        dict_to_config(complete)  # a bad override fails before anything changes
        previous, self.lesson = self.lesson, None  # the change is the lesson's start
        try:
            rebuilt = self.update(complete)
        except ValueError:
            self.lesson = previous
            raise
        if not rebuilt:
            self.trainer.reset()  # a lesson starts from fresh weights
            self.run += 1
        self.lesson = LessonProgress(lesson)
        self.lesson_version += 1
        self.observe()
        return rebuilt

    def restart_lesson(self) -> bool:
        """The lesson again from its preset, every step unpassed; ValueError if none."""
        if self.lesson is None:
            raise ValueError("lesson: expected a session following a lesson, got none")
        return self.start_lesson(self.lesson.lesson)

    def observe(self) -> None:
        """Check the lesson's steps and the challenge on the trainer as it is now (call after
        every change)."""
        if self.lesson is None and self.challenge is None:
            return
        observation = observe(self.trainer, self.run)
        if self.lesson is not None and self.lesson.observe(observation):
            self.lesson_version += 1
        self.observe_challenge(observation)

    def observe_challenge(self, observation: Observation | None = None) -> None:
        if self.challenge is not None:
            if observation is None:
                observation = observe(self.trainer, self.run)
            edited = self.edited_run == self.run
            self.challenge.observe(observation, edited=edited, now=time.time())

    # ------------------------------------------------------------------ challenges
    def set_challenge(self, document: dict[str, Any] | None) -> None:
        """Follow the challenge ``document`` describes (``parse_challenge``), nothing reached
        yet; None follows none. The configuration is the caller's to set first."""
        self.challenge = None if document is None else ChallengeProgress(parse_challenge(document))
        self.observe_challenge()

    def challenge_progress(self) -> dict[str, Any] | None:
        """``ChallengeProgress.as_dict``, or None without a challenge."""
        return None if self.challenge is None else self.challenge.as_dict()

    def lesson_progress(self) -> dict[str, Any] | None:
        """``{"id", "steps": [{"id", "passed"}, ...]}``, or None outside a lesson."""
        return None if self.lesson is None else self.lesson.as_dict()

    def set_weight(self, layer: int, source: int, target: int, value: float) -> None:
        self.trainer.set_weight(layer, source, target, value)
        self.run += 1
        self.edited_run = self.run
        self.observe()

    def set_bias(self, layer: int, neuron: int, value: float) -> None:
        self.trainer.set_bias(layer, neuron, value)
        self.run += 1
        self.edited_run = self.run
        self.observe()

    def train_slices(
        self, *, epochs: int | None = None, iterations: int | None = None, slice_seconds: float
    ) -> Generator[Trained, None, None]:
        """Train ``epochs`` or ``iterations`` (exactly one), within the per-call limits, in
        slices of about ``slice_seconds``; yields what is done after each (see
        ``train_slices``). ValueError before anything is trained if the call asks too much.
        """
        check_work(self.trainer, self.settings, epochs=epochs, iterations=iterations)
        return self._slices(epochs, iterations, slice_seconds)

    def _slices(
        self, epochs: int | None, iterations: int | None, slice_seconds: float
    ) -> Generator[Trained, None, None]:
        try:
            for done in train_slices(
                self.trainer, epochs=epochs, iterations=iterations, slice_seconds=slice_seconds
            ):
                self.changed = True  # a long call is written every snapshot_seconds meanwhile
                self.observe_challenge()  # a reach is seen at about the epoch it came
                yield done
        finally:
            self.changed = True
            self.observe()

    def train(self, *, epochs: int | None = None, iterations: int | None = None) -> Trained:
        """``train_slices`` at once: what was trained."""
        done = Trained()
        for progress in self.train_slices(epochs=epochs, iterations=iterations, slice_seconds=1):
            done = progress
        return done

    def data(self) -> dict[str, Any]:
        """Raw train and test points; labels as integers for classification."""
        trainer = self.trainer
        integer_labels = trainer.problem != "regression"
        return {
            "train": _split(trainer.X_train, trainer.y_train, integer_labels),
            "test": _split(trainer.X_test, trainer.y_test, integer_labels),
        }

    def boundary(self, resolution: int) -> dict[str, Any]:
        """The output over a resolution x resolution grid (see ``Trainer.boundary``)."""
        most = self.settings.max_resolution
        if not MIN_RESOLUTION <= resolution <= most:
            raise ValueError(
                f"resolution: expected an integer in [{MIN_RESOLUTION}, {most}], got {resolution}"
            )
        grid = self.trainer.boundary(resolution)
        values = finite_array(np.asarray(grid["values"], dtype=np.float64), "boundary")
        result: dict[str, Any] = {
            "resolution": resolution,
            "xs": np.asarray(grid["xs"], dtype=np.float64).round(GRID_DECIMALS).tolist(),
            "ys": np.asarray(grid["ys"], dtype=np.float64).round(GRID_DECIMALS).tolist(),
            "values": values.round(GRID_DECIMALS).tolist(),
        }
        if grid.get("classes") is not None:
            result["classes"] = np.asarray(grid["classes"]).astype(int).tolist()
        return result

    def predict(self, points: list[list[float]]) -> list[Any]:
        """p(class 1) per point, class probabilities per point, or the predicted value."""
        X = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        outputs = self.trainer.predict(X)
        result: list[Any] = finite_array(np.asarray(outputs, np.float64), "outputs").tolist()
        return result

    def model(self) -> dict[str, Any]:
        """The model document: format, config, problem, layer sizes, weights and biases."""
        return model_document.export_model(self.trainer, self.config())

    def load_model(self, document: dict[str, Any]) -> bool:
        """Take the document's config, then its weights; True if the network was rebuilt.

        The weights are checked against the config on a scratch trainer first, so a bad
        document leaves the session untouched.
        """
        try:
            complete = merge_config(default_config(), document["config"])
            scratch = Trainer(dict_to_config(complete), limits=engine_limits(self.settings))
        except ValueError as exc:
            raise prefixed(exc, "config") from exc
        weights, biases = model_document.parse_layers(document, scratch)
        scratch.load_parameters(weights, biases)
        rebuilt = self.update({name: complete[name] for name in CONFIG_FIELDS})
        self.trainer.load_parameters(weights, biases)
        self.run += 1
        self.edited_run = self.run
        self.observe()
        return rebuilt


def lesson_config(lesson: Lesson | None) -> dict[str, Any]:
    """The complete configuration a lesson starts from (the defaults without one)."""
    defaults = default_config()
    return defaults if lesson is None else merge_config(defaults, dict(lesson.preset))


def dataclasses_fields(config: Any, names: dict[str, Any]) -> dict[str, Any]:
    """The engine-form values of ``names`` taken from the converted ``config``."""
    return {name: getattr(config, name) for name in names}


def _split(X: np.ndarray, y: np.ndarray, integer_labels: bool) -> dict[str, Any]:
    labels = y.astype(np.int64) if integer_labels else y.astype(np.float64)
    return {"x": np.asarray(X, dtype=np.float64).tolist(), "y": labels.tolist()}
