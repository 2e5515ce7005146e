"""Everything that crosses the wire, as pydantic models with a bound on every number.

Request models forbid unknown fields, accept no NaN or infinity and coerce nothing (strict:
``"0.1"`` is not a number, ``true`` is not an integer). The bounds here are absolute caps;
the limits an operator sets in ``Settings`` (layers, neurons, samples, learning rate,
resolution, work per call) are at most these, are checked by the services, and answer with
the same 422 shape.

Names come from the engine's ``Literal`` aliases, so the schema cannot offer a name the
engine lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.engine import (
    ActivationName,
    DatasetName,
    FeatureName,
    OptimizerName,
    RegularizationName,
)

# Absolute caps; the configurable limits in Settings are at most these.
MAX_LAYERS = 64
MAX_NEURONS = 1024
MAX_SAMPLES = 100_000
MAX_POINTS = 1_000_000
MAX_SEED = 2**32 - 1
MAX_LEARNING_RATE = 100.0
MAX_REGULARIZATION_RATE = 100.0
MIN_RESOLUTION = 2
MAX_RESOLUTION = 1024
MAX_EPOCHS = 1_000_000
MAX_ITERATIONS = 100_000_000
MAX_ABS_TARGET = 1e6
MAX_ABS_PREDICT = 1e3
MODEL_FORMAT: Final = "nn-playground.model/1"

ProblemName = Literal["classification", "regression"]
ProblemKind = Literal["binary", "multiclass", "regression"]


class InModel(BaseModel):
    """A request body: unknown fields, NaN/infinity and type coercion are all rejected."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class OutModel(BaseModel):
    """A response body; never holds NaN or infinity."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


Coordinate = Annotated[float, Field(ge=-6.0, le=6.0)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2)]
# A label keeps its JSON type, and without a `problem` that type decides it: classification
# if every label is a JSON integer (1, not 1.0), regression otherwise.
Target = (
    Annotated[int, Field(ge=-MAX_ABS_TARGET, le=MAX_ABS_TARGET)]
    | Annotated[float, Field(ge=-MAX_ABS_TARGET, le=MAX_ABS_TARGET)]
)
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
NSamples = Annotated[int, Field(ge=4, le=MAX_SAMPLES)]
Noise = Annotated[float, Field(ge=0.0, le=0.5)]
TrainRatio = Annotated[float, Field(ge=0.1, le=1.0)]
NClasses = Annotated[int, Field(ge=3, le=6, description="Number of blobs (blobs only).")]
Features = Annotated[list[FeatureName], Field(min_length=1, max_length=16)]
HiddenLayers = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_NEURONS)]], Field(max_length=MAX_LAYERS)
]
LayerActivations = Annotated[list[ActivationName], Field(max_length=MAX_LAYERS)]
LearningRate = Annotated[
    float,
    Field(
        gt=0.0,
        le=MAX_LEARNING_RATE,
        description="At most the server's max_learning_rate (10 by default).",
    ),
]
BatchSize = Annotated[int, Field(ge=1, le=MAX_SAMPLES)]
Momentum = Annotated[float, Field(ge=0.0, lt=1.0)]
RegularizationRate = Annotated[
    float,
    Field(
        ge=0.0,
        le=MAX_REGULARIZATION_RATE,
        description="At most the server's max_regularization_rate (10 by default).",
    ),
]


class Points(InModel):
    """Caller-supplied data: ``x`` holds (x1, x2) pairs in [-6, 6]², ``y`` one label each."""

    x: list[Point] = Field(min_length=1, max_length=MAX_POINTS)
    y: list[Target] = Field(min_length=1, max_length=MAX_POINTS)


def _default_features() -> list[FeatureName]:
    return ["x1", "x2"]


def _check_distinct_features(features: Sequence[str] | None) -> None:
    if features is not None and len(set(features)) != len(features):
        raise ValueError(f"features: expected distinct names, got {features}")


_CONFIG_EXAMPLE: dict[str, Any] = {
    "dataset": "spiral",
    "noise": 0.1,
    "features": ["x1", "x2", "sin_x1", "sin_x2"],
    "hidden_layers": [8, 8, 4],
    "activation": "tanh",
    "learning_rate": 0.03,
}


class SessionConfig(InModel):
    """A complete training configuration; every field is optional and has a default."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CONFIG_EXAMPLE]})

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


class TrainingState(OutModel):
    status: Literal["ready", "diverged"]
    epoch: int = Field(ge=0)
    iteration: int = Field(ge=0)
    iterations_per_epoch: int = Field(ge=1)
    train_loss: float | None
    test_loss: float | None = Field(description="null without a test set")
    train_accuracy: float | None = Field(description="null for regression")
    test_accuracy: float | None
    diverged_at: list[int] | None = Field(
        default=None, description="[epoch, iteration] if diverged"
    )


class SessionOut(OutModel):
    id: str
    config: SessionConfig
    state: TrainingState


class SessionUpdated(SessionOut):
    rebuilt: bool = Field(description="true if the network was rebuilt (counters back to 0)")


class TrainRequest(InModel):
    """Exactly one of ``epochs`` or ``iterations``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"epochs": 10}, {"iterations": 1}]})

    epochs: int | None = Field(default=None, ge=1, le=MAX_EPOCHS)
    iterations: int | None = Field(default=None, ge=1, le=MAX_ITERATIONS)

    @model_validator(mode="after")
    def _exactly_one(self) -> TrainRequest:
        if (self.epochs is None) == (self.iterations is None):
            raise ValueError("epochs: expected exactly one of 'epochs' or 'iterations'")
        return self


class DataSplit(OutModel):
    x: list[list[float]] = Field(description="[[x1, x2], ...] raw coordinates")
    y: list[int] | list[float] = Field(
        description="labels (integers for classification) or targets"
    )


class DataOut(OutModel):
    train: DataSplit
    test: DataSplit


class BoundaryOut(OutModel):
    resolution: int
    xs: list[float] = Field(description="cell centres, ascending")
    ys: list[float] = Field(description="cell centres, descending (row 0 is the top)")
    values: list[list[float]] = Field(
        description="values[i][j] at (xs[j], ys[i]): p(class 1), winning-class confidence "
        "(multi-class) or the predicted value"
    )
    classes: list[list[int]] | None = Field(
        default=None, description="multi-class only: class index"
    )


class PredictRequest(InModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"points": [[0, 0], [3, -2]]}]})

    points: list[
        Annotated[
            list[Annotated[float, Field(ge=-MAX_ABS_PREDICT, le=MAX_ABS_PREDICT)]],
            Field(min_length=2, max_length=2),
        ]
    ] = Field(min_length=1, max_length=MAX_POINTS)


class PredictOut(OutModel):
    outputs: list[float] | list[list[float]] = Field(
        description="p(class 1) per point (binary), class probabilities (multi-class), "
        "or the value (regression)"
    )


# Any finite float64: a network trained with a large learning rate may legitimately hold
# weights far beyond any round bound, and what GET returns must load back through PUT.
Parameter = Annotated[float, Field(allow_inf_nan=False)]


class ModelLayer(InModel):
    weights: list[Annotated[list[Parameter], Field(max_length=MAX_NEURONS)]] = Field(
        max_length=MAX_NEURONS, description="fan_in x fan_out, finite numbers"
    )
    biases: list[Parameter] = Field(max_length=MAX_NEURONS)


class ModelDocument(InModel):
    """A trained network: its configuration and every weight and bias.

    PUT it to a session to load it: the session takes the document's ``config`` (rebuilding
    if that changes the network) and then its weights, checked against that config.
    """

    format: Literal["nn-playground.model/1"] = MODEL_FORMAT
    config: SessionConfig
    problem: ProblemKind | None = None
    layer_sizes: list[Annotated[int, Field(ge=1, le=MAX_NEURONS)]] | None = Field(
        default=None, max_length=MAX_LAYERS + 2
    )
    layers: list[ModelLayer] = Field(max_length=MAX_LAYERS + 1)


class StatelessTrainRequest(InModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"config": {"dataset": "xor"}, "epochs": 50}]}
    )

    config: SessionConfig = Field(default_factory=SessionConfig)
    epochs: int = Field(ge=1, le=MAX_EPOCHS)


class EpochRecord(OutModel):
    epoch: int = Field(ge=1, description="1 for the first epoch trained")
    status: Literal["ready", "diverged"] = Field(
        description="diverged: the run diverged during this epoch (the last record); "
        "its metrics are null"
    )
    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None


class StatelessTrainOut(OutModel):
    config: SessionConfig
    state: TrainingState
    history: list[EpochRecord] = Field(description="one entry per trained epoch")
    model: ModelDocument


class DatasetOut(OutModel):
    name: DatasetName
    problem: ProblemName
    classes: int | None
    description: str


class HealthOut(OutModel):
    status: Literal["ok"]
    version: str
