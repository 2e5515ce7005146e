from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from app.api import examples
from app.api.calls import unless_client_leaves
from app.api.deps import PoolDep
from app.schemas import ErrorOut, StatelessTrainOut, StatelessTrainRequest

router = APIRouter(prefix="/api", tags=["train"])


@router.post(
    "/train",
    response_model=StatelessTrainOut,
    summary="Train once, keep nothing",
    responses={
        **examples.json_example(examples.TRAIN_ONCE_RESULT),
        409: {"model": ErrorOut, "description": "Training diverged; the weights are not finite"},
    },
)
async def train(
    request: Annotated[StatelessTrainRequest, Body(openapi_examples=examples.TRAIN_ONCE)],
    pool: PoolDep,
    http_request: Request,
) -> dict[str, Any]:
    """Build the network from ``config``, train ``epochs`` epochs, and return the final state,
    one history record per epoch and the model document. No session is kept, so any engine
    worker can answer; it stops if the client leaves."""
    work = pool.call_any("train_once", config=request.config.model_dump(), epochs=request.epochs)
    out: dict[str, Any] = await unless_client_leaves(http_request, work)
    return out
