"""A class on the real server: N students streaming at once, and the teacher's board.

    .venv/bin/python bench/bench_room.py                          # 100 students, 2 workers
    .venv/bin/python bench/bench_room.py --students 10 --seconds 3 --warmup 1

A fresh server (`nn-playground` on 127.0.0.1, a new data directory, OPENBLAS_NUM_THREADS=1,
as bench_stream.py starts it) gets one room whose preset is the spiral with hidden layers 8
and 8; `--students` join it by the API, each opens their stream asking for `--fps` frames/s
(100x100 boundary grid, 24x24 thumbnails) and plays; the teacher's board opens its one
WebSocket with the teacher key. After a warm-up, for `--seconds`, it prints every student's
frames/s (min, median and the list), the board's updates/s and bytes per update, the server's
CPU per frame (its process and every one below it), and the load average (other load on the
machine skews every figure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench_stream import Refused, open_all, run_loop, server_env  # (this file's folder)
from stream_load import ServerTree, StreamClient, sample_tree

PRESET = {"config": {"dataset": "spiral", "hidden_layers": [8, 8]}}
GRIDS = {"resolution": 100, "thumbnail_resolution": 24}
BOARD_PREFIX = b'{"type": "board"'


class BoardClient(StreamClient):
    """The teacher's board socket: the key in its first message, board documents counted."""

    def __init__(self, host: str, code: str, key: str) -> None:
        super().__init__(host, f"/api/rooms/{code}/board")
        self.key = key
        self.updates = 0
        self.update_bytes = 0

    def data_received(self, data: bytes) -> None:
        shaking = self._handshake is not None
        super().data_received(data)
        if shaking and self._handshake is None:  # the handshake is done: the key, first
            self.send({"type": "auth", "key": self.key})
            if not self.hello.done():
                self.hello.set_result({})  # a board has no hello; nothing waits for one

    def _message(self, text: bytes) -> None:
        if text.startswith(BOARD_PREFIX) or json.loads(text).get("type") == "board":
            self.updates += 1
            self.update_bytes += len(text)
        else:
            self.errors.append(text[:200].decode(errors="replace"))


def call(base_url: str, method: str, path: str, body: Any, key: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(f"{base_url}{path}", data=json.dumps(body).encode(),
                                     headers=headers, method=method)  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        answer = error.read()[:300].decode(errors="replace")
        raise Refused(f"{method} {path}: HTTP {error.code} {answer}") from None


def seat_class(base_url: str, students: int) -> tuple[dict[str, Any], list[str]]:
    room = call(base_url, "POST", "/api/rooms", {"title": "bench"})
    call(base_url, "PUT", f"/api/rooms/{room['code']}/preset", PRESET, room["teacher_key"])
    path = f"/api/rooms/{room['code']}/students"
    ids = [call(base_url, "POST", path, {"name": f"student {i + 1}"})["session_id"]
           for i in range(students)]  # fmt: skip
    return room, ids


async def measure(server: ServerTree, args: argparse.Namespace) -> None:
    room, ids = seat_class(server.base_url, args.students)
    clients = await open_all(server.base_url, ids)
    host_port = server.base_url.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    _, board = await loop.create_connection(
        lambda: BoardClient(host_port, room["code"], room["teacher_key"]), host, int(port)
    )
    try:
        for client in clients:
            client.send({"type": "stream", "fps": args.fps, **GRIDS}, {"type": "play"})
        await asyncio.sleep(args.warmup)
        if errors := {e for c in [*clients, board] for e in c.errors}:
            raise Refused(f"the server answered with errors: {'; '.join(sorted(errors))}")
        if board.closed.done():
            raise Refused(f"the board closed: {board.closed.result()}")
        frames_before = [c.frames for c in clients]
        updates_before, board_bytes_before = board.updates, board.update_bytes
        started, tree_before = time.monotonic(), sample_tree(server.pid)
        await asyncio.sleep(args.seconds)
        seconds, tree = time.monotonic() - started, sample_tree(server.pid)
        frames = [c.frames - before for c, before in zip(clients, frames_before, strict=True)]
        updates = board.updates - updates_before
        update_bytes = board.update_bytes - board_bytes_before
    finally:
        for client in [*clients, board]:
            client.close()
    rates = [count / seconds for count in frames]
    cpu = tree.cpu_seconds - tree_before.cpu_seconds
    print(f"  students' frames/s: min {min(rates):.1f}, median {statistics.median(rates):.1f} "
          f"(asked {args.fps}); {sum(frames) / seconds:.0f} frames/s in all")  # fmt: skip
    print(f"  every student's frames/s: {' '.join(f'{rate:.1f}' for rate in rates)}")
    print(f"  board: {updates / seconds:.2f} updates/s, "
          f"{update_bytes / max(updates, 1) / 1024:.0f} KiB per update")  # fmt: skip
    print(f"  server CPU: {cpu / seconds:.2f} cores, {cpu / max(sum(frames), 1) * 1e3:.2f} ms "
          f"per frame; {tree.processes} processes, {tree.resident_mb:.0f} MB resident")  # fmt: skip
    print(f"  load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="NNP_WORKERS")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=3.0, help="playing before the window")
    parser.add_argument("--fps", type=int, default=20, help="frame rate each student asks for")
    args = parser.parse_args()
    if not 1 <= args.students <= 1000:
        parser.error(f"--students: expected 1 to 1000, got {args.students}")
    print(f"command: {Path(sys.executable).name} bench/bench_room.py --students {args.students} "
          f"--workers {args.workers} --seconds {args.seconds:g} --warmup {args.warmup:g} "
          f"--fps {args.fps}")  # fmt: skip
    print(f"{len(os.sched_getaffinity(0))} cores, load average before "
          f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="nnp-bench-room-") as data_dir:
        env = {**server_env(args.workers, args.students, data_dir),
               "NNP_MAX_STUDENTS_PER_ROOM": str(args.students)}  # fmt: skip
        with ServerTree(env, Path(data_dir) / "server.log") as server:
            print(f"\n{args.workers} worker(s), a room of {args.students} students", flush=True)
            try:
                run_loop(measure(server, args))
            except Refused as refusal:
                print(f"  not measured: {refusal}")
                print(f"server log (last lines):\n{server.log_tail()}", file=sys.stderr)


if __name__ == "__main__":
    main()
