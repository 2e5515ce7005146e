"""The WebSocket protocol the server runs: uvicorn's, made safe for clients that stop reading.

uvicorn holds a connection's sends while its write buffer is over the high-water mark (the
client reads nothing), and a close from our side, or the server's shutdown, closes the socket
only once that buffer has drained: for a client that never reads, never. The socket and its
buffers would stay, and on SIGTERM the process would wait for them. Here, on a connection
whose writes are held, a close (the stream's send timeout, or the 1012 of a shutdown) writes
its close frame past the limit, for a client that reads again, and aborts the socket
ABORT_GRACE_SECONDS later if it has not gone by then.

It also offers the stream a faster way to send a frame (``SEND_MESSAGES`` in the scope's
extensions): the header and the grids' bytes as two WebSocket messages in one write, framed
here (unfragmented, unmasked, no extension: per-message deflate is off), past Starlette's and
uvicorn's per-message layers. A frame is sent tens of times a second per session; this
halves the front's writes and much of its Python per frame.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

ABORT_GRACE_SECONDS = 1.0
#: the scope extension: an ``async (messages: Sequence[str | bytes]) -> None``
SEND_MESSAGES = "nnp.websocket.send_messages"
TEXT, BINARY = 0x81, 0x82  # FIN + opcode (RFC 6455 §5.2)


def data_frame(message: str | bytes) -> list[bytes]:
    """One whole server frame carrying ``message``: its head and its payload."""
    payload, first = (message.encode(), TEXT) if isinstance(message, str) else (message, BINARY)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", first, length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", first, 126, length)
    else:
        head = struct.pack("!BBQ", first, 127, length)
    return [head, payload]


class StreamProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)  # none when the handshake was refused
        if scope is not None:
            scope["extensions"][SEND_MESSAGES] = self.send_messages

    async def send_messages(self, messages: Sequence[str | bytes]) -> None:
        """Send each as one data message, all in one write; ``ClientDisconnected`` if the
        connection is closing or gone. Waits while writes are held, as ``send`` does."""
        await self.writable.wait()
        if self.disconnected or self.close_sent or self.conn.state is not State.OPEN:
            raise ClientDisconnected()
        self.transport.write(b"".join(part for m in messages for part in data_frame(m)))

    def held(self) -> bool:
        """Writes are held: the client has left a full buffer unread."""
        return self.handshake_complete and not self.disconnected and not self.writable.is_set()

    async def send(self, message: ASGISendEvent) -> None:
        if message["type"] == "websocket.close" and self.held() and not self.close_sent:
            code = message.get("code", 1000)
            reason = message.get("reason") or ""
            self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
            self.conn.send_close(code, reason)
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
            self.abort_later()
            return
        await super().send(message)

    def shutdown(self) -> None:
        held = self.held()
        super().shutdown()
        if held:
            self.abort_later()

    def abort_later(self) -> None:
        self.loop.call_later(ABORT_GRACE_SECONDS, self.abort)

    def abort(self) -> None:
        if not self.disconnected:
            self.transport.abort()
