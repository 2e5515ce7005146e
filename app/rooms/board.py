"""The board's document: the room and every student's run, with a small boundary thumbnail.

``board_document`` reads every student's session and its 24 x 24 output grid side by side
(each from the worker owning it). A thumbnail travels as bytes in base64, row by row from
the top (``ys`` descending, ``xs`` ascending, as ``Session.boundary`` gives them)::

    {"resolution": R, "kind": "binary" | "value" | "classes", "lo": float, "hi": float,
     "values": base64(R*R uint8), "classes": base64(R*R uint8) | null}

A value is ``lo + byte / 255 * (hi - lo)``: p(class 1) for ``binary`` (lo 0, hi 1), the
predicted value for ``value`` (lo and hi the grid's own range), the winning class's
probability for ``classes``, with that class in ``classes``. The student in the spotlight
(``spotlight=(student_id, resolution)``) has a second, finer one under ``"spotlight"``.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import numpy as np

from app.rooms.errors import UNREADABLE
from app.rooms.rules import room_rules
from app.rooms.service import Rooms, full_preset, ranked
from app.rooms.store import Student
from app.services.class_rules import CONTROLS

THUMBNAIL_RESOLUTION = 24
SPOTLIGHT_RESOLUTION = 96  # the one run the teacher has put on the projector


def encode_thumbnail(grid: dict[str, Any]) -> dict[str, Any]:
    """The compact form of a ``boundary`` result (layout in the module docstring)."""
    values = np.asarray(grid["values"], dtype=np.float64)
    classes = grid.get("classes")
    if classes is not None:
        kind, lo, hi = "classes", 0.0, 1.0
    elif values.size and values.min() >= 0.0 and values.max() <= 1.0:
        kind, lo, hi = "binary", 0.0, 1.0
    else:
        kind = "value"
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    quantised = np.clip(np.rint((values - lo) / span * 255.0), 0, 255).astype(np.uint8)
    return {
        "resolution": int(grid["resolution"]),
        "kind": kind,
        "lo": lo,
        "hi": hi,
        "values": base64.b64encode(quantised.tobytes()).decode("ascii"),
        "classes": None
        if classes is None
        else base64.b64encode(np.asarray(classes, dtype=np.uint8).tobytes()).decode("ascii"),
    }


def layer_sizes(config: dict[str, Any], thumbnail: dict[str, Any] | None) -> list[int]:
    """Inputs, hidden layers, outputs: ``[2, 8, 8, 1]``."""
    outputs = (
        int(config.get("n_classes") or 1) if thumbnail and thumbnail["kind"] == "classes" else 1
    )
    return [len(config.get("features") or []), *config.get("hidden_layers", []), outputs]


async def _student(rooms: Rooms, student: Student, spotlight: int | None) -> dict[str, Any]:
    async def read(op: str, **args: Any) -> Any:
        try:
            return await rooms.pool.call(student.session_id, op, **args)
        except (*UNREADABLE, ValueError):
            return None

    reads = [read("get"), read("boundary", resolution=THUMBNAIL_RESOLUTION)]
    if spotlight is not None:
        reads.append(read("boundary", resolution=spotlight))
    session, grid, *finer = await asyncio.gather(*reads)
    thumbnail = None if grid is None else encode_thumbnail(grid)
    config = None if session is None else session["config"]
    return {
        "name": student.name,
        "student_id": student.student_id,
        "config": None
        if config is None
        else {
            "hidden_layers": config.get("hidden_layers"),
            "activation": config.get("activation"),
            "dataset": config.get("dataset"),
            "layers": layer_sizes(config, thumbnail),
        },
        "state": None if session is None else session["state"],
        "challenge": None if session is None else session.get("challenge"),
        "thumbnail": thumbnail,
        **({"spotlight": encode_thumbnail(finer[0])} if finer and finer[0] is not None else {}),
    }


async def board_document(
    rooms: Rooms, code: str, spotlight: tuple[str, int] | None = None
) -> dict[str, Any]:
    """``{"type": "board", "code", "title", "preset", "ended", "show_top", "paused", "locked",
    "lockable", "students": [...]}`` in
    join order, each student's ``challenge`` progress ranked in the room; a student whose
    session cannot be read has null config, state, challenge and thumbnail."""
    room = rooms.room(code)
    students = rooms.store.students(room.code)
    spotlit, resolution = spotlight or (None, None)
    tiles = await asyncio.gather(
        *(
            _student(rooms, student, resolution if student.student_id == spotlit else None)
            for student in students
        )
    )
    for tile, challenge in zip(tiles, ranked([tile["challenge"] for tile in tiles]), strict=True):
        tile["challenge"] = challenge
    return {
        "type": "board",
        "code": room.code,
        "title": room.title,
        "preset": full_preset(room.preset),
        "ended": room.preset.get("ended"),
        "show_top": room.show_top,
        **room_rules(room).as_document(),
        "lockable": list(CONTROLS),
        "students": list(tiles),
    }
