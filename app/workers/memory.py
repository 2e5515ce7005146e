"""How much memory a session holds: the NumPy arrays reachable from it, plus a fixed share
for the Python objects around them.

Counted, not measured from the process: a process's size hardly shrinks when a session
leaves it (the allocator keeps the pages), so the cap is kept on what the sessions hold.
The walk follows attributes, lists, tuples and dicts a few levels deep and counts each
array (or the base it views) once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

OBJECT_BYTES = 64 * 1024  # the trainer, the stepper, the lesson: objects, not arrays
MAX_DEPTH = 5
# Shared, read-only things a session points to that are not its own.
SKIPPED = ("settings", "limits", "lesson", "clock")


def session_bytes(session: Any) -> int:
    seen: set[int] = set()
    return OBJECT_BYTES + _array_bytes(session.trainer, seen, MAX_DEPTH)


def _array_bytes(value: Any, seen: set[int], depth: int) -> int:
    if isinstance(value, np.ndarray):
        owner = (
            value if value.base is None or not isinstance(value.base, np.ndarray) else value.base
        )
        if id(owner) in seen:
            return 0
        seen.add(id(owner))
        return int(owner.nbytes)
    if depth == 0 or id(value) in seen or isinstance(value, str | bytes | int | float | bool):
        return 0
    seen.add(id(value))
    if isinstance(value, dict):
        return sum(_array_bytes(item, seen, depth - 1) for item in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return sum(_array_bytes(item, seen, depth - 1) for item in value)
    attributes = getattr(value, "__dict__", None)
    if attributes is None or not type(value).__module__.startswith("app."):
        return 0
    return sum(
        _array_bytes(item, seen, depth - 1)
        for name, item in attributes.items()
        if name not in SKIPPED
    )
