"""The wire's building blocks: absolute caps, request/response bases and bounded field types.

A bound an operator sets in ``Settings`` is marked with ``settings_bound`` beside its cap;
the OpenAPI document shows the setting's value (see ``app.schemas.bounds``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.engine import ActivationName, FeatureName
from app.schemas.bounds import settings_bound

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
MAX_MOMENTUM = 0.999  # the engine's own bound
MODEL_FORMAT: Final = "nn-playground.model/1"

ProblemName = Literal["classification", "regression"]
ProblemKind = Literal["binary", "multiclass", "regression"]


class InModel(BaseModel):
    """A request body: unknown fields, NaN/infinity and type coercion are all rejected."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class OutModel(BaseModel):
    """A response body; never holds NaN or infinity."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ErrorOut(OutModel):
    """Every error but a 422 (whose ``detail`` lists the fields at fault)."""

    detail: str = Field(description='what went wrong, e.g. "body: expected …, got …"')


def _whole_number(value: Any) -> Any:
    """JSON has one number type: ``500.0`` is the integer 500 (``500.5`` and ``true`` are not)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# After an integer field's Field(...), so that its bounds stay JSON Schema's: strict, but a
# number without a fraction is the integer it equals (as JSON Schema's "integer" says).
# Labels are not: their JSON type decides the problem.
WHOLE = BeforeValidator(_whole_number)

Coordinate = Annotated[float, Field(ge=-6.0, le=6.0)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2)]
# A label keeps its JSON type, and without a `problem` that type decides it: classification
# if every label is a JSON integer (1, not 1.0), regression otherwise.
Target = (
    Annotated[int, Field(ge=-MAX_ABS_TARGET, le=MAX_ABS_TARGET)]
    | Annotated[float, Field(ge=-MAX_ABS_TARGET, le=MAX_ABS_TARGET)]
)
Seed = Annotated[int, Field(ge=0, le=MAX_SEED), WHOLE]
NSamples = Annotated[
    int,
    Field(ge=4, le=MAX_SAMPLES, json_schema_extra=settings_bound(maximum="max_samples")),
    WHOLE,
]
Noise = Annotated[float, Field(ge=0.0, le=0.5)]
TrainRatio = Annotated[float, Field(ge=0.1, le=1.0)]
NClasses = Annotated[int, Field(ge=3, le=6, description="Number of blobs (blobs only)."), WHOLE]
Features = Annotated[
    list[FeatureName],
    Field(min_length=1, max_length=16, json_schema_extra={"uniqueItems": True}),
]
HiddenLayers = Annotated[
    list[
        Annotated[
            int,
            Field(ge=1, le=MAX_NEURONS, json_schema_extra=settings_bound(maximum="max_neurons")),
            WHOLE,
        ]
    ],
    Field(max_length=MAX_LAYERS, json_schema_extra=settings_bound(maxItems="max_hidden_layers")),
]
LayerActivations = Annotated[
    list[ActivationName],
    Field(max_length=MAX_LAYERS, json_schema_extra=settings_bound(maxItems="max_hidden_layers")),
]
LearningRate = Annotated[
    float,
    Field(
        gt=0.0,
        le=MAX_LEARNING_RATE,
        description="At most the server's max_learning_rate.",
        json_schema_extra=settings_bound(maximum="max_learning_rate"),
    ),
]
BatchSize = Annotated[
    int,
    Field(ge=1, le=MAX_SAMPLES, json_schema_extra=settings_bound(maximum="max_samples")),
    WHOLE,
]
Momentum = Annotated[float, Field(ge=0.0, le=MAX_MOMENTUM)]
RegularizationRate = Annotated[
    float,
    Field(
        ge=0.0,
        le=MAX_REGULARIZATION_RATE,
        description="At most the server's max_regularization_rate.",
        json_schema_extra=settings_bound(maximum="max_regularization_rate"),
    ),
]
