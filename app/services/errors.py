"""Errors the service layer raises, and how a ``"field: message"`` error names its field.

Bad input is a ``ValueError`` whose message starts with the field's path, e.g.
``"hidden_layers[2]: expected at most 32 neurons, got 40"``; ``field_path`` turns that path
into the location tuple ``("hidden_layers", 2)`` that a 422 response reports.
"""

from __future__ import annotations

import re

_PATH = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): (?P<message>.+)$", re.S)
_SEGMENT = re.compile(r"\[(\d+)\]|\.?([A-Za-z_]\w*)")


class SessionNotFound(LookupError):
    """No session with that id (never created, deleted, or expired)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id[:64]!r} not found (it may have expired)")
        self.session_id = session_id

    def __reduce__(self) -> tuple[type[SessionNotFound], tuple[str]]:
        return SessionNotFound, (self.session_id,)  # it crosses from a worker to the front


class StoreFull(RuntimeError):
    """The store holds its maximum number of sessions, none of them idle long enough."""


class MemoryFull(StoreFull):
    """The sessions in memory take the memory cap, and none of them can go to the store."""


class EngineUnavailable(RuntimeError):
    """The engine worker owning the session is not running (it is being started again)."""


class NoLesson(LookupError):
    """The session follows no lesson."""


class NotFinite(RuntimeError):
    """A computed result is not finite (the network has diverged or its weights overflow)."""


def field_path(message: str) -> tuple[tuple[str | int, ...], str]:
    """Split ``"a.b[3]: text"`` into ``(("a", "b", 3), "text")``; no path gives ``((), message)``.

    >>> field_path("points.x[3]: expected two numbers, got [7, 1]")
    (('points', 'x', 3), 'expected two numbers, got [7, 1]')
    """
    match = _PATH.match(message)
    if match is None:
        return (), message
    path: list[str | int] = []
    for index, name in _SEGMENT.findall(match["path"]):
        path.append(int(index) if index else name)
    return tuple(path), match["message"]


def prefixed(exc: ValueError, prefix: str) -> ValueError:
    """The same error one level down: ``"x: …"`` becomes ``"config.x: …"`` for prefix "config"."""
    path, message = field_path(str(exc))
    if not path:
        return ValueError(f"{prefix}: {message}")
    head = str(path[0])
    rest = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path[1:])
    return ValueError(f"{prefix}.{head}{rest}: {message}")
