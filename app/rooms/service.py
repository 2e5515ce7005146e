"""Rooms at work: create one, seat a student in a session of their own, read the board,
push a preset to the whole class.

A student's session is an ordinary session in the engine workers (``WorkerPool.call``),
created under the room's preset; the room only remembers whose it is. The preset is
``{"config": {fields}, "lesson": id or null}``: a joiner's session is the default
configuration with the preset's fields over it, started on its lesson if it names one;
``set_preset`` makes every seated student's session that same thing (a lesson starts
afresh), so a class that joined early and one that joins late work on the same task.

Only the join answer carries a session id, to that student; the board names students by
their student id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from app.config import Settings
from app.lessons import Catalog
from app.rooms.codes import (
    key_digest,
    key_matches,
    new_room_code,
    new_student_id,
    new_teacher_key,
)
from app.rooms.errors import PresetUnusable, RoomNotFound, WrongKey
from app.rooms.names import display_name, room_title
from app.rooms.store import CodeTaken, Room, RoomStore, Student
from app.services.configs import default_config, merge_config
from app.services.errors import EngineUnavailable, SessionNotFound, StoreFull, prefixed
from app.services.session import new_session_id

logger = logging.getLogger(__name__)

CODE_ATTEMPTS = 20  # 2^30 codes: a collision twenty times over means something is broken
# A student whose session cannot be read is shown without one rather than failing the board.
UNREADABLE = (SessionNotFound, EngineUnavailable, StoreFull)
EMPTY_PRESET: dict[str, Any] = {"config": {}, "lesson": None}


class SessionCaller(Protocol):
    """What rooms need of the engine workers (``WorkerPool``)."""

    async def call(self, session_id: str, op: str, **args: Any) -> Any: ...


def join_url(code: str) -> str:
    return f"/r/{code}"


def board_url(code: str) -> str:
    return f"/board/{code}"


class Rooms:
    """The rooms of one server; ``open()`` once the data directory is claimed."""

    def __init__(
        self,
        settings: Settings,
        pool: SessionCaller,
        lessons: Catalog,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.lessons = lessons
        self.clock = clock
        self._store: RoomStore | None = None

    def open(self) -> None:
        self._store = RoomStore.in_data_dir(
            self.settings.data_dir, self.settings.room_idle_seconds, self.clock
        )

    def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()

    @property
    def store(self) -> RoomStore:
        if self._store is None:
            raise RuntimeError("the rooms are not open (Rooms.open() runs in the app's lifespan)")
        return self._store

    async def create_room(self, title: str = "") -> dict[str, Any]:
        """``{"code", "title", "teacher_key", "join_url", "board_url"}``: the key is told
        this once, and only its digest kept."""
        title = room_title(title)
        key = new_teacher_key()
        for _ in range(CODE_ATTEMPTS):
            room = Room(new_room_code(), title, key_digest(key), EMPTY_PRESET)
            try:
                self.store.add_room(room, self.settings.max_rooms)
                break
            except CodeTaken:
                continue
        else:
            raise RuntimeError(f"no free room code in {CODE_ATTEMPTS} draws")
        logger.info("room %s created", room.code)
        return {
            "code": room.code,
            "title": title,
            "teacher_key": key,
            "join_url": join_url(room.code),
            "board_url": board_url(room.code),
        }

    async def join(self, code: str, name: str) -> dict[str, Any]:
        """Seat a student named ``name`` and start their session under the room's preset:
        ``{"student_id", "session_id", "name", "code", "title"}``."""
        name = display_name(name, self.settings.max_name_length)
        room = self.room(code)
        student = Student(new_student_id(), name, new_session_id())
        # Seated first, so that the name and the seat are taken before anything awaits.
        self.store.add_student(room.code, student, self.settings.max_students_per_room)
        try:
            await self.pool.call(
                student.session_id,
                "create",
                config=dict(room.preset["config"]),
                lesson=room.preset["lesson"],
            )
        except ValueError as error:
            self.store.remove_student(room.code, student.student_id)
            raise PresetUnusable(
                f"room {room.code}: its preset does not fit this server as it runs now "
                f"({error}); the teacher can set another"
            ) from error
        except BaseException:
            self.store.remove_student(room.code, student.student_id)
            raise
        await self._catch_up(room, student)
        return {
            "student_id": student.student_id,
            "session_id": student.session_id,
            "name": name,
            "code": room.code,
            "title": room.title,
        }

    async def board(self, code: str, key: str) -> dict[str, Any]:
        """The room and every student's session as it is now (read side by side); a
        student whose session cannot be read has null config, state and lesson."""
        room = self.teacher_room(code, key)
        self.store.touch(room.code)
        students = self.store.students(room.code)
        sessions = await asyncio.gather(*(self._read(s.session_id) for s in students))
        return {
            "code": room.code,
            "title": room.title,
            "preset": room.preset,
            "students": [
                {
                    "name": student.name,
                    "student_id": student.student_id,
                    "joined_at": student.joined_at,
                    "config": None if session is None else session["config"],
                    "state": None if session is None else session["state"],
                    "lesson": None if session is None else session["lesson"],
                }
                for student, session in zip(students, sessions, strict=True)
            ],
        }

    async def set_preset(self, code: str, key: str, preset: dict[str, Any]) -> dict[str, Any]:
        """Make ``preset`` the room's and every seated student's: ``{"preset", "students",
        "changed", "not_reached"}`` (the student ids whose sessions could not be changed).

        The preset is tried on a scratch session first, so that one the engine refuses is
        a 422 that changes nobody's session.
        """
        room = self.teacher_room(code, key)
        preset = {"config": dict(preset.get("config") or {}), "lesson": preset.get("lesson")}
        if preset["lesson"] is not None:
            self.lessons.lesson(preset["lesson"])  # ValueError("lesson: expected one of …")
        await self._try(preset)
        self.store.set_preset(room.code, preset)
        students = self.store.students(room.code)
        changes = session_changes(preset)
        reached = await asyncio.gather(*(self._apply(s, changes) for s in students))
        missed = [s.student_id for s, ok in zip(students, reached, strict=True) if not ok]
        logger.info("room %s: preset set, %d of %d sessions", room.code, sum(reached), len(reached))
        return {
            "preset": preset,
            "students": len(students),
            "changed": sum(reached),
            "not_reached": missed,
        }

    def room(self, code: str) -> Room:
        """The room of ``code`` (in either case), or RoomNotFound."""
        room = self.store.room(code.upper())
        if room is None:
            raise RoomNotFound(code)
        return room

    def teacher_room(self, code: str, key: str) -> Room:
        """The room, if ``key`` is its teacher key; RoomNotFound, or WrongKey."""
        room = self.room(code)
        if not key_matches(key, room.key_hash):
            raise WrongKey(room.code)
        return room

    async def _catch_up(self, room: Room, student: Student) -> None:
        """A preset set while the session was being made found no session to change: the
        joiner takes it now."""
        now = self.store.room(room.code)
        if now is not None and now.preset != room.preset:
            await self._apply(student, session_changes(now.preset))

    async def _read(self, session_id: str) -> dict[str, Any] | None:
        try:
            session: dict[str, Any] = await self.pool.call(session_id, "get")
        except UNREADABLE:
            return None
        return session

    async def _try(self, preset: dict[str, Any]) -> None:
        scratch = new_session_id()
        try:
            await self.pool.call(
                scratch, "create", config=dict(preset["config"]), lesson=preset["lesson"]
            )
        except ValueError as error:
            raise prefixed(error, "config") from error
        finally:
            with contextlib.suppress(*UNREADABLE):
                await self.pool.call(scratch, "delete")

    async def _apply(self, student: Student, changes: dict[str, Any]) -> bool:
        try:
            await self.pool.call(student.session_id, "patch", changes=dict(changes))
        except (*UNREADABLE, ValueError) as error:
            logger.warning("preset not applied to student %s: %s", student.student_id, error)
            return False
        return True


def session_changes(preset: dict[str, Any]) -> dict[str, Any]:
    """The patch that makes a session what a joiner's starts as under ``preset``: its
    lesson from the start, or (with none) the defaults with the preset's fields over them."""
    if preset["lesson"] is not None:
        return {**preset["config"], "lesson": preset["lesson"]}
    return {**merge_config(default_config(), preset["config"]), "lesson": None}
