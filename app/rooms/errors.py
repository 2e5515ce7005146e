"""What can go wrong with a room, as exceptions that say it in words a teacher reads.

The routes give each a status (``app/api/routes/rooms.py``); bad input is a
``ValueError("field: expected …, got …")``, as everywhere else.
"""

from __future__ import annotations

from app.services.errors import EngineUnavailable, SessionNotFound, StoreFull

# A student whose session cannot be read or told now is shown without one, not a failure.
UNREADABLE = (SessionNotFound, EngineUnavailable, StoreFull)


class RoomError(Exception):
    """Any refusal about a room; the message is the answer's ``detail``."""


class RoomNotFound(RoomError, LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"room {code[:20]!r} not found: check the code, or it was unused long enough to expire"
        )


class WrongKey(RoomError, PermissionError):
    def __init__(self, code: str) -> None:
        super().__init__(f"room {code}: expected the teacher key of this room, got another")


class NameTaken(RoomError):
    def __init__(self, code: str, name: str) -> None:
        super().__init__(
            f"name: {name!r} is already taken in room {code}; expected another name "
            "(names differing only in case are the same)"
        )


class RoomFull(RoomError):
    def __init__(self, code: str, most: int) -> None:
        super().__init__(
            f"room {code} is full: it holds its most students ({most}, max_students_per_room)"
        )


class PresetUnusable(RoomError):
    """The stored preset no longer fits the server (started again with tighter limits)."""


class TooManyRooms(RoomError):
    def __init__(self, most: int, idle_seconds: float) -> None:
        super().__init__(
            f"the server holds its most rooms ({most}, max_rooms); a room unused for "
            f"{idle_seconds:g} s (room_idle_seconds) is removed"
        )
