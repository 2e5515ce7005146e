"""What one stream connection has read and not yet carried out: bounded, and never blocking.

The receiver reads the socket all the time, so that a close is seen at once and a client
that floods the socket meets its own limits rather than the server's memory, and files each
message here; the driver takes them out in the order they came. Three rules bound it:

- a ``step`` that arrives while a step of the same unit is still waiting (not begun) is
  added to it, up to ``max_steps`` steps; one more is refused. Two quick presses of "step"
  are still two steps, and 20,000 epoch steps sent in one write are at most ``max_steps``
  waiting, not 20,000;
- at most ``max_waiting`` entries wait, holding at most ``max_text`` characters of message
  text between them (a single message always fits an empty inbox); an entry over either
  bound is refused, and the client is told once, with the next entry taken, how many were;
- a rejected message waits as its small error reply only, never as its text or the
  exception that parsed it (whose traceback would keep the text alive).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from app.api.stream_messages import Step

# An error reply, ready to send: {"type": "error", "message": ..., "field"?: ...}.
ErrorReply = dict[str, Any]


@dataclass
class Steps:
    """``times`` step commands of one unit that waited together: carried out one after
    another, with one frame after the last."""

    unit: Literal["iteration", "epoch"]
    times: int = 1


class Inbox:
    """Commands (validated client messages) and error replies, first in, first out."""

    def __init__(self, max_waiting: int, max_text: int, max_steps: int) -> None:
        self.max_waiting = max_waiting
        self.max_text = max_text
        self.max_steps = max_steps
        # (command, Steps or ErrorReply; text length)
        self._entries: deque[tuple[Any, int]] = deque()
        self._text = 0
        self._waiting_steps: dict[str, Steps] = {}  # by unit
        self.refused = 0  # since the client was last told

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries) or self.refused > 0

    def put(self, entry: Any, text_length: int) -> bool:
        """File a command (a Step as Steps) or an ErrorReply read from ``text_length``
        characters; False if it was refused."""
        if isinstance(entry, Step) and entry.unit in self._waiting_steps:
            waiting = self._waiting_steps[entry.unit]
            if waiting.times >= self.max_steps:
                self.refused += 1
                return False
            waiting.times += 1
            return True
        over_text = self._entries and self._text + text_length > self.max_text
        if len(self._entries) >= self.max_waiting or over_text:
            self.refused += 1
            return False
        if isinstance(entry, Step):
            entry = self._waiting_steps[entry.unit] = Steps(entry.unit)
        self._entries.append((entry, text_length))
        self._text += text_length
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
        if isinstance(entry, Steps):
            del self._waiting_steps[entry.unit]  # begun: later steps wait anew
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
            f"(and {self.max_text} characters, and {self.max_steps} steps of each unit) "
            "waiting to be carried out; wait for the replies before sending more",
        }
