"""A session's data and model: points, decision boundary, predictions, weights in and out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from app.api import examples
from app.api.deps import SessionDep, SettingsDep
from app.api.errors import invalid_input
from app.api.routes.sessions import NOT_FOUND, session_out
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
def get_data(session: SessionDep) -> dict[str, Any]:
    """Raw coordinates; class labels as integers. ``train`` can be POSTed back as the
    ``points`` of a ``custom`` session."""
    return session.data()


@router.get(
    "/{session_id}/boundary",
    response_model=BoundaryOut,
    response_model_exclude_none=True,
    responses=CONFLICT,
)
def get_boundary(
    session: SessionDep, settings: SettingsDep, resolution: Resolution = None
) -> dict[str, Any]:
    """``values[i][j]`` is the output at ``(xs[j], ys[i])``; ``ys`` descends (row 0 is the
    top). Binary: p(class 1); multi-class: the winning class's probability, with its index in
    ``classes``; regression: the predicted value."""
    if resolution is None:
        resolution = default_resolution(settings)
    with invalid_input("query"):
        return session.boundary(resolution)


@router.post(
    "/{session_id}/predict",
    response_model=PredictOut,
    responses={**CONFLICT, **examples.json_example({"outputs": [0.973, 0.118]})},
)
def predict(
    session: SessionDep,
    request: Annotated[PredictRequest, Body(openapi_examples=examples.PREDICT)],
) -> dict[str, Any]:
    """One output per point: p(class 1) (binary), the class probabilities (multi-class), or
    the value (regression)."""
    return {"outputs": session.predict(request.points)}


@router.get(
    "/{session_id}/model",
    response_model=ModelDocument,
    responses={**CONFLICT, **examples.json_example(examples.MODEL_DOCUMENT)},
)
def get_model(session: SessionDep) -> dict[str, Any]:
    """The model document (format ``nn-playground.model/1``): config, layer sizes, and each
    layer's weights (fan_in x fan_out) and biases. PUT it back to load it."""
    return session.model()


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
def put_model(
    session: SessionDep,
    document: Annotated[ModelDocument, Body(openapi_examples=examples.PUT_MODEL)],
) -> dict[str, Any]:
    """Load a model document: the session takes its config (``rebuilt`` says whether that
    rebuilt the network) and then its weights, checked against that config."""
    with session.lock:
        rebuilt = session.load_model(document.model_dump())
        return {**session_out(session), "rebuilt": rebuilt}
