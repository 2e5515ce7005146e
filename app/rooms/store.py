"""Rooms and their students on disk: ``data_dir / rooms.sqlite3``, a file of its own.

Only the front process opens it (one front per data directory), with one connection, in
WAL mode with ``synchronous=NORMAL`` as the session store (``app/services/durable.py``):
a commit survives the process dying, and a statement takes well under a millisecond, so
the event loop calls it directly. A change of several statements is one ``BEGIN
IMMEDIATE`` transaction: counting a room's students and adding one cannot be split.

- ``rooms``: the code, title, SHA-256 of the teacher key (never the key), the preset as
  JSON, when it was made and last used (wall-clock ``time.time()``, as restarts need), and
  ``show_top``: whether students see the top of the challenge's ranking, ``paused``: whether
  the teacher has paused the class, ``locked``: the controls locked for it as a JSON list
  (each added to a file made before it, as 0 or ``[]``);
- ``students``: per room, the student id, the name as shown, ``name_key`` (the name as a
  room compares names, unique in the room), the session id and when they joined.

A room unused for ``idle_seconds`` is gone: ``room`` no longer finds it and deletes it, and
``forget_idle`` deletes every such room; its students go with it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.rooms.errors import NameTaken, RoomFull, TooManyRooms
from app.rooms.names import name_key
from app.services.durable import open_database

FILE_NAME = "rooms.sqlite3"
# Columns added since the first files were made: a file without one gets it with its default.
ADDED_COLUMNS = {
    "show_top": "INTEGER NOT NULL DEFAULT 0",
    "paused": "INTEGER NOT NULL DEFAULT 0",
    "locked": "TEXT NOT NULL DEFAULT '[]'",
}
ROOM_COLUMNS = "code, title, key_hash, preset, created_at, used_at, show_top, paused, locked"
STUDENT_COLUMNS = "student_id, name, session_id, joined_at"  # a Student's fields, in order
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS rooms (code TEXT PRIMARY KEY, title TEXT NOT NULL,"
    " key_hash TEXT NOT NULL, preset TEXT NOT NULL, created_at REAL NOT NULL,"
    " used_at REAL NOT NULL, show_top INTEGER NOT NULL DEFAULT 0,"
    " paused INTEGER NOT NULL DEFAULT 0, locked TEXT NOT NULL DEFAULT '[]')",
    "CREATE INDEX IF NOT EXISTS rooms_used_at ON rooms (used_at)",
    "CREATE TABLE IF NOT EXISTS students ("
    " room TEXT NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,"
    " student_id TEXT NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL,"
    " session_id TEXT NOT NULL, joined_at REAL NOT NULL,"
    " PRIMARY KEY (room, student_id), UNIQUE (room, name_key))",
)


@dataclass(frozen=True)
class Room:
    code: str
    title: str
    key_hash: str
    preset: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    used_at: float = 0.0
    show_top: bool = False
    paused: bool = False
    locked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    session_id: str
    joined_at: float = 0.0


class CodeTaken(Exception):
    """A new room drew the code of one that exists: draw again."""


class RoomStore:
    """Rooms and students in one SQLite file; ``clock`` is wall-clock seconds."""

    def __init__(
        self, path: Path, idle_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.idle_seconds = idle_seconds
        self.clock = clock
        # Transactions are the explicit BEGIN ... COMMIT of _transaction.
        self._connection: sqlite3.Connection | None = open_database(
            path, ("PRAGMA foreign_keys = ON", *SCHEMA), _add_columns
        )
        self._lock = threading.Lock()

    @classmethod
    def in_data_dir(
        cls, data_dir: Path, idle_seconds: float, clock: Callable[[], float] = time.time
    ) -> RoomStore:
        """The rooms of a data directory (``settings.data_dir``), made if missing."""
        return cls(data_dir / FILE_NAME, idle_seconds, clock)

    # ------------------------------------------------------------------ rooms
    def add_room(self, room: Room, max_rooms: int) -> Room:
        """Keep a new room, made and used now; TooManyRooms past ``max_rooms`` (after the
        idle ones are forgotten), CodeTaken if its code is in use."""
        now = self.clock()
        with self._transaction() as db:
            db.execute("DELETE FROM rooms WHERE used_at < ?", (now - self.idle_seconds,))
            if db.execute("SELECT count(*) FROM rooms").fetchone()[0] >= max_rooms:
                raise TooManyRooms(max_rooms, self.idle_seconds)
            try:
                db.execute(
                    "INSERT INTO rooms VALUES (?, ?, ?, ?, ?, ?, 0, 0, '[]')",
                    (room.code, room.title, room.key_hash, json.dumps(room.preset), now, now),
                )
            except sqlite3.IntegrityError:
                raise CodeTaken(room.code) from None
        return Room(room.code, room.title, room.key_hash, room.preset, now, now)

    def room(self, code: str) -> Room | None:
        """The room, or None if there is none or it has expired (then it is deleted)."""
        with self._transaction() as db:
            row = db.execute(f"SELECT {ROOM_COLUMNS} FROM rooms WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            if row[5] < self.clock() - self.idle_seconds:
                db.execute("DELETE FROM rooms WHERE code = ?", (code,))
                return None
        return Room(
            row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], bool(row[6]),
            bool(row[7]), tuple(json.loads(row[8])),
        )  # fmt: skip

    def touch(self, code: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE rooms SET used_at = ? WHERE code = ?", (self.clock(), code))

    def set_preset(self, code: str, preset: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE rooms SET preset = ?, used_at = ? WHERE code = ?",
                (json.dumps(preset), self.clock(), code),
            )

    def set_show_top(self, code: str, show_top: bool) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE rooms SET show_top = ?, used_at = ? WHERE code = ?",
                (int(show_top), self.clock(), code),
            )

    def set_rules(self, code: str, paused: bool, locked: tuple[str, ...]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE rooms SET paused = ?, locked = ?, used_at = ? WHERE code = ?",
                (int(paused), json.dumps(list(locked)), self.clock(), code),
            )

    def count_rooms(self) -> int:
        with self._transaction() as db:
            return int(db.execute("SELECT count(*) FROM rooms").fetchone()[0])

    def forget_idle(self) -> int:
        """Delete every room unused for ``idle_seconds``, with its students; how many."""
        with self._transaction() as db:
            before = self.clock() - self.idle_seconds
            return int(db.execute("DELETE FROM rooms WHERE used_at < ?", (before,)).rowcount)

    # ------------------------------------------------------------------ students
    def add_student(self, code: str, student: Student, max_students: int) -> Student:
        """Seat ``student`` in the room, joined now; RoomFull with ``max_students`` seated,
        NameTaken if the room has the name (as ``name_key`` compares them)."""
        now = self.clock()
        with self._transaction() as db:
            seated = db.execute("SELECT count(*) FROM students WHERE room = ?", (code,))
            if seated.fetchone()[0] >= max_students:
                raise RoomFull(code, max_students)
            try:
                db.execute(
                    "INSERT INTO students VALUES (?, ?, ?, ?, ?, ?)",
                    (code, student.student_id, student.name, name_key(student.name),
                     student.session_id, now),
                )  # fmt: skip
            except sqlite3.IntegrityError:
                raise NameTaken(code, student.name) from None
            db.execute("UPDATE rooms SET used_at = ? WHERE code = ?", (now, code))
        return Student(student.student_id, student.name, student.session_id, now)

    def remove_student(self, code: str, student_id: str) -> bool:
        with self._transaction() as db:
            statement = "DELETE FROM students WHERE room = ? AND student_id = ?"
            return int(db.execute(statement, (code, student_id)).rowcount) > 0

    def students(self, code: str) -> list[Student]:
        """The room's students in the order they joined."""
        with self._transaction() as db:
            rows = db.execute(
                f"SELECT {STUDENT_COLUMNS} FROM students WHERE room = ? ORDER BY joined_at, rowid",
                (code,),
            ).fetchall()
        return [Student(*row) for row in rows]

    def student_by_session(self, session_id: str) -> tuple[str, Student] | None:
        """The room code and the student whose session this is, or None."""
        with self._transaction() as db:
            statement = f"SELECT room, {STUDENT_COLUMNS} FROM students WHERE session_id = ?"
            row = db.execute(statement, (session_id,)).fetchone()
        return None if row is None else (row[0], Student(*row[1:]))

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its start; rolled back on error."""
        with self._lock:
            if self._connection is None:
                raise RuntimeError(f"{self.path}: the room store is closed")
            db = self._connection
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")


def _add_columns(connection: sqlite3.Connection) -> None:
    """The columns a file made before them lacks."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(rooms)")}
    for name, kind in ADDED_COLUMNS.items():
        if name not in columns:
            connection.execute(f"ALTER TABLE rooms ADD COLUMN {name} {kind}")
