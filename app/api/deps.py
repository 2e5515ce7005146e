"""Dependencies shared by the routes, as named ``Annotated`` aliases.

Settings, the lessons and the engine workers' pool live on ``app.state`` (set by
``create_app``), so an app built with its own ``Settings`` uses them everywhere.
``HTTPConnection`` makes these work for WebSocket routes too.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from starlette.requests import HTTPConnection

from app.config import Settings
from app.lessons import Catalog
from app.workers.pool import WorkerPool


def get_settings(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


def get_pool(connection: HTTPConnection) -> WorkerPool:
    pool: WorkerPool = connection.app.state.pool
    return pool


def get_lessons(connection: HTTPConnection) -> Catalog:
    lessons: Catalog = connection.app.state.lessons
    return lessons


SettingsDep = Annotated[Settings, Depends(get_settings)]
PoolDep = Annotated[WorkerPool, Depends(get_pool)]
LessonsDep = Annotated[Catalog, Depends(get_lessons)]
SessionId = Annotated[str, Path(min_length=1, description="The id returned by POST /api/sessions.")]


async def known_session(session_id: SessionId, pool: PoolDep) -> str:
    """The id of a session that exists, or SessionNotFound (-> 404) before the body is
    judged: an unknown session is a 404 whatever the body."""
    await pool.call(session_id, "exists")
    return session_id


KnownSessionId = Annotated[str, Depends(known_session)]
