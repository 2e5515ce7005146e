"""The WebSocket protocol the server runs: uvicorn's, made safe for clients that stop reading.

uvicorn holds a connection's sends while its write buffer is over the high-water mark (the
client reads nothing), and a close from our side, or the server's shutdown, closes the socket
only once that buffer has drained: for a client that never reads, never. The socket and its
buffers would stay, and on SIGTERM the process would wait for them. Here, on a connection
whose writes are held, a close (the stream's send timeout, or the 1012 of a shutdown) writes
its close frame past the limit, for a client that reads again, and aborts the socket
ABORT_GRACE_SECONDS later if it has not gone by then.
"""

from __future__ import annotations

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

ABORT_GRACE_SECONDS = 1.0


class StreamProtocol(WebSocketsSansIOProtocol):
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
