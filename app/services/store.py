"""The session store: every live session by id, with a size limit and idle expiry.

A session is idle when nothing has touched it for ``session_idle_seconds`` and no stream is
attached; idle sessions are dropped by ``expire_idle`` (called periodically by the app and
before refusing a new session) and on lookup. Thread-safe.

The store also holds the lessons on offer (``lessons``), read once when it is made: the
built-in ones and those of ``settings.lessons_dir``; a bad lesson file stops it there
(``LessonFileError`` names the file and the field).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from app.config import Settings
from app.lessons import Catalog, load_catalog
from app.services.configs import engine_limits
from app.services.errors import SessionNotFound, StoreFull
from app.services.session import Session


class SessionStore:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.lessons: Catalog = load_catalog(settings.lessons_dir, engine_limits(settings))

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def create(self, config: dict[str, Any], lesson: str | None = None) -> Session:
        """A new session from ``config`` (any subset of fields), or from the preset of the
        lesson with id ``lesson`` overridden by ``config``.

        Raises ValueError for a bad config or an unknown lesson and StoreFull when
        ``max_sessions`` are live.
        """
        found = None if lesson is None else self.lessons.lesson(lesson)
        self._check_room()
        # Building the trainer is CPU work: done outside the store's lock.
        session = Session.create(config, self.settings, clock=self._clock, lesson=found)
        with self._lock:
            if len(self._sessions) >= self.settings.max_sessions:
                raise self._full()
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        """The session, marked as used now. Raises SessionNotFound."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                raise SessionNotFound(session_id)
            if self._is_idle(session, now):
                del self._sessions[session_id]
                raise SessionNotFound(session_id)
            session.last_used = now
            return session

    def delete(self, session_id: str) -> None:
        """Remove the session. Raises SessionNotFound."""
        with self._lock:
            if self._sessions.pop(session_id, None) is None:
                raise SessionNotFound(session_id)

    def expire_idle(self) -> int:
        """Drop every idle session; returns how many were dropped."""
        now = self._clock()
        with self._lock:
            idle = [key for key, session in self._sessions.items() if self._is_idle(session, now)]
            for key in idle:
                del self._sessions[key]
        return len(idle)

    def _is_idle(self, session: Session, now: float) -> bool:
        return session.streams == 0 and now - session.last_used > self.settings.session_idle_seconds

    def _check_room(self) -> None:
        with self._lock:
            full = len(self._sessions) >= self.settings.max_sessions
        if full and (self.expire_idle() == 0 or len(self) >= self.settings.max_sessions):
            raise self._full()

    def _full(self) -> StoreFull:
        return StoreFull(
            f"the server holds its maximum of {self.settings.max_sessions} sessions; "
            "delete one or retry once idle sessions expire "
            f"(after {self.settings.session_idle_seconds:g} s without use)"
        )
