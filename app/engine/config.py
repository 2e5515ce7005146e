"""What a trainer is built from: ``TrainerConfig`` (one run's settings) and ``Limits`` (bounds).

``validate_config`` checks every field against ``Limits`` and returns a normalised copy
(tuples, plain ints and floats). Errors are ``ValueError("field: expected …, got …")``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from app.engine.activations import ACTIVATIONS
from app.engine.datasets import DATASETS
from app.engine.features import check_feature_names
from app.engine.losses import REGULARIZATIONS
from app.engine.optimizers import OPTIMIZERS

Points = tuple[tuple[tuple[float, float], ...], tuple[float, ...]]


@dataclass(frozen=True)
class TrainerConfig:
    """One training run. Every field has the default the API uses."""

    dataset: str = "circles"
    n_samples: int = 500
    noise: float = 0.0  # in [0, 0.5]; each data set's description says what it does
    train_ratio: float = 0.5  # in [0.1, 1.0]
    seed: int = 0  # weights and shuffling
    data_seed: int = 0  # data generation and the train/test split
    n_classes: int = 4  # blobs only (3..6)
    features: tuple[str, ...] = ("x1", "x2")
    hidden_layers: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    layer_activations: tuple[str, ...] | None = None  # per hidden layer, overrides activation
    learning_rate: float = 0.03
    batch_size: int = 10
    optimizer: str = "sgd"
    momentum: float = 0.9
    regularization: str = "none"
    regularization_rate: float = 0.0
    points: Points | None = None  # custom only: ((x1, x2), ...), (label, ...)
    problem: str | None = None  # custom only: "classification" | "regression"

    @property
    def hidden_activations(self) -> tuple[str, ...]:
        """The activation of every hidden layer."""
        if self.layer_activations is not None:
            return self.layer_activations
        return (self.activation,) * len(self.hidden_layers)


FIELD_NAMES = frozenset(f.name for f in fields(TrainerConfig))


@dataclass(frozen=True)
class Limits:
    """Bounds on everything a caller can ask for (the service passes its own settings)."""

    max_hidden_layers: int = 8
    max_neurons: int = 32
    min_samples: int = 4
    max_samples: int = 2000
    max_custom_points: int = 2000
    max_resolution: int = 256
    max_predict_points: int = 10_000
    max_learning_rate: float = 10.0
    max_regularization_rate: float = 10.0
    max_batch_size: int = 2000
    max_seed: int = 2**32 - 1
    max_parameter_value: float = 1e6  # |value| accepted by set_weight / set_bias


def fail(field: str, expected: str, got: object) -> ValueError:
    """The engine's one error shape: ``field: expected …, got …``."""
    return ValueError(f"{field}: expected {expected}, got {got!r}")


def check_int(field: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail(field, f"an integer in [{low}, {high}]", value)
    return int(value)


def check_float(
    field: str, value: object, low: float, high: float, *, low_open: bool = False
) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    number = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not math.isfinite(number) or not (low < number if low_open else low <= number):
        ok = False
    if not ok or number > high:
        bracket = "(" if low_open else "["
        raise fail(field, f"a number in {bracket}{low:g}, {high:g}]", value)
    return number


def check_name(field: str, value: object, names: Any) -> str:
    if not isinstance(value, str) or value not in names:
        raise fail(field, f"one of {', '.join(names)}", value)
    return value


def check_rule(config: TrainerConfig, problem: str) -> None:
    """The perceptron rule needs a single layer (no hidden one) and two classes."""
    if OPTIMIZERS[config.optimizer].uses_step_output and (
        config.hidden_layers or problem != "binary"
    ):
        raise fail(
            "optimizer", "'perceptron' only with no hidden layers and two classes", config.optimizer
        )


def validate_config(config: TrainerConfig, limits: Limits) -> TrainerConfig:
    """Check every field; return the config with canonical types. Raises ValueError."""
    if not isinstance(config, TrainerConfig):
        raise fail("config", "a TrainerConfig", type(config).__name__)
    dataset = check_name("dataset", config.dataset, DATASETS)
    hidden = config.hidden_layers
    if isinstance(hidden, str | bytes) or not isinstance(hidden, tuple | list):
        raise fail("hidden_layers", "a list of layer sizes", hidden)
    if len(hidden) > limits.max_hidden_layers:
        raise fail("hidden_layers", f"at most {limits.max_hidden_layers} layers", list(hidden))
    hidden_layers = tuple(
        check_int(f"hidden_layers[{i}]", size, 1, limits.max_neurons)
        for i, size in enumerate(hidden)
    )
    layer_activations = config.layer_activations
    if layer_activations is not None:
        if isinstance(layer_activations, str) or not isinstance(layer_activations, tuple | list):
            raise fail("layer_activations", "a list of activation names", layer_activations)
        if len(layer_activations) != len(hidden_layers):
            raise fail(
                "layer_activations",
                f"one name per hidden layer ({len(hidden_layers)})",
                list(layer_activations),
            )
        layer_activations = tuple(
            check_name(f"layer_activations[{i}]", name, ACTIVATIONS)
            for i, name in enumerate(layer_activations)
        )
    problem = config.problem
    if dataset == "custom":
        if problem is not None:
            check_name("problem", problem, ("classification", "regression"))
        if config.points is None:
            raise fail("points", "points and labels for the custom data set", None)
    else:
        if problem is not None and problem != DATASETS[dataset].problem:
            raise fail("problem", f"{DATASETS[dataset].problem!r} for {dataset}", problem)
        if config.points is not None:
            raise fail("points", "no points unless dataset is 'custom'", "points")
    return replace(
        config,
        dataset=dataset,
        n_samples=check_int("n_samples", config.n_samples, limits.min_samples, limits.max_samples),
        noise=check_float("noise", config.noise, 0.0, 0.5),
        train_ratio=check_float("train_ratio", config.train_ratio, 0.1, 1.0),
        seed=check_int("seed", config.seed, 0, limits.max_seed),
        data_seed=check_int("data_seed", config.data_seed, 0, limits.max_seed),
        n_classes=check_int("n_classes", config.n_classes, 3, 6),
        features=check_feature_names(config.features),
        hidden_layers=hidden_layers,
        activation=check_name("activation", config.activation, ACTIVATIONS),
        layer_activations=layer_activations,
        learning_rate=check_float(
            "learning_rate", config.learning_rate, 0.0, limits.max_learning_rate, low_open=True
        ),
        batch_size=check_int("batch_size", config.batch_size, 1, limits.max_batch_size),
        optimizer=check_name("optimizer", config.optimizer, OPTIMIZERS),
        momentum=check_float("momentum", config.momentum, 0.0, 0.999),
        regularization=check_name("regularization", config.regularization, REGULARIZATIONS),
        regularization_rate=check_float(
            "regularization_rate", config.regularization_rate, 0.0, limits.max_regularization_rate
        ),
        problem=problem,
    )
