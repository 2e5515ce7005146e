"""Rooms at work: create one, seat a student in a session of their own, read the board,
push a preset to the whole class.

A student's session is an ordinary session in the engine workers (``WorkerPool.call``),
created under the room's preset; the room only remembers whose it is. The preset is
``{"config": {fields}, "lesson": id or null, "challenge": document or null}``: a joiner's
session is the default configuration with the preset's fields over it, started on its
lesson if it names one, judged on its challenge if it has one (``app.challenges``: the
challenge's own starting fields are then the preset's config); ``set_preset`` makes every
seated student's session that same thing (a lesson starts afresh, a challenge with nothing
reached), so a class that joined early and one that joins late work on the same task.

The engine worker owning each session judges it against the challenge and keeps its best
reach in the session's snapshot; the room ranks its students from what they report
(``app.challenges.ranks``). Only the join answer carries a session id, to that student; the
board names students by their student id, and a student's standing shows the others by
name and rank only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from app.challenges import builtin_challenge, parse_challenge, ranks
from app.config import Settings
from app.lessons import Catalog
from app.rooms.codes import (
    key_digest,
    key_matches,
    new_room_code,
    new_student_id,
    new_teacher_key,
)
from app.rooms.errors import UNREADABLE, PresetUnusable, RoomError, RoomNotFound, WrongKey
from app.rooms.names import display_name, room_title
from app.rooms.rules import asked_rules, give_everyone, give_rules, room_rules
from app.rooms.store import CodeTaken, Room, RoomStore, Student
from app.services.class_rules import ClassRules
from app.services.configs import default_config, merge_config
from app.services.errors import prefixed
from app.services.session import new_session_id

logger = logging.getLogger(__name__)

CODE_ATTEMPTS = 20  # 2^30 codes: a collision twenty times over means something is broken
# A stored preset may also hold "ended": the challenge the teacher ended last, with its
# results (end_challenge), for the board; the next preset has none.
EMPTY_PRESET: dict[str, Any] = {"config": {}, "lesson": None, "challenge": None}
STANDING_SECONDS = 1.0  # a room's ranking is read again at most this often for its students
TOP_COUNT = 5  # the students a room's top shows


class SessionCaller(Protocol):
    """What rooms need of the engine workers (``WorkerPool``)."""

    async def call(self, session_id: str, op: str, **args: Any) -> Any: ...

    def new_session_id(self) -> str: ...


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
        # code -> (monotonic time read, [(student, challenge progress with rank)])
        self._standings: dict[str, tuple[float, list[tuple[Student, dict[str, Any] | None]]]] = {}

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
        student = Student(new_student_id(), name, self.pool.new_session_id())
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
        challenge = room.preset.get("challenge")
        if challenge is not None:
            await self._apply(student, {"challenge": challenge})
        if room.paused or room.locked:
            await give_rules(self.pool, student, room_rules(room))
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
        challenges = ranked([None if s is None else s.get("challenge") for s in sessions])
        return {
            "code": room.code,
            "title": room.title,
            "preset": full_preset(room.preset),
            "ended": room.preset.get("ended"),
            "show_top": room.show_top,
            **room_rules(room).as_document(),
            "students": [
                {
                    "name": student.name,
                    "student_id": student.student_id,
                    "joined_at": student.joined_at,
                    "config": None if session is None else session["config"],
                    "state": None if session is None else session["state"],
                    "lesson": None if session is None else session["lesson"],
                    "challenge": challenge,
                }
                for student, session, challenge in zip(students, sessions, challenges, strict=True)
            ],
        }

    async def set_preset(self, code: str, key: str, preset: dict[str, Any]) -> dict[str, Any]:
        """Make ``preset`` the room's and every seated student's: ``{"preset", "students",
        "changed", "not_reached"}`` (the student ids whose sessions could not be changed).

        The preset is tried on a scratch session first, so that one the engine refuses is
        a 422 that changes nobody's session.
        """
        room = self.teacher_room(code, key)
        preset = room_preset(preset)
        if preset["lesson"] is not None:
            self.lessons.lesson(preset["lesson"])  # ValueError("lesson: expected one of …")
        await self._try(preset, "challenge.config" if preset["challenge"] else "config")
        self.store.set_preset(room.code, preset)
        students = self.store.students(room.code)
        changes = session_changes(preset)
        reached = await asyncio.gather(*(self._apply(s, changes) for s in students))
        missed = [s.student_id for s, ok in zip(students, reached, strict=True) if not ok]
        self._standings.pop(room.code, None)
        logger.info("room %s: preset set, %d of %d sessions", room.code, sum(reached), len(reached))
        return {
            "preset": preset,
            "students": len(students),
            "changed": sum(reached),
            "not_reached": missed,
        }

    async def end_challenge(self, code: str, key: str) -> dict[str, Any]:
        """End the room's challenge and no one's run: ``{"code", "ended", "students",
        "changed", "not_reached"}``. ``ended`` (the challenge, ``ended_at``, and each
        student's name, id, rank and best reach as they stood) stays with the preset, on the
        board, until the teacher sets another; RoomError if there is no challenge."""
        room = self.teacher_room(code, key)
        challenge = room.preset.get("challenge")
        if challenge is None:
            raise RoomError(f"challenge: expected room {room.code} to have a challenge to end, "
                            "got none")  # fmt: skip
        self._standings.pop(room.code, None)  # the results as they stand now, not a second ago
        results = [
            {"name": s.name, "student_id": s.student_id, "rank": c["rank"], "best": c["best"]}
            for s, c in await self._progress(room.code)
            if c is not None
        ]
        results.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
        ended = {"challenge": challenge, "ended_at": self.clock(), "results": results}
        self.store.set_preset(room.code, {**room.preset, "challenge": None, "ended": ended})
        students = self.store.students(room.code)
        reached = await asyncio.gather(*(self._apply(s, {"challenge": None}) for s in students))
        self._standings.pop(room.code, None)
        missed = [s.student_id for s, ok in zip(students, reached, strict=True) if not ok]
        logger.info("room %s: challenge ended, %d of %d sessions", room.code, sum(reached),
                    len(reached))  # fmt: skip
        return {
            "code": room.code,
            "ended": ended,
            "students": len(students),
            "changed": sum(reached),
            "not_reached": missed,
        }

    async def set_show_top(self, code: str, key: str, show_top: bool) -> dict[str, Any]:
        """Whether the room's students see the top of its ranking: ``{"code", "show_top"}``."""
        room = self.teacher_room(code, key)
        self.store.set_show_top(room.code, show_top)
        return {"code": room.code, "show_top": show_top}

    async def set_rules(
        self, code: str, key: str, paused: bool | None, locked: Sequence[str] | None
    ) -> dict[str, Any]:
        """Pause the class or let it play, lock controls or free them (None: unchanged), for
        every seated student and those who join later: ``{"code", "paused", "locked",
        "students", "changed", "not_reached"}``."""
        room = self.teacher_room(code, key)
        rules = asked_rules(room, paused, locked)
        document = rules.as_document()
        self.store.set_rules(room.code, rules.paused, tuple(document["locked"]))
        told = await give_everyone(self.pool, self.store.students(room.code), rules)
        logger.info("room %s: rules %s, %d of %d sessions", room.code, document,
                    told["changed"], told["students"])  # fmt: skip
        return {"code": room.code, **document, **told}

    async def standing(self, session_id: str) -> dict[str, Any]:
        """What the student of ``session_id`` may know of their room's challenge: ``{"code",
        "challenge", "you", "students", "reached", "show_top", "top", "paused", "locked"}``;
        ``top`` (names and ranks) only if the teacher shows it; ``paused`` and ``locked``
        the room's rules, for the student's page to follow. A session in no room has a standing
        in none (``code`` null); SessionNotFound if there is no such session; RoomNotFound if
        the student's room has expired."""
        seat = self.store.student_by_session(session_id)
        if seat is None:
            await self.pool.call(session_id, "get")  # SessionNotFound if there is none
            return {
                "code": None,
                "challenge": None,
                "you": None,
                "students": 0,
                "reached": 0,
                "show_top": False,
                "top": None,
                **ClassRules().as_document(),
            }
        room, me = self.room(seat[0]), seat[1]
        challenge = room.preset.get("challenge")
        progress = await self._progress(room.code) if challenge is not None else []
        mine = next((c for s, c in progress if s.student_id == me.student_id), None)
        top = sorted(
            ({"name": s.name, "rank": c["rank"]} for s, c in progress if c and c["rank"]),
            key=lambda entry: entry["rank"],
        )[:TOP_COUNT]
        return {
            "code": room.code,
            "challenge": challenge,
            "you": None if challenge is None else {"name": me.name, "progress": mine},
            "students": len(progress),
            "reached": sum(1 for _, c in progress if c and c["rank"]),
            "show_top": room.show_top,
            "top": top if room.show_top and challenge is not None else None,
            **room_rules(room).as_document(),
        }

    async def _progress(self, code: str) -> list[tuple[Student, dict[str, Any] | None]]:
        """Every student's challenge progress with its rank, read at most every
        ``STANDING_SECONDS`` for the whole room (forty students ask for it, not one)."""
        now = time.monotonic()
        kept = self._standings.get(code)
        if kept is not None and now - kept[0] < STANDING_SECONDS:
            return kept[1]
        students = self.store.students(code)
        sessions = await asyncio.gather(*(self._read(s.session_id) for s in students))
        challenges = ranked([None if s is None else s.get("challenge") for s in sessions])
        progress = list(zip(students, challenges, strict=True))
        self._standings[code] = (now, progress)
        return progress

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
        if now is not None and room_rules(now) != room_rules(room):
            await give_rules(self.pool, student, room_rules(now))

    async def _read(self, session_id: str) -> dict[str, Any] | None:
        try:
            session: dict[str, Any] = await self.pool.call(session_id, "get")
        except UNREADABLE:
            return None
        return session

    async def _try(self, preset: dict[str, Any], field: str) -> None:
        scratch = new_session_id()
        try:
            await self.pool.call(
                scratch, "create", config=dict(preset["config"]), lesson=preset["lesson"]
            )
        except ValueError as error:
            raise prefixed(error, field) from error
        finally:
            with contextlib.suppress(*UNREADABLE):
                await self.pool.call(scratch, "delete")

    async def _apply(self, student: Student, changes: dict[str, Any]) -> bool:
        try:
            await self.pool.call(
                student.session_id, "patch", changes=dict(changes), by_teacher=True
            )
        except (*UNREADABLE, ValueError) as error:
            logger.warning("preset not applied to student %s: %s", student.student_id, error)
            return False
        return True


def session_changes(preset: dict[str, Any]) -> dict[str, Any]:
    """The patch that makes a session what a joiner's starts as under ``preset``: its
    lesson from the start, or (with none) the defaults with the preset's fields over them;
    judged on its challenge, or on none."""
    challenge = preset.get("challenge")
    if preset["lesson"] is not None:
        return {**preset["config"], "lesson": preset["lesson"], "challenge": challenge}
    return {
        **merge_config(default_config(), preset["config"]),
        "lesson": None,
        "challenge": challenge,
    }


def room_preset(asked: dict[str, Any]) -> dict[str, Any]:
    """The preset a teacher asked for, as the room keeps it; a challenge (a built-in's id or
    a teacher's own, as ``parse_challenge`` reads it) brings its starting fields as the
    config, and cannot come with a lesson or a config of its own."""
    config, lesson, wanted = asked.get("config") or {}, asked.get("lesson"), asked.get("challenge")
    if wanted is None:
        return {"config": dict(config), "lesson": lesson, "challenge": None}
    for key, given in (("lesson", lesson), ("config", config)):
        if given:
            raise ValueError(f"{key}: expected nothing beside a challenge (it brings its own "
                             f"start), got {given!r}")  # fmt: skip
    challenge = builtin_challenge(wanted) if isinstance(wanted, str) else parse_challenge(wanted)
    document = challenge.as_document()
    return {"config": dict(challenge.config), "lesson": None, "challenge": document}


def full_preset(preset: dict[str, Any]) -> dict[str, Any]:
    """A stored preset with every key (one kept before challenges has none), without the
    results of an ended challenge (the board's ``ended``)."""
    return {key: preset.get(key, empty) for key, empty in EMPTY_PRESET.items()}


def ranked(progress: list[dict[str, Any] | None]) -> list[dict[str, Any] | None]:
    """Each student's challenge progress with its ``rank`` in the room (None: no challenge)."""
    places = ranks(progress)
    return [
        None if entry is None else {**entry, "rank": place}
        for entry, place in zip(progress, places, strict=True)
    ]
