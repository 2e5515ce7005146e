"""The wire's building blocks: absolute caps, request/response bases and bounded field types."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.engine import ActivationName, FeatureName

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
