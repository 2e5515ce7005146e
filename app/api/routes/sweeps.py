"""POST /api/sweeps: one configuration trained at several learning rates, nothing kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from app.api import examples
from app.api.calls import unless_client_leaves
from app.api.deps import PoolDep
from app.schemas.sweeps import SweepOut, SweepRequest

router = APIRouter(prefix="/api", tags=["train"])


@router.post(
    "/sweeps",
    response_model=SweepOut,
    summary="Train at several learning rates, keep nothing",
    responses=examples.json_example(examples.SWEEP_RESULT),
)
async def sweep(
    request: Annotated[SweepRequest, Body(openapi_examples=examples.SWEEP)],
    pool: PoolDep,
    http_request: Request,
) -> dict[str, Any]:
    """Build the network from ``config`` and train it ``epochs`` epochs at each of
    ``learning_rates``, from the same initial weights in the same mini-batch order. Each
    result holds the training and test loss at every epoch end and the run's status; a
    diverged run's curves stop before the epoch it diverged in (no loss is ever NaN or
    infinite). The call's work is every rate's: rates x epochs x the work of one epoch stays
    within ``max_epochs_per_call``, ``max_iterations_per_call`` and ``max_work_per_call``,
    or the 422 says how many epochs are allowed."""
    work = pool.call_any(
        "sweep",
        config=request.config.model_dump(),
        learning_rates=request.learning_rates,
        epochs=request.epochs,
    )
    out: dict[str, Any] = await unless_client_leaves(http_request, work)
    return out
