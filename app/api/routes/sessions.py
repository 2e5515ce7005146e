"""Sessions: create, read, change, train, reset, delete; start, leave or restart a lesson.

Each handler sends one operation to the engine worker owning the session
(``app/workers/ops.py``) and answers what it returns; the front trains nothing. A training
call stops when its client leaves, and after ``max_call_seconds`` it answers with what it did.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response, status

from app.api import examples
from app.api.calls import unless_client_leaves
from app.api.deps import KnownSessionId, PoolDep, SessionId
from app.api.errors import RETRY_AFTER_SECONDS
from app.api.rate_limit import RATE_LIMITED, limit_session_creation
from app.schemas import (
    ErrorOut,
    SessionCreate,
    SessionOut,
    SessionPatch,
    SessionTrained,
    SessionUpdated,
    TrainRequest,
)

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No session with that id"}
}
FULL: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "The server holds its maximum number of sessions (max_sessions), or "
        "its sessions take all the memory they may (max_memory_mb)",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
            }
        },
    }
}


@router.post(
    "",
    response_model=SessionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a session",
    dependencies=[Depends(limit_session_creation)],
    responses={
        **examples.json_example(examples.SESSION, status.HTTP_201_CREATED),
        **FULL,
        **RATE_LIMITED,
    },
)
async def create_session(
    pool: PoolDep,
    config: Annotated[SessionCreate | None, Body(openapi_examples=examples.CREATE_SESSION)] = None,
) -> dict[str, Any]:
    """Every config field is optional; the response holds the complete config. With
    ``lesson``, the session starts from that lesson's preset (the fields given override it)
    and follows its steps; an unknown lesson is a 422 listing the lessons."""
    lesson = None
    values: dict[str, Any] = {}
    if config is not None:
        lesson = config.lesson
        given = config.model_dump(exclude_unset=True, exclude={"lesson"})
        values = given if lesson is not None else config.model_dump(exclude={"lesson"})
    session_id = pool.new_session_id()
    out: dict[str, Any] = await pool.call(session_id, "create", config=values, lesson=lesson)
    return out


@router.get(
    "/{session_id}",
    response_model=SessionOut,
    responses={**NOT_FOUND, **examples.json_example(examples.SESSION)},
)
async def get_session(session_id: SessionId, pool: PoolDep) -> dict[str, Any]:
    out: dict[str, Any] = await pool.call(session_id, "get")
    return out


@router.patch(
    "/{session_id}",
    response_model=SessionUpdated,
    summary="Change config fields",
    responses={**NOT_FOUND, **examples.json_example({**examples.SESSION, "rebuilt": False})},
)
async def update_session(
    session_id: KnownSessionId,
    update: Annotated[SessionPatch, Body(openapi_examples=examples.UPDATE_SESSION)],
    pool: PoolDep,
) -> dict[str, Any]:
    """Learning rate, batch size, optimizer, momentum and regularisation apply live and keep
    the weights; any other change rebuilds the network (counters back to 0). ``rebuilt``
    says which happened. ``lesson`` starts that lesson from its preset, every step unpassed
    (the other fields given override the preset); ``lesson: null`` leaves lesson mode."""
    out: dict[str, Any] = await pool.call(session_id, "patch", changes=update.changes())
    return out


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
async def delete_session(session_id: SessionId, pool: PoolDep) -> Response:
    await pool.call(session_id, "delete")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{session_id}/train",
    response_model=SessionTrained,
    summary="Train some epochs or iterations",
    responses={
        **NOT_FOUND,
        **examples.json_example(
            {**examples.SESSION, "truncated": False, "trained": {"epochs": 10, "iterations": 100}}
        ),
    },
)
async def train_session(
    session_id: KnownSessionId,
    request: Annotated[TrainRequest, Body(openapi_examples=examples.TRAIN_SESSION)],
    pool: PoolDep,
    http_request: Request,
) -> dict[str, Any]:
    """Work per call is bounded by ``max_epochs_per_call``, ``max_iterations_per_call`` and
    ``max_work_per_call`` (iterations x examples per batch x network parameters); asking for
    more is a 422 that says how much is allowed. A call also stops after ``max_call_seconds``:
    then ``truncated`` is true and ``trained`` says how much it did. A call whose client
    leaves stops at once. A diverged session does not train; its state says so."""
    work = pool.call(session_id, "train", epochs=request.epochs, iterations=request.iterations)
    out: dict[str, Any] = await unless_client_leaves(http_request, work)
    return out


@router.post(
    "/{session_id}/reset",
    response_model=SessionOut,
    summary="Fresh weights from the seed",
    responses=NOT_FOUND,
)
async def reset_session(session_id: SessionId, pool: PoolDep) -> dict[str, Any]:
    """Weights drawn again from the session's seed, counters 0, same data."""
    out: dict[str, Any] = await pool.call(session_id, "reset")
    return out


@router.post(
    "/{session_id}/lesson/restart",
    response_model=SessionOut,
    summary="Start the session's lesson again",
    responses={
        **NOT_FOUND,
        409: {"model": ErrorOut, "description": "The session follows no lesson"},
    },
)
async def restart_lesson(session_id: SessionId, pool: PoolDep) -> dict[str, Any]:
    """Back to the lesson's preset with fresh weights, every step unpassed."""
    out: dict[str, Any] = await pool.call(session_id, "restart_lesson")
    return out
