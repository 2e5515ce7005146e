"""Dependencies shared by the routes, as named ``Annotated`` aliases.

Settings and the session store live on ``app.state`` (set by ``create_app``), so an app built
with its own ``Settings`` uses them everywhere; tests may also replace ``get_settings`` through
``app.dependency_overrides``. ``HTTPConnection`` makes these work for WebSocket routes too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from starlette.requests import HTTPConnection

from app.config import Settings
from app.services.session import Session
from app.services.store import SessionStore


def get_settings(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


def get_store(connection: HTTPConnection) -> SessionStore:
    store: SessionStore = connection.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[SessionStore, Depends(get_store)]
SessionId = Annotated[str, Path(min_length=1, description="The id returned by POST /api/sessions.")]


def get_session(session_id: SessionId, store: StoreDep) -> Session:
    """The session, or SessionNotFound (-> 404)."""
    return store.get(session_id)


SessionDep = Annotated[Session, Depends(get_session)]
