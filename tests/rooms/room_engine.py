"""The engine workers' operations run in this process: a pool for the rooms' service tests.

``OPS`` are the real operations (``app/workers/ops.py``); ``InProcessWorker`` keeps their
sessions in a dict, so a test sees what the rooms asked of the sessions and nothing else.
"""

from __future__ import annotations

from typing import Any

from app.config import Settings
from app.lessons import Catalog
from app.services.errors import SessionNotFound
from app.services.session import Session, new_session_id
from app.workers.ops import OPS


class InProcessWorker:
    def __init__(self, settings: Settings, lessons: Catalog) -> None:
        self.settings = settings
        self.lessons = lessons
        self.sessions: dict[str, Session] = {}
        self.streams: dict[int, Any] = {}  # no live streams in these tests

    def add(self, session: Session) -> None:
        self.sessions[session.id] = session

    def session(self, session_id: str) -> Session:
        if session_id not in self.sessions:
            raise SessionNotFound(session_id)
        return self.sessions[session_id]

    def delete(self, session_id: str) -> None:
        self.session(session_id)
        del self.sessions[session_id]

    def remeasure(self, session: Session) -> None:
        pass

    def changed(self, session: Session) -> None:
        pass


class InProcessPool:
    """``WorkerPool.call`` with one in-process worker; ``calls`` lists ``(op, session_id)``."""

    def __init__(self, settings: Settings, lessons: Catalog) -> None:
        self.worker = InProcessWorker(settings, lessons)
        self.calls: list[tuple[str, str]] = []

    def new_session_id(self) -> str:
        return new_session_id()

    async def call(self, session_id: str, op: str, **args: Any) -> Any:
        self.calls.append((op, session_id))
        return await OPS[op](self.worker, session_id=session_id, **args)
