from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app.api import examples
from app.api.deps import SettingsDep
from app.schemas import ErrorOut, StatelessTrainOut, StatelessTrainRequest
from app.services.stateless import train_once

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
def train(
    request: Annotated[StatelessTrainRequest, Body(openapi_examples=examples.TRAIN_ONCE)],
    settings: SettingsDep,
) -> dict[str, Any]:
    """Build the network from ``config``, train ``epochs`` epochs, and return the final state,
    one history record per epoch and the model document. No session is kept, so any worker
    can answer."""
    return train_once(request.config.model_dump(), request.epochs, settings)
