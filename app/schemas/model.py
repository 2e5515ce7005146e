"""A trained network as a document (GET/PUT the model), and stateless training that returns one."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from app.engine import Status
from app.schemas.base import (
    MAX_EPOCHS,
    MAX_LAYERS,
    MAX_NEURONS,
    MODEL_FORMAT,
    WHOLE,
    InModel,
    OutModel,
    ProblemKind,
)
from app.schemas.bounds import settings_bound
from app.schemas.config import SessionConfig
from app.schemas.sessions import TrainingState

# Any finite float64: a network trained with a large learning rate may legitimately hold
# weights far beyond any round bound, and what GET returns must load back through PUT.
Parameter = Annotated[float, Field(allow_inf_nan=False)]
# No layer of a network the settings allow is wider than this (see SETTINGS_BOUNDS).
_WIDTH = settings_bound(maxItems="max_layer_width")


class ModelLayer(InModel):
    weights: list[
        Annotated[list[Parameter], Field(max_length=MAX_NEURONS, json_schema_extra=_WIDTH)]
    ] = Field(
        max_length=MAX_NEURONS,
        description="fan_in x fan_out, finite numbers",
        json_schema_extra=_WIDTH,
    )
    biases: list[Parameter] = Field(max_length=MAX_NEURONS, json_schema_extra=_WIDTH)


class ModelDocument(InModel):
    """A trained network: its configuration and every weight and bias.

    PUT it to a session to load it: the session takes the document's ``config`` (rebuilding
    if that changes the network) and then its weights, checked against that config.
    """

    format: Literal["nn-playground.model/1"] = MODEL_FORMAT
    config: SessionConfig
    problem: ProblemKind | None = None
    layer_sizes: (
        Annotated[
            list[
                Annotated[
                    int,
                    Field(
                        ge=1,
                        le=MAX_NEURONS,
                        json_schema_extra=settings_bound(maximum="max_layer_width"),
                    ),
                    WHOLE,
                ]
            ],
            Field(
                max_length=MAX_LAYERS + 2,
                json_schema_extra=settings_bound(maxItems="max_layer_sizes"),
            ),
        ]
        | None
    ) = None
    layers: list[ModelLayer] = Field(
        max_length=MAX_LAYERS + 1, json_schema_extra=settings_bound(maxItems="max_model_layers")
    )


class StatelessTrainRequest(InModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"config": {"dataset": "xor"}, "epochs": 50}]}
    )

    config: SessionConfig = Field(default_factory=SessionConfig)
    epochs: Annotated[
        int,
        Field(ge=1, le=MAX_EPOCHS, json_schema_extra=settings_bound(maximum="max_epochs_per_call")),
        WHOLE,
    ]


class EpochRecord(OutModel):
    epoch: int = Field(ge=1, description="1 for the first epoch trained")
    status: Status = Field(
        description="unstable: training goes on, but the loss shows the steps are too large "
        "(the rule is in app/engine/stability.py); diverged: the run diverged during this "
        "epoch (the last record), its metrics are null"
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
    truncated: bool = Field(
        default=False,
        description="true if training stopped before the epochs asked: it ran for the "
        "server's max_call_seconds",
    )
