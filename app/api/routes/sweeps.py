"""POST /api/sweeps: one configuration trained at several learning rates, nothing kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app.api import examples
from app.api.deps import SettingsDep
from app.schemas.sweeps import SweepOut, SweepRequest
from app.services.sweeps import sweep_rates

router = APIRouter(prefix="/api", tags=["train"])


@router.post(
    "/sweeps",
    response_model=SweepOut,
    summary="Train at several learning rates, keep nothing",
    responses=examples.json_example(examples.SWEEP_RESULT),
)
def sweep(
    request: Annotated[SweepRequest, Body(openapi_examples=examples.SWEEP)],
    settings: SettingsDep,
) -> dict[str, Any]:
    """Build the network from ``config`` and train it ``epochs`` epochs at each of
    ``learning_rates``, from the same initial weights in the same mini-batch order. Each
    result holds the training and test loss at every epoch end and the run's status; a
    diverged run's curves stop before the epoch it diverged in (no loss is ever NaN or
    infinite). The call's work is every rate's: rates x epochs x the work of one epoch stays
    within ``max_epochs_per_call``, ``max_iterations_per_call`` and ``max_work_per_call``,
    or the 422 says how many epochs are allowed."""
    return sweep_rates(
        request.config.model_dump(), request.learning_rates, request.epochs, settings
    )
