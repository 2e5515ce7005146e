"""What the session routes return and the training, data, boundary and prediction calls take."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from app.engine import DatasetName, Status
from app.schemas.base import (
    MAX_ABS_PREDICT,
    MAX_EPOCHS,
    MAX_ITERATIONS,
    MAX_POINTS,
    WHOLE,
    InModel,
    OutModel,
    ProblemName,
)
from app.schemas.bounds import settings_bound
from app.schemas.challenges import ChallengeProgressOut
from app.schemas.config import SessionConfig
from app.schemas.lessons import LessonProgressOut


class TrainingState(OutModel):
    status: Status = Field(
        description="ready; unstable (training goes on, but the loss shows the steps are too "
        "large: lower the learning rate); diverged (training stopped, see diverged_at)"
    )
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
    lesson: LessonProgressOut | None = Field(
        default=None, description="the lesson the session follows, null when none"
    )
    challenge: ChallengeProgressOut | None = Field(
        default=None, description="the room's challenge the session is judged on, null when none"
    )


class SessionUpdated(SessionOut):
    rebuilt: bool = Field(description="true if the network was rebuilt (counters back to 0)")


class Trained(OutModel):
    epochs: int = Field(ge=0, description="epochs this call finished")
    iterations: int = Field(ge=0, description="weight updates this call made")


class SessionTrained(SessionOut):
    truncated: bool = Field(
        description="true if the call stopped before doing all it asked: it ran for the "
        "server's max_call_seconds"
    )
    trained: Trained = Field(description="what this call trained")


class TrainRequest(InModel):
    """Exactly one of ``epochs`` or ``iterations``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"epochs": 10}, {"iterations": 1}]})

    epochs: (
        Annotated[
            int,
            Field(
                ge=1,
                le=MAX_EPOCHS,
                json_schema_extra=settings_bound(maximum="max_epochs_per_call"),
            ),
            WHOLE,
        ]
        | None
    ) = None
    iterations: (
        Annotated[
            int,
            Field(
                ge=1,
                le=MAX_ITERATIONS,
                json_schema_extra=settings_bound(maximum="max_iterations_per_call"),
            ),
            WHOLE,
        ]
        | None
    ) = None

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
    ] = Field(
        min_length=1,
        max_length=MAX_POINTS,
        json_schema_extra=settings_bound(maxItems="max_predict_points"),
    )


class PredictOut(OutModel):
    outputs: list[float] | list[list[float]] = Field(
        description="p(class 1) per point (binary), class probabilities (multi-class), "
        "or the value (regression)"
    )


class DatasetOut(OutModel):
    name: DatasetName
    problem: ProblemName
    classes: int | None
    description: str


class HealthOut(OutModel):
    status: Literal["ok"]
    version: str
