"""Sessions: create, read, change, train, reset, delete; start, leave or restart a lesson.

Handlers are plain ``def``: FastAPI runs them in its worker threads, so training (CPU work)
never blocks the event loop. Training takes the session's lock one short slice at a time,
so a stream playing the same session keeps its frame rate during a long call.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Response, status

from app.api import examples
from app.api.deps import SessionDep, SessionId, StoreDep
from app.api.errors import RETRY_AFTER_SECONDS
from app.schemas import (
    ErrorOut,
    SessionCreate,
    SessionOut,
    SessionPatch,
    SessionUpdated,
    TrainRequest,
)
from app.services.session import Session

router = APIRouter(prefix="/api/sessions", tags=["sessions"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No session with that id"}
}
FULL: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "The server holds its maximum number of sessions (max_sessions)",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
            }
        },
    }
}


def session_out(session: Session) -> dict[str, Any]:
    """``{"id", "config", "state", "lesson"}`` read at one instant."""
    with session.lock:
        return {
            "id": session.id,
            "config": session.config(),
            "state": session.state(),
            "lesson": session.lesson_progress(),
        }


@router.post(
    "",
    response_model=SessionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a session",
    responses={
        **examples.json_example(examples.SESSION, status.HTTP_201_CREATED),
        **FULL,
    },
)
def create_session(
    store: StoreDep,
    config: Annotated[SessionCreate | None, Body(openapi_examples=examples.CREATE_SESSION)] = None,
) -> dict[str, Any]:
    """Every config field is optional; the response holds the complete config. With
    ``lesson``, the session starts from that lesson's preset (the fields given override it)
    and follows its steps; an unknown lesson is a 422 listing the lessons."""
    if config is None:
        session = store.create({})
    else:
        given = config.model_dump(exclude_unset=True, exclude={"lesson"})
        values = given if config.lesson is not None else config.model_dump(exclude={"lesson"})
        session = store.create(values, lesson=config.lesson)
    return session_out(session)


@router.get(
    "/{session_id}",
    response_model=SessionOut,
    responses={**NOT_FOUND, **examples.json_example(examples.SESSION)},
)
def get_session(session: SessionDep) -> dict[str, Any]:
    return session_out(session)


@router.patch(
    "/{session_id}",
    response_model=SessionUpdated,
    summary="Change config fields",
    responses={**NOT_FOUND, **examples.json_example({**examples.SESSION, "rebuilt": False})},
)
def update_session(
    session: SessionDep,
    update: Annotated[SessionPatch, Body(openapi_examples=examples.UPDATE_SESSION)],
    store: StoreDep,
) -> dict[str, Any]:
    """Learning rate, batch size, optimizer, momentum and regularisation apply live and keep
    the weights; any other change rebuilds the network (counters back to 0). ``rebuilt``
    says which happened. ``lesson`` starts that lesson from its preset, every step unpassed
    (the other fields given override the preset); ``lesson: null`` leaves lesson mode."""
    changes = update.changes()
    with session.lock:
        if "lesson" in changes:
            lesson_id = changes.pop("lesson")
            lesson = None if lesson_id is None else store.lessons.lesson(lesson_id)
            rebuilt = session.start_lesson(lesson, changes)
        else:
            rebuilt = session.update(changes)
        return {**session_out(session), "rebuilt": rebuilt}


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
def delete_session(session_id: SessionId, store: StoreDep) -> Response:
    store.delete(session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{session_id}/train",
    response_model=SessionOut,
    summary="Train some epochs or iterations",
    responses={**NOT_FOUND, **examples.json_example(examples.SESSION)},
)
def train_session(
    session: SessionDep,
    request: Annotated[TrainRequest, Body(openapi_examples=examples.TRAIN_SESSION)],
) -> dict[str, Any]:
    """Work per call is bounded by ``max_epochs_per_call``, ``max_iterations_per_call`` and
    ``max_work_per_call`` (iterations x examples per batch x parameters); asking for more is a
    422 that says how much is allowed. A diverged session does not train; its state says so."""
    session.train(epochs=request.epochs, iterations=request.iterations)
    return session_out(session)


@router.post(
    "/{session_id}/reset",
    response_model=SessionOut,
    summary="Fresh weights from the seed",
    responses=NOT_FOUND,
)
def reset_session(session: SessionDep) -> dict[str, Any]:
    """Weights drawn again from the session's seed, counters 0, same data."""
    with session.lock:
        session.reset()
        return session_out(session)


@router.post(
    "/{session_id}/lesson/restart",
    response_model=SessionOut,
    summary="Start the session's lesson again",
    responses={
        **NOT_FOUND,
        409: {"model": ErrorOut, "description": "The session follows no lesson"},
    },
)
def restart_lesson(session: SessionDep) -> dict[str, Any]:
    """Back to the lesson's preset with fresh weights, every step unpassed."""
    with session.lock:
        if session.lesson is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                'the session follows no lesson; start one with PATCH {"lesson": id}',
            )
        session.restart_lesson()
        return session_out(session)
