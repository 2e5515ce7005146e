"""A session's data and model: points, decision boundary, predictions, weights in and out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from app.api import examples
from app.api.deps import KnownSessionId, PoolDep, SessionId, SettingsDep
from app.api.errors import invalid_input
from app.api.routes.sessions import NOT_FOUND
from app.schemas import (
    MAX_RESOLUTION,
    MIN_RESOLUTION,
    BoundaryOut,
    DataOut,
    ErrorOut,
    ModelDocument,
    PredictOut,
    PredictRequest,
    SessionUpdated,
    default_resolution,
    settings_bound,
)

router = APIRouter(prefix="/api/sessions", tags=["model"])

Resolution = Annotated[
    int | None,
    Query(
        ge=MIN_RESOLUTION,
        le=MAX_RESOLUTION,
        description="cells per side, at most the server's max_resolution; when omitted, 100 "
        "or max_resolution if that is less",
        json_schema_extra=settings_bound(maximum="max_resolution", default="default_resolution"),
    ),
]

CONFLICT: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {
        "model": ErrorOut,
        "description": "The outputs are not finite (the session has diverged)",
    },
}


@router.get("/{session_id}/data", response_model=DataOut, responses=NOT_FOUND)
async def get_data(session_id: SessionId, pool: PoolDep) -> dict[str, Any]:
    """Raw coordinates; class labels as integers. ``train`` can be POSTed back as the
    ``points`` of a ``custom`` session."""
    out: dict[str, Any] = await pool.call(session_id, "data")
    return out


@router.get(
    "/{session_id}/boundary",
    response_model=BoundaryOut,
    response_model_exclude_none=True,
    responses=CONFLICT,
)
async def get_boundary(
    session_id: SessionId, pool: PoolDep, settings: SettingsDep, resolution: Resolution = None
) -> dict[str, Any]:
    """``values[i][j]`` is the output at ``(xs[j], ys[i])``; ``ys`` descends (row 0 is the
    top). Binary: p(class 1); multi-class: the winning class's probability, with its index in
    ``classes``; regression: the predicted value."""
    if resolution is None:
        resolution = default_resolution(settings)
    with invalid_input("query"):
        out: dict[str, Any] = await pool.call(session_id, "boundary", resolution=resolution)
    return out


@router.post(
    "/{session_id}/predict",
    response_model=PredictOut,
    responses={**CONFLICT, **examples.json_example({"outputs": [0.973, 0.118]})},
)
async def predict(
    session_id: KnownSessionId,
    pool: PoolDep,
    request: Annotated[PredictRequest, Body(openapi_examples=examples.PREDICT)],
) -> dict[str, Any]:
    """One output per point: p(class 1) (binary), the class probabilities (multi-class), or
    the value (regression)."""
    out: dict[str, Any] = await pool.call(session_id, "predict", points=request.points)
    return out


@router.get(
    "/{session_id}/model",
    response_model=ModelDocument,
    responses={**CONFLICT, **examples.json_example(examples.MODEL_DOCUMENT)},
)
async def get_model(session_id: SessionId, pool: PoolDep) -> dict[str, Any]:
    """The model document (format ``nn-playground.model/1``): config, layer sizes, and each
    layer's weights (fan_in x fan_out) and biases. PUT it back to load it."""
    out: dict[str, Any] = await pool.call(session_id, "model")
    return out


@router.put(
    "/{session_id}/model",
    response_model=SessionUpdated,
    responses={
        **NOT_FOUND,
        **examples.json_example(
            {**examples.SESSION, "config": examples.MODEL_CONFIG, "rebuilt": True}
        ),
    },
)
async def put_model(
    session_id: KnownSessionId,
    pool: PoolDep,
    document: Annotated[ModelDocument, Body(openapi_examples=examples.PUT_MODEL)],
) -> dict[str, Any]:
    """Load a model document: the session takes its config (``rebuilt`` says whether that
    rebuilt the network) and then its weights, checked against that config."""
    out: dict[str, Any] = await pool.call(session_id, "load_model", document=document.model_dump())
    return out
