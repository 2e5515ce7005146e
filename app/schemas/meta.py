"""What the page shows and offers, as the server defines it (``GET /api/meta``).

The names, choices and bounds the server accepts, in the settings in force: a client builds
its menus and sliders from this instead of keeping copies that drift.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.engine import ActivationName, DatasetName, FeatureName, OptimizerName, RegularizationName
from app.schemas.base import OutModel, ProblemKind, ProblemName
from app.schemas.config import SessionConfig


class IntRange(OutModel):
    """Integers from ``min`` to ``max``, both included."""

    min: int
    max: int


class NumberRange(OutModel):
    """Numbers from ``min`` (excluded if ``min_exclusive``) to ``max`` (included)."""

    min: float
    max: float
    min_exclusive: bool = False


class DatasetMeta(OutModel):
    name: DatasetName
    problem: ProblemName
    kind: ProblemKind | None = Field(
        default=None,
        description="binary, multiclass or regression; null when the points decide (custom)",
    )
    classes: int | None = Field(
        default=None, description="null if variable (blobs), regression or custom"
    )
    description: str


class OptimizerMeta(OutModel):
    name: OptimizerName
    max_hidden_layers: int = Field(description="The most hidden layers it trains")
    kinds: list[ProblemKind] = Field(description="The problems it trains")


class SpeedMeta(OutModel):
    """One choice of training speed: how much a stream trains per frame."""

    value: str = Field(description="The choice's name, as the page's link writes it")
    unit: Literal["iteration", "epoch"]
    per_frame: int = Field(
        ge=0, description="Units trained per frame; 0: as many iterations as fit in the frame"
    )
    stream: dict[str, int | str] = Field(
        description='The fields of the stream message ("type": "stream") that choose it'
    )


class Bounds(OutModel):
    """Every number a client can set, as the server bounds it now."""

    n_samples: IntRange
    noise: NumberRange
    train_ratio: NumberRange
    batch_size: IntRange
    n_classes: IntRange = Field(description="Blobs only")
    seed: IntRange = Field(description="Both seed and data_seed")
    features: IntRange = Field(description="How many features a network takes")
    hidden_layers: IntRange = Field(description="How many hidden layers")
    neurons: IntRange = Field(description="Neurons in one hidden layer")
    learning_rate: NumberRange
    momentum: NumberRange
    regularization_rate: NumberRange
    custom_points: IntRange = Field(description="Points of the custom data set")
    custom_classes: IntRange = Field(description="Distinct classes among custom points")
    coordinate: NumberRange = Field(description="Each coordinate of a point (x1, x2)")
    target: NumberRange = Field(description="A regression target of a custom point")
    edited_parameter: NumberRange = Field(description="A weight or bias set from a stream")


class StreamMeta(OutModel):
    """The stream's settings: their bounds and the defaults a stream starts with."""

    fps: IntRange
    default_fps: int
    resolution: IntRange
    default_resolution: int
    thumbnail_resolution: IntRange
    speed: IntRange = Field(description="Iterations per frame; 0: as many as fit")
    epochs_per_frame: IntRange = Field(description='The speed with speed_unit "epoch"')


class ActivationCurve(OutModel):
    """One activation at every z of the grid, rounded to 6 decimals."""

    value: list[float] = Field(description="f(z)")
    derivative: list[float] = Field(description="f′(z)")


class ActivationCurves(OutModel):
    """Every activation sampled on one grid of z by the engine's own functions, for drawing."""

    z: list[float] = Field(description="The points, ascending (121 on [-5, 5])")
    curves: dict[ActivationName, ActivationCurve] = Field(description="By activation")


class MetaOut(OutModel):
    """Every table and bound the page shows, from the engine's registries and the settings."""

    version: str
    datasets: list[DatasetMeta]
    features: list[FeatureName]
    activations: list[ActivationName]
    activation_curves: ActivationCurves
    optimizers: list[OptimizerMeta]
    regularizations: list[RegularizationName]
    learning_rates: list[float] = Field(description="The learning rates a menu offers")
    regularization_rates: list[float] = Field(description="The rates a menu offers")
    speeds: list[SpeedMeta]
    default_speed: str = Field(description="The value of the speed a page starts with")
    defaults: SessionConfig = Field(description="The configuration of a new session")
    bounds: Bounds
    stream: StreamMeta
