"""A session's training configuration: complete (``SessionConfig``), or changes to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ConfigDict, Field, model_validator

from app.engine import ActivationName, DatasetName, FeatureName, OptimizerName, RegularizationName
from app.schemas.base import (
    MAX_POINTS,
    BatchSize,
    Features,
    HiddenLayers,
    InModel,
    LayerActivations,
    LearningRate,
    Momentum,
    NClasses,
    Noise,
    NSamples,
    Point,
    ProblemName,
    RegularizationRate,
    Seed,
    Target,
    TrainRatio,
)
from app.schemas.bounds import settings_bound

# As many labels as points, at most the server's max_custom_points of each.
_CUSTOM_POINTS = settings_bound(maxItems="max_custom_points")


class Points(InModel):
    """Caller-supplied data: ``x`` holds (x1, x2) pairs in [-6, 6]², ``y`` one label each."""

    x: list[Point] = Field(min_length=1, max_length=MAX_POINTS, json_schema_extra=_CUSTOM_POINTS)
    y: list[Target] = Field(min_length=1, max_length=MAX_POINTS, json_schema_extra=_CUSTOM_POINTS)


def _default_features() -> list[FeatureName]:
    return ["x1", "x2"]


def _check_distinct_features(features: Sequence[str] | None) -> None:
    if features is not None and len(set(features)) != len(features):
        raise ValueError(f"features: expected distinct names, got {features}")


# The OpenAPI example of a configuration (also offered by POST /api/sessions).
SPIRAL_CONFIG: dict[str, Any] = {
    "dataset": "spiral",
    "noise": 0.1,
    "features": ["x1", "x2", "sin_x1", "sin_x2"],
    "hidden_layers": [8, 8, 4],
    "activation": "tanh",
    "learning_rate": 0.03,
}


class SessionConfig(InModel):
    """A complete training configuration; every field is optional and has a default."""

    model_config = ConfigDict(json_schema_extra={"examples": [SPIRAL_CONFIG]})

    dataset: DatasetName = "circles"
    n_samples: NSamples = 500
    noise: Noise = 0.0
    train_ratio: TrainRatio = 0.5
    seed: Seed = Field(default=0, description="Seeds the weights and the shuffling.")
    data_seed: Seed = Field(default=0, description="Seeds the data and the train/test split.")
    n_classes: NClasses = 4
    features: Features = Field(default_factory=_default_features)
    hidden_layers: HiddenLayers = Field(default_factory=lambda: [4, 2])
    activation: ActivationName = "tanh"
    layer_activations: LayerActivations | None = Field(
        default=None, description="One activation per hidden layer, overriding `activation`."
    )
    learning_rate: LearningRate = 0.03
    batch_size: BatchSize = 10
    optimizer: OptimizerName = "sgd"
    momentum: Momentum = 0.9
    regularization: RegularizationName = "none"
    regularization_rate: RegularizationRate = 0.0
    points: Points | None = Field(default=None, description="The data, when `dataset` is `custom`.")
    problem: ProblemName | None = Field(
        default=None,
        description="`custom` only. When omitted: classification if every label is a JSON "
        "integer (`1`, not `1.0`), regression otherwise.",
    )

    @model_validator(mode="after")
    def _check_consistent(self) -> SessionConfig:
        _check_distinct_features(self.features)
        if self.dataset == "custom" and self.points is None:
            raise ValueError("points: expected {'x': [[x1, x2], ...], 'y': [...]} for 'custom'")
        if self.dataset != "custom" and self.points is not None:
            raise ValueError("points: expected null unless dataset is 'custom', got points")
        if self.dataset != "custom" and self.problem is not None:
            raise ValueError(
                f"problem: expected null unless dataset is 'custom', got {self.problem!r}"
            )
        return self


class ConfigUpdate(InModel):
    """Any subset of the configuration; an omitted (or null) field stays as it is.

    ``layer_activations``, ``points`` and ``problem`` may be set to null explicitly to clear
    them. Pass ``changes()`` to ``Session.update``.
    """

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"learning_rate": 0.1}, {"hidden_layers": [6, 6]}]}
    )

    dataset: DatasetName | None = None
    n_samples: NSamples | None = None
    noise: Noise | None = None
    train_ratio: TrainRatio | None = None
    seed: Seed | None = None
    data_seed: Seed | None = None
    n_classes: NClasses | None = None
    features: Features | None = None
    hidden_layers: HiddenLayers | None = None
    activation: ActivationName | None = None
    layer_activations: LayerActivations | None = None
    learning_rate: LearningRate | None = None
    batch_size: BatchSize | None = None
    optimizer: OptimizerName | None = None
    momentum: Momentum | None = None
    regularization: RegularizationName | None = None
    regularization_rate: RegularizationRate | None = None
    points: Points | None = None
    problem: ProblemName | None = None

    @model_validator(mode="after")
    def _check_features(self) -> ConfigUpdate:
        _check_distinct_features(self.features)
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as plain data (explicit nulls kept)."""
        return self.model_dump(exclude_unset=True)
