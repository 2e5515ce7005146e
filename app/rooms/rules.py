"""A room's rules for its students: the class paused, controls locked (``ClassRules``).

The room keeps them (``RoomStore.set_rules``) and hands them to every seated student's
session, in the engine worker owning it, which enforces them on every path a student can
take (``app/services/class_rules.py``): pausing stops each student's open streams there
and then. A joiner's session gets them as it is made; a session whose worker could not be
reached is named in ``not_reached``, as for a preset.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.rooms.errors import UNREADABLE
from app.services.class_rules import ClassRules

if TYPE_CHECKING:
    from app.rooms.service import SessionCaller
    from app.rooms.store import Room, Student

logger = logging.getLogger(__name__)


def room_rules(room: Room) -> ClassRules:
    return ClassRules(room.paused, frozenset(room.locked))


def asked_rules(room: Room, paused: bool | None, locked: Sequence[str] | None) -> ClassRules:
    """The room's rules with what the teacher asked for over them (None: unchanged);
    ValueError naming a control that cannot be locked."""
    current = room_rules(room).as_document()
    return ClassRules.from_document(
        {
            "paused": current["paused"] if paused is None else paused,
            "locked": current["locked"] if locked is None else list(locked),
        }
    )


async def give_rules(pool: SessionCaller, student: Student, rules: ClassRules) -> bool:
    """``rules`` to the student's session; False if it could not be reached."""
    try:
        await pool.call(student.session_id, "set_class_rules", rules=rules.as_document())
    except UNREADABLE as error:
        logger.warning("rules not given to student %s: %s", student.student_id, error)
        return False
    return True


async def give_everyone(
    pool: SessionCaller, students: Sequence[Student], rules: ClassRules
) -> dict[str, Any]:
    """``{"students", "changed", "not_reached"}`` once every session has been told."""
    reached = await asyncio.gather(*(give_rules(pool, s, rules) for s in students))
    return {
        "students": len(students),
        "changed": sum(reached),
        "not_reached": [s.student_id for s, ok in zip(students, reached, strict=True) if not ok],
    }
