"""A learning-rate sweep: one configuration trained at several rates, each rate's curves."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from app.engine import Status
from app.schemas.base import LearningRate, OutModel
from app.schemas.model import StatelessTrainRequest

MAX_SWEEP_RATES = 16

SWEEP_EXAMPLE: dict[str, Any] = {
    "config": {"dataset": "circles", "activation": "tanh"},
    "learning_rates": [0.0001, 0.03, 10],
    "epochs": 10,
}


class SweepRequest(StatelessTrainRequest):
    """``config`` and ``epochs`` as for one-shot training, and the rates to train them at."""

    model_config = ConfigDict(json_schema_extra={"examples": [SWEEP_EXAMPLE]})

    learning_rates: list[LearningRate] = Field(
        min_length=1,
        max_length=MAX_SWEEP_RATES,
        description="Each replaces the config's learning_rate; the results keep this order.",
    )


class SweepResult(OutModel):
    learning_rate: float
    train_loss: list[float] = Field(
        description="the training data loss at each epoch end; a diverged run's stops before "
        "the epoch it diverged in"
    )
    test_loss: list[float | None] = Field(
        description="the test data loss at the same epoch ends; null without a test set"
    )
    status: Status = Field(
        description="at the end: ready; unstable (the loss shows the steps are too large); "
        "diverged (training stopped, see diverged_at)"
    )
    diverged_at: list[int] | None = Field(
        default=None, description="[epoch, iteration] at which it stopped, if diverged"
    )


class SweepOut(OutModel):
    results: list[SweepResult] = Field(description="one per learning rate, in the order asked")
    truncated: bool = Field(
        default=False,
        description="true if the runs stopped before the epochs asked: the call ran for the "
        "server's max_call_seconds",
    )
