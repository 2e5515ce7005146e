"""The check language: conditions over a training run's state, written as plain data.

A condition is a table (a dict) with exactly one *subject* key, plus one or more *tests*;
or one of the combinators ``all = [...]``, ``any = [...]``, ``not = {...}``::

    { field = "dataset", eq = "and" }                 a configuration field
    { state = "status", in = ["unstable", "diverged"] }   status and counters
    { metric = "train_accuracy", gte = 1.0 }          losses and accuracies (None = false)
    { count = "hidden_layers", activation = "sigmoid", gte = 5 }   sizes of the network/data
    { gradient_ratio = [0, -1], lt = 0.01 }           epoch-mean |dL/dW| of layer 0 over the last
    { epochs_while = { field = "learning_rate", lte = 0.0001 }, gte = 50 }
    { metric = "train_loss", since = { ... }, gt = 0.9 }   loss now / loss when { ... } began

Tests: ``eq``, ``ne``, ``lt``, ``lte``, ``gt``, ``gte``, ``in`` (one of a list) and, for a
list subject (``features``, ``hidden_layers``), ``contains``. A subject whose value is
undefined (``None``: no test set, no epoch trained yet) fails every test. Several tests in one
condition must all hold. ``epochs_while`` and ``since`` follow a *stretch*: the condition
inside is judged at every evaluation; it begins when the condition is first seen to hold, and
ends when it is seen not to, or when the network starts afresh (reset, rebuild, weights edited
or loaded). Nothing here evaluates code: a check is parsed once into the frozen nodes below,
and every name and operand is validated then (``CheckError`` names the path at fault).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.engine import ACTIVATIONS, DATASETS, FEATURES, OPTIMIZERS, REGULARIZATIONS, STATUSES

NUMBER = "number"
NUMBERS = "numbers"  # a list of numbers
NAMES = "names"  # a list of names


@dataclass(frozen=True)
class Kind:
    """What a subject's values are: a number, one name of ``names``, or a list of either."""

    shape: str  # NUMBER, "name", NUMBERS or NAMES
    names: tuple[str, ...] = ()


NUMBER_KIND = Kind(NUMBER)

# Configuration fields a check may read (custom points are not among them).
FIELDS: dict[str, Kind] = {
    "dataset": Kind("name", tuple(DATASETS)),
    "n_samples": NUMBER_KIND,
    "noise": NUMBER_KIND,
    "train_ratio": NUMBER_KIND,
    "seed": NUMBER_KIND,
    "data_seed": NUMBER_KIND,
    "n_classes": NUMBER_KIND,
    "features": Kind(NAMES, tuple(FEATURES)),
    "hidden_layers": Kind(NUMBERS),
    "activation": Kind("name", tuple(ACTIVATIONS)),
    "hidden_activations": Kind(NAMES, tuple(ACTIVATIONS)),  # one per hidden layer, in effect
    "learning_rate": NUMBER_KIND,
    "batch_size": NUMBER_KIND,
    "optimizer": Kind("name", tuple(OPTIMIZERS)),
    "momentum": NUMBER_KIND,
    "regularization": Kind("name", tuple(REGULARIZATIONS)),
    "regularization_rate": NUMBER_KIND,
}
STATE: dict[str, Kind] = {
    "status": Kind("name", STATUSES),
    "epoch": NUMBER_KIND,
    "iteration": NUMBER_KIND,
    "iterations_per_epoch": NUMBER_KIND,
}


def _difference(a: str, b: str) -> Callable[[Mapping[str, float | None]], float | None]:
    def metric(metrics: Mapping[str, float | None]) -> float | None:
        first, second = metrics.get(a), metrics.get(b)
        return None if first is None or second is None else first - second

    return metric


# name -> the metric, from the run's four measured ones
METRICS: dict[str, Callable[[Mapping[str, float | None]], float | None]] = {
    "train_loss": lambda metrics: metrics.get("train_loss"),
    "test_loss": lambda metrics: metrics.get("test_loss"),
    "train_accuracy": lambda metrics: metrics.get("train_accuracy"),
    "test_accuracy": lambda metrics: metrics.get("test_accuracy"),
    "accuracy_gap": _difference("train_accuracy", "test_accuracy"),  # how much is memorised
    "loss_gap": _difference("test_loss", "train_loss"),
}
# Counts of the network and the data; the first two may be filtered by activation.
COUNTS = (
    "hidden_layers",
    "hidden_neurons",
    "inputs",
    "output_units",
    "parameters",
    "train_samples",
    "test_samples",
)
BY_ACTIVATION = ("hidden_layers", "hidden_neurons")
ORDERING = ("lt", "lte", "gt", "gte")
TESTS = ("eq", "ne", *ORDERING, "in", "contains")
COMBINATORS = ("all", "any", "not")
MAX_DEPTH = 8
MAX_PARTS = 32


class CheckError(ValueError):
    """A check that does not parse: ``"path: expected …, got …"``."""


def fail(path: str, expected: str, got: object) -> CheckError:
    return CheckError(f"{path}: expected {expected}, got {got!r}")


@dataclass(frozen=True)
class Observation:
    """A run's state at one moment, as checks read it (``observation.observe`` makes one).

    ``run`` grows whenever the network starts afresh (reset, rebuild, edited or loaded
    weights), which ends every stretch.
    """

    config: Mapping[str, Any]
    state: Mapping[str, Any]
    metrics: Mapping[str, float | None]
    counts: Mapping[str, Any]  # COUNTS, and "hidden_sizes": ((size, activation), ...)
    epoch_gradient_norms: tuple[float, ...] | None
    run: int


# ---------------------------------------------------------------------------- the nodes
@dataclass(frozen=True)
class Field:
    name: str

    def value(self, observation: Observation, stretches: Stretches) -> Any:
        return observation.config.get(self.name)


@dataclass(frozen=True)
class State:
    name: str

    def value(self, observation: Observation, stretches: Stretches) -> Any:
        return observation.state.get(self.name)


@dataclass(frozen=True)
class Metric:
    name: str
    since: Check | None = None  # divide by the metric when this condition's stretch began

    def value(self, observation: Observation, stretches: Stretches) -> Any:
        now = METRICS[self.name](observation.metrics)
        if self.since is None or now is None:
            return now
        stretch = stretches.get(self.since)
        start = None if stretch is None else METRICS[self.name](stretch.metrics)
        return None if start is None or start == 0 else now / start


@dataclass(frozen=True)
class Count:
    name: str
    activations: tuple[str, ...] | None = None  # only hidden layers with one of these

    def value(self, observation: Observation, stretches: Stretches) -> Any:
        if self.activations is None:
            return observation.counts.get(self.name)
        layers = [
            size
            for size, activation in observation.counts["hidden_sizes"]
            if activation in self.activations
        ]
        return len(layers) if self.name == "hidden_layers" else sum(layers)


@dataclass(frozen=True)
class GradientRatio:
    """Epoch-mean gradient norm of weight layer ``top`` over that of layer ``bottom``."""

    top: int
    bottom: int

    def value(self, observation: Observation, stretches: Stretches) -> Any:
        norms = observation.epoch_gradient_norms
        if norms is None or not all(-len(norms) <= i < len(norms) for i in (self.top, self.bottom)):
            return None
        top, bottom = norms[self.top], norms[self.bottom]
        return top / bottom if bottom > 0 and math.isfinite(top / bottom) else None


@dataclass(frozen=True)
class EpochsWhile:
    condition: Check

    def value(self, observation: Observation, stretches: Stretches) -> Any:
        stretch = stretches.get(self.condition)
        return 0 if stretch is None else observation.state["epoch"] - stretch.epoch


Subject = Field | State | Metric | Count | GradientRatio | EpochsWhile


@dataclass(frozen=True)
class Compare:
    subject: Subject
    tests: tuple[tuple[str, Any], ...]  # (test, operand), all must hold


@dataclass(frozen=True)
class All:
    parts: tuple[Check, ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple[Check, ...]


@dataclass(frozen=True)
class Not:
    part: Check


Check = Compare | All | Any_ | Not


# ---------------------------------------------------------------------------- evaluating
@dataclass
class Stretch:
    """Since when a tracked condition has held: the run, epoch and metrics it began at."""

    run: int
    epoch: int
    iteration: int
    metrics: Mapping[str, float | None]


@dataclass
class Stretches:
    """The stretches of the conditions some check follows (``epochs_while``, ``since``)."""

    conditions: tuple[Check, ...] = ()
    open: dict[Check, Stretch] = field(default_factory=dict)

    def get(self, condition: Check) -> Stretch | None:
        return self.open.get(condition)

    def update(self, observation: Observation) -> None:
        """Judge every followed condition now: begin, go on or end its stretch."""
        state = observation.state
        for condition in self.conditions:
            if not holds(condition, observation, Stretches()):
                self.open.pop(condition, None)
                continue
            stretch = self.open.get(condition)
            if (
                stretch is None
                or stretch.run != observation.run
                or state["iteration"] < stretch.iteration
            ):
                stretch = Stretch(observation.run, state["epoch"], state["iteration"], {})
                stretch.metrics = dict(observation.metrics)
                self.open[condition] = stretch
            stretch.iteration = state["iteration"]

    def clear(self) -> None:
        self.open.clear()


def holds(check: Check, observation: Observation, stretches: Stretches) -> bool:
    """Whether ``check`` holds for ``observation`` (stretches as last updated)."""
    if isinstance(check, All):
        return all(holds(part, observation, stretches) for part in check.parts)
    if isinstance(check, Any_):
        return any(holds(part, observation, stretches) for part in check.parts)
    if isinstance(check, Not):
        return not holds(check.part, observation, stretches)
    value = check.subject.value(observation, stretches)
    if value is None:
        return False
    return all(_passes(test, value, operand) for test, operand in check.tests)


def _passes(test: str, value: Any, operand: Any) -> bool:
    if isinstance(value, list):
        value = tuple(value)
    if test == "eq":
        return bool(value == operand)
    if test == "ne":
        return bool(value != operand)
    if test == "in":
        return value in operand
    if test == "contains":
        return operand in value
    return {
        "lt": value < operand,
        "lte": value <= operand,
        "gt": value > operand,
        "gte": value >= operand,
    }[test]


def followed(check: Check) -> Iterator[Check]:
    """The conditions whose stretches ``check`` reads."""
    if isinstance(check, All | Any_):
        for part in check.parts:
            yield from followed(part)
    elif isinstance(check, Not):
        yield from followed(check.part)
    elif isinstance(check.subject, EpochsWhile):
        yield check.subject.condition
    elif isinstance(check.subject, Metric) and check.subject.since is not None:
        yield check.subject.since
