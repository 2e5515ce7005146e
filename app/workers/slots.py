"""Open streams, held to ``max_streams`` server-wide and ``max_streams_per_session``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from app.config import Settings


class StreamSlots:
    """Open streams, server-wide and per session, held to ``max_streams`` and
    ``max_streams_per_session``. Used on the event loop only, so checking and taking a slot
    cannot race."""

    def __init__(self) -> None:
        self.total = 0
        self.per_session: Counter[str] = Counter()

    def refusal(self, session_id: str, settings: Settings) -> str | None:
        """Why one more stream of ``session_id`` is refused (a close reason), or None."""
        if self.total >= settings.max_streams:
            return f"too many streams: the server allows {settings.max_streams}"
        most = settings.max_streams_per_session
        if self.per_session[session_id] >= most:
            return f"too many streams of this session: it allows {most}"
        return None

    @contextmanager
    def taken(self, session_id: str) -> Iterator[None]:
        self.total += 1
        self.per_session[session_id] += 1
        try:
            yield
        finally:
            self.total -= 1
            self.per_session[session_id] -= 1
            if not self.per_session[session_id]:
                del self.per_session[session_id]
