"""The two ends of bench_stream.py: the real server as a process tree, and a lean client.

``ServerTree`` runs ``nn-playground`` in a session of its own (so a Ctrl+C at the terminal
reaches only the benchmark, which then stops it), reads the CPU time of the server and of
every process below it from /proc, and on stop kills whatever of that tree outlives the
SIGTERM. ``StreamClient`` is an asyncio protocol speaking just enough RFC 6455 to watch a
stream: it counts frames by the header message's ``type``, and passes over the binary grids
without assembling them, so that many streams cost the load generator little CPU.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "tests"))
from server_process import ServerProcess  # noqa: E402  (shared with the tests)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
HELLO_SECONDS = 60.0
STOP_SECONDS = 10.0  # for what outlives the server
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
# /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN; without it, /proc is scanned.
HAS_CHILDREN_FILES = Path(f"/proc/self/task/{os.getpid()}/children").exists()
# How the server's json.dumps starts a frame header; anything else is parsed in full.
FRAME_PREFIXES = (b'{"type": "frame"', b'{"type":"frame"')


def server_command() -> list[str]:
    """The installed ``nn-playground`` beside this Python, or ``python -m app``."""
    script = Path(sys.executable).parent / "nn-playground"
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def _stat_fields(pid: int) -> list[str]:
    """Fields 3 onwards of /proc/<pid>/stat (after the parenthesised command name)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    try:
        if not HAS_CHILDREN_FILES:  # scan every process for its parent
            return [int(p.name) for p in Path("/proc").iterdir() if _ppid(p.name) == pid]
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:  # the process is gone
        return []


def _ppid(name: str) -> int:
    try:
        return int(_stat_fields(int(name))[1]) if name.isdigit() else 0
    except (OSError, IndexError):
        return 0


def process_tree(root: int) -> list[int]:
    """``root`` and every live process below it."""
    tree, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        tree.append(pid)
        waiting.extend(_children(pid))
    return tree


@dataclass(frozen=True)
class TreeSample:
    cpu_seconds: float  # user + system, of live processes and the children they reaped
    processes: int
    resident_mb: float


def sample_tree(root: int) -> TreeSample:
    cpu, count, resident = 0.0, 0, 0.0
    for pid in process_tree(root):
        try:
            fields = _stat_fields(pid)
        except OSError:  # exited meanwhile
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat.
        cpu += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
        resident += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        count += 1
    return TreeSample(cpu, count, resident)


class ServerTree(ServerProcess):
    """``with ServerTree(env, log) as server:`` — healthy on 127.0.0.1, and always stopped."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(self._command, log)
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.log: Path = log

    @staticmethod
    def _command(port: int) -> list[str]:
        return [*server_command(), "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning"]  # fmt: skip

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    own_session = True  # stop() signals the whole process tree

    def environment(self) -> dict[str, str]:
        return self.env

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL for the server and anything below it still alive; a second
        Ctrl+C meanwhile is ignored, so the stop always finishes."""
        if self.process is None:
            return
        previous = {
            sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            group = self.process.pid
            tree = {pid: _start_time(pid) for pid in process_tree(group)}
            super().stop()
            # A worker the server did not end (the same start time: not a reused pid), and
            # anything left in the server's process group; then wait until they are gone.
            for pid in (pid for pid, started in tree.items() if _running(pid, started)):
                _kill(os.kill, pid)
            _kill(os.killpg, group)
            deadline = time.monotonic() + STOP_SECONDS
            while time.monotonic() < deadline and any(map(_running, tree, tree.values())):
                time.sleep(0.05)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _kill(kill: Any, target: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        kill(target, signal.SIGKILL)


def _start_time(pid: int) -> str | None:
    try:
        return _stat_fields(pid)[19]
    except (OSError, IndexError):
        return None


def _running(pid: int, started: str | None) -> bool:
    """The process that had this start time is still there, and not a zombie."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return False
    return started is not None and fields[19] == started and fields[0] != "Z"


def masked(payload: bytes, opcode: int = TEXT) -> bytes:
    """One final client frame (RFC 6455 §5.3: masked), for the few small messages we send."""
    length = len(payload)
    if length < 126:
        header = bytes([0x80 | opcode, 0x80 | length])
    elif length < 1 << 16:
        header = bytes([0x80 | opcode, 0x80 | 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + length.to_bytes(8, "big")
    mask = os.urandom(4)
    keys = (mask * (length // 4 + 1))[:length]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(keys, "big")).to_bytes(length, "big")
    return header + mask + body


class StreamClient(asyncio.Protocol):
    """One watcher of ``path``; ``hello`` resolves on the server's first message, ``closed``
    when the connection ends (to the close code and reason, when the server gave them)."""

    def __init__(self, host: str, path: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        f"Sec-WebSocket-Key: {key}\r\n\r\n").encode()  # fmt: skip
        self.frames = 0
        self.received_bytes = 0
        self.errors: list[str] = []
        loop = asyncio.get_running_loop()
        self.hello: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.closed: asyncio.Future[str] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._handshake: bytearray | None = bytearray()
        self._buffer = bytearray()
        self._skip = 0  # bytes of a binary payload still to pass over
        self._text: list[bytes] | None = None  # a fragmented text message being assembled
        self._skipping_fragments = False  # a fragmented binary message

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)

    def send(self, *messages: dict[str, Any]) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(masked(json.dumps(m).encode()) for m in messages))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked((1000).to_bytes(2, "big"), CLOSE))
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(f"connection lost ({exc or 'no close frame'})")

    def _end(self, reason: str) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(reason))
        if not self.closed.done():
            self.closed.set_result(reason)

    def data_received(self, data: bytes) -> None:
        self.received_bytes += len(data)
        if self._handshake is not None:
            self._handshake += data
            head, found, rest = bytes(self._handshake).partition(b"\r\n\r\n")
            if not found:
                return
            self._handshake = None
            if not head.startswith(b"HTTP/1.1 101"):
                self._end(f"handshake refused: {(head + rest)[:300].decode(errors='replace')}")
                return
            data = rest
        if self._skip >= len(data):
            self._skip -= len(data)
            return
        buffer = self._buffer
        buffer += memoryview(data)[self._skip :]
        self._skip = 0
        offset = self._parse(buffer)
        del buffer[:offset]

    def _parse(self, buffer: bytearray) -> int:
        """Handle every whole frame in ``buffer``; how many bytes were used up."""
        offset, end = 0, len(buffer)
        while end - offset >= 2:
            first, length = buffer[offset], buffer[offset + 1] & 0x7F
            head = 2 + {126: 2, 127: 8}.get(length, 0)
            if end - offset < head:
                break
            if head > 2:
                length = int.from_bytes(buffer[offset + 2 : offset + head], "big")
            opcode, final = first & 0x0F, bool(first & 0x80)
            if opcode == BINARY or (opcode == 0 and self._skipping_fragments):
                self._skipping_fragments = not final
                if offset + head + length > end:  # pass over the rest as it comes
                    self._skip = offset + head + length - end
                    return end
                offset += head + length
                continue
            if end - offset < head + length:
                break
            payload = bytes(buffer[offset + head : offset + head + length])
            offset += head + length
            self._frame(opcode, final, payload)
        return offset

    def _frame(self, opcode: int, final: bool, payload: bytes) -> None:
        if opcode == TEXT or opcode == 0:
            parts = (self._text or []) + [payload]
            self._text = None if final else parts
            if final:
                self._message(b"".join(parts))
        elif opcode == PING:
            assert self.transport is not None
            self.transport.write(masked(payload, PONG))
        elif opcode == CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.close()
            self._end(f"closed by the server: {code} {payload[2:].decode(errors='replace')}")

    def _message(self, text: bytes) -> None:
        if text.startswith(FRAME_PREFIXES):
            self.frames += 1
            return
        message = json.loads(text)
        kind = message.get("type")
        if kind == "frame":
            self.frames += 1
        elif kind == "hello" and not self.hello.done():
            self.hello.set_result(message)
        elif kind == "error":
            self.errors.append(str(message.get("message")))  # it names the field


async def open_stream(base_url: str, session_id: str) -> StreamClient:
    """A connected client past the server's ``hello``; ConnectionError says why not."""
    host_port = base_url.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    path = f"/api/sessions/{session_id}/stream"
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: StreamClient(host_port, path), host, int(port))
    try:
        await asyncio.wait_for(client.hello, timeout=HELLO_SECONDS)
    except BaseException as error:
        client.close()
        if isinstance(error, TimeoutError):
            raise ConnectionError(f"no hello within {HELLO_SECONDS:.0f} s") from None
        raise
    return client
