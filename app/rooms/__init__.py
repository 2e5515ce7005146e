"""Classrooms: a teacher's room, the students who joined it by its code, and its preset.

Owned by the front process (one front per data directory, ``app/services/datadir.py``):
``codes`` makes room codes, teacher keys and student ids; ``names`` judges display names;
``store`` keeps rooms and students in ``data_dir / rooms.sqlite3``; ``service`` joins them
to the engine workers, where each student's session lives like any other. Knows nothing
of HTTP: ``app/api/routes/rooms.py`` turns the errors of ``errors`` into statuses.
"""

from app.rooms.errors import (
    NameTaken,
    PresetUnusable,
    RoomError,
    RoomFull,
    RoomNotFound,
    TooManyRooms,
    WrongKey,
)
from app.rooms.service import Rooms

__all__ = [
    "NameTaken",
    "PresetUnusable",
    "RoomError",
    "RoomFull",
    "RoomNotFound",
    "Rooms",
    "TooManyRooms",
    "WrongKey",
]
