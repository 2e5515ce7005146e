"""What one stream connection has read and not yet carried out: bounded, and never blocking.

The receiver reads the socket all the time, so that a close is seen at once and a client
that floods the socket meets its own limits rather than the server's memory, and files each
message here; the driver takes them out in the order they came. Three rules bound it:

- a ``step`` that arrives while the same step (same unit) is still waiting is merged into the
  waiting one: 20,000 epoch steps sent in one write are one epoch step waiting, not 20,000;
- at most ``max_waiting`` entries wait, holding at most ``max_text`` characters of message
  text between them (a single message always fits an empty inbox); an entry over either
  bound is refused, and the client is told once, with the next entry taken, how many were;
- a rejected message waits as its small error reply only, never as its text or the
  exception that parsed it (whose traceback would keep the text alive).
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

from app.api.stream_messages import Step

# An error reply, ready to send: {"type": "error", "message": ..., "field"?: ...}.
ErrorReply = dict[str, Any]


class Inbox:
    """Commands (validated client messages) and error replies, first in, first out."""

    def __init__(self, max_waiting: int, max_text: int) -> None:
        self.max_waiting = max_waiting
        self.max_text = max_text
        self._entries: deque[tuple[Any, int]] = deque()  # (command or ErrorReply, text length)
        self._text = 0
        self._waiting_steps: Counter[str] = Counter()  # by unit
        self.refused = 0  # since the client was last told
        self.merged = 0  # steps merged into a waiting one, in all

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries) or self.refused > 0

    def put(self, entry: Any, text_length: int) -> bool:
        """File a command or an ErrorReply read from ``text_length`` characters; False if it
        was merged into a waiting step or refused."""
        if isinstance(entry, Step) and self._waiting_steps[entry.unit]:
            self.merged += 1
            return False
        over_text = self._entries and self._text + text_length > self.max_text
        if len(self._entries) >= self.max_waiting or over_text:
            self.refused += 1
            return False
        self._entries.append((entry, text_length))
        self._text += text_length
        if isinstance(entry, Step):
            self._waiting_steps[entry.unit] += 1
        return True

    def take(self) -> Any | None:
        """The next entry (a refusal notice first, if any were refused); None when empty."""
        if self.refused:
            refused, self.refused = self.refused, 0
            return self.refusal(refused)
        if not self._entries:
            return None
        entry, text_length = self._entries.popleft()
        self._text -= text_length
        if isinstance(entry, Step):
            self._waiting_steps[entry.unit] -= 1
        return entry

    def clear(self) -> None:
        """Drop everything waiting (the client has gone)."""
        self._entries.clear()
        self._text = 0
        self._waiting_steps.clear()
        self.refused = 0

    def refusal(self, count: int) -> ErrorReply:
        what = "message was" if count == 1 else "messages were"
        return {
            "type": "error",
            "message": f"{count} {what} refused: expected at most {self.max_waiting} messages "
            f"(and {self.max_text} characters) waiting to be carried out; wait for the "
            "replies before sending more",
        }
