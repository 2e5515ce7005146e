"""A WebSocket client on a bare socket, for clients that misbehave on purpose.

Ordinary clients read in a background thread; this one reads only when told to, so a test
can be a client that sends a flood in one write, never reads, or has a tiny receive buffer.
RFC 6455 framing, client side: every frame masked, messages in one frame each. Stdlib and
NumPy (to mask megabytes quickly).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from typing import Any
from urllib.parse import urlsplit

import numpy as np

TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8
# Any one send or receive: generous, for a server on a slow or crowded machine.
SOCKET_SECONDS = 120.0


def frame(payload: bytes, opcode: int = TEXT) -> bytes:
    """One masked, final frame."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    mask = os.urandom(4)
    data = np.frombuffer(payload, dtype=np.uint8)
    keys = np.resize(np.frombuffer(mask, dtype=np.uint8), length)
    return header + mask + (data ^ keys).tobytes()


class RawWebSocket:
    """``with RawWebSocket(base_url, path, receive_buffer=4096) as ws: ws.send_json(...)``."""

    def __init__(self, base_url: str, path: str, receive_buffer: int | None = None) -> None:
        url = urlsplit(base_url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:  # before connecting, so the window starts small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(SOCKET_SECONDS)
        self.sock.connect((url.hostname or "127.0.0.1", url.port or 80))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        response = b""
        while not response.endswith(b"\r\n\r\n"):  # byte by byte: frames may follow at once
            byte = self.sock.recv(1)
            if not byte:
                raise ConnectionError(f"handshake cut short: {response!r}")
            response += byte
        assert response.startswith(b"HTTP/1.1 101"), response
        self.buffer = b""

    @property
    def local_port(self) -> int:
        return int(self.sock.getsockname()[1])

    def send_json(self, message: dict[str, Any]) -> None:
        self.sock.sendall(frame(json.dumps(message).encode()))

    def send_texts(self, texts: list[str]) -> None:
        """Every message in one write."""
        self.sock.sendall(b"".join(frame(text.encode()) for text in texts))

    def _read(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self) -> tuple[int, bytes]:
        """(opcode, payload) of the next message (server frames are unmasked)."""
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read(8))
        return first & 0x0F, self._read(length)

    def receive_json(self) -> dict[str, Any]:
        """The next text message, skipping binary ones; EOFError on a close frame."""
        while True:
            opcode, payload = self.receive()
            if opcode == CLOSE:
                raise EOFError(close_of(payload))
            if opcode == TEXT:
                message: dict[str, Any] = json.loads(payload)
                return message

    def read_until_closed(self, seconds: float) -> str:
        """Read and drop everything until the server ends the connection: "close CODE"
        (a close frame), "eof" or "reset"; "open" if it is still open after ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                opcode, payload = self.receive()
            except EOFError:
                return "eof"
            except ConnectionResetError:
                return "reset"
            except TimeoutError:
                break
            if opcode == CLOSE:
                return f"close {close_of(payload)[0]}"
        return "open"

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawWebSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def close_of(payload: bytes) -> tuple[int, str]:
    if len(payload) < 2:
        return 1005, ""
    return struct.unpack("!H", payload[:2])[0], payload[2:].decode(errors="replace")
