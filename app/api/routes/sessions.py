"""Sessions: create, read, change, train, reset, delete.

Handlers are plain ``def``: FastAPI runs them in its worker threads, so training (CPU work)
never blocks the event loop. Training takes the session's lock one short slice at a time,
so a stream playing the same session keeps its frame rate during a long call.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from app.api import examples
from app.api.deps import SessionDep, SessionId, StoreDep
from app.api.errors import RETRY_AFTER_SECONDS
from app.schemas import (
    ConfigUpdate,
    ErrorOut,
    SessionConfig,
    SessionOut,
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
    """``{"id", "config", "state"}`` read at one instant."""
    with session.lock:
        return {"id": session.id, "config": session.config(), "state": session.state()}


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
    config: Annotated[SessionConfig | None, Body(openapi_examples=examples.CREATE_SESSION)] = None,
) -> dict[str, Any]:
    """Every config field is optional; the response holds the complete config."""
    session = store.create((config or SessionConfig()).model_dump())
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
    update: Annotated[ConfigUpdate, Body(openapi_examples=examples.UPDATE_SESSION)],
) -> dict[str, Any]:
    """Learning rate, batch size, optimizer, momentum and regularisation apply live and keep
    the weights; any other change rebuilds the network (counters back to 0). ``rebuilt``
    says which happened."""
    with session.lock:
        rebuilt = session.update(update.changes())
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
