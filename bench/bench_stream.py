"""Live-stream throughput of the real server: the figures the session layer is measured by.

    .venv/bin/python bench/bench_stream.py                # 1 and 2 workers x 20, 50, 100
    .venv/bin/python bench/bench_stream.py --workers 1 --sessions 20 --seconds 5 --extras ''

For each number of engine workers (NNP_WORKERS) and each number of sessions, a fresh server
(`nn-playground` on 127.0.0.1, a new data directory, OPENBLAS_NUM_THREADS=1) gets that many
spiral sessions with hidden layers 8 and 8 (every other setting its default), one stream
each asking for `--fps` frames/s with a 100x100 boundary grid and 24x24 thumbnails, all
playing. After a warm-up, for `--seconds`, it measures: frames/s per session (min, median)
and in all; bytes per frame; the server's CPU per frame, summed over the server process and
every process below it (/proc/<pid>/stat); the load generator's own CPU (this one asyncio
process) as a share of one core and per frame; GET /api/health latency meanwhile; and the
machine's CPU pressure (other load on the machine skews every figure). Then the two bars:
every one of 100 sessions gets at least 90 % of the frame rate it asked for, and 2 workers
deliver at least 1.6 times the frames of 1.

Extras (`--extras`), against one more server with the first worker count: (c) `stalled`, a
client that stops reading (bench_stream_stalled.py); (d) `fairness`, a light session alone,
then beside heavy neighbours (bench_stream_fairness.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_stream_fairness import run_fairness  # (this file's folder)
from bench_stream_stalled import stalled_client
from stream_load import PROJECT_ROOT, ServerTree, StreamClient, open_stream, sample_tree

SESSION_CONFIG = {"dataset": "spiral", "hidden_layers": [8, 8]}
GRIDS = {"resolution": 100, "thumbnail_resolution": 24}
FPS_BAR = 0.9  # of the frame rate asked, for every session
SCALING_BAR = 1.6  # aggregate frames/s of 2 workers over 1
BAR_SESSIONS = 100
HEALTH_PROBE_SECONDS = 0.1
BUSY_MACHINE = 0.2  # CPU pressure above which the figures are flagged as skewed
EXTRAS = ("stalled", "fairness")


class Refused(Exception):
    """The server would not take the load asked of it; the message says what it answered."""


@dataclass
class Case:
    workers: int
    sessions: int
    seconds: float
    frames: int
    rates: list[float]  # frames/s per session, sorted
    received_bytes: int
    server_cpu: float
    processes: int
    resident_mb: float
    client_cpu: float
    pressure: float  # share of the window some task waited for a CPU
    health: list[float]  # seconds per GET /api/health, sorted
    ended: Counter[str]  # streams that ended during the window, by reason
    errors: set[str]

    @property
    def aggregate(self) -> float:
        return self.frames / self.seconds


def server_env(workers: int, sessions: int, data_dir: str) -> dict[str, str]:
    room = str(2 * sessions + 16)  # limits out of the way: the bench measures throughput
    return {"NNP_WORKERS": str(workers), "NNP_DATA_DIR": data_dir, "NNP_MAX_SESSIONS": room,
            "NNP_MAX_STREAMS": room, "NNP_SESSION_BURST": room, "NNP_SESSION_RATE": "10000",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}  # fmt: skip


def run_server(workers: int, sessions: int, body: Any) -> Any:
    """``body(server)`` with a fresh server; stopped whatever happens, its log shown if it fails."""
    with tempfile.TemporaryDirectory(prefix="nnp-bench-") as data_dir:
        log = Path(data_dir) / "server.log"
        with ServerTree(server_env(workers, sessions, data_dir), log) as server:
            try:
                return body(server)
            except Refused:
                raise
            except Exception:
                print(f"server log (last lines):\n{server.log_tail()}", file=sys.stderr)
                raise


def create_session(base_url: str, index: int, of: int) -> str:
    request = urllib.request.Request(
        f"{base_url}/api/sessions", data=json.dumps(SESSION_CONFIG).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            session_id: str = json.load(response)["id"]
            return session_id
    except urllib.error.HTTPError as error:
        answer = error.read()[:300].decode(errors="replace")
        raise Refused(f"POST /api/sessions refused session {index + 1} of {of}: "
                      f"HTTP {error.code} {answer}") from None  # fmt: skip


def cpu_pressure_seconds() -> float:
    """Time some runnable task waited for a CPU, machine-wide (Linux PSI); 0 if unavailable."""
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return 0.0
    return int(some.rsplit("total=", 1)[1]) / 1e6


async def probe_health(base_url: str, latencies: list[float]) -> None:
    """GET /api/health on a fresh connection every HEALTH_PROBE_SECONDS, until cancelled."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    request = f"GET /api/health HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    while True:
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(request.encode())
        status = await reader.readline()
        await reader.read()
        writer.close()
        if b" 200 " not in status:
            raise RuntimeError(f"GET /api/health: expected 200, got {status!r}")
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(HEALTH_PROBE_SECONDS)


async def open_all(base_url: str, ids: list[str]) -> list[StreamClient]:
    opened = await asyncio.gather(*(open_stream(base_url, i) for i in ids), return_exceptions=True)
    clients = [client for client in opened if isinstance(client, StreamClient)]
    failed = Counter(str(error) for error in opened if isinstance(error, BaseException))
    if failed:
        for client in clients:
            client.close()
        reasons = "; ".join(f"{count} x {reason}" for reason, count in failed.items())
        raise Refused(f"{sum(failed.values())} of {len(ids)} streams did not open: {reasons}")
    return clients


async def measure(
    server: ServerTree, workers: int, ids: list[str], args: argparse.Namespace
) -> Case:
    clients = await open_all(server.base_url, ids)
    try:
        for client in clients:
            client.send({"type": "stream", "fps": args.fps, **GRIDS}, {"type": "play"})
        await asyncio.sleep(args.warmup)
        if ended := Counter(c.closed.result() for c in clients if c.closed.done()):
            raise Refused(f"streams ended during the warm-up: {dict(ended)}")
        if errors := {error for c in clients for error in c.errors}:
            raise Refused(f"the server answered with errors: {'; '.join(sorted(errors))}")
        latencies: list[float] = []
        probe = asyncio.create_task(probe_health(server.base_url, latencies))
        started, frames_before = time.monotonic(), [c.frames for c in clients]
        bytes_before, tree_before = sum(c.received_bytes for c in clients), sample_tree(server.pid)
        client_before, pressure_before = time.process_time(), cpu_pressure_seconds()
        await asyncio.sleep(args.seconds)
        seconds, tree = time.monotonic() - started, sample_tree(server.pid)
        client_cpu = time.process_time() - client_before
        frames = [c.frames - before for c, before in zip(clients, frames_before, strict=True)]
        received = sum(c.received_bytes for c in clients) - bytes_before
        pressure = cpu_pressure_seconds() - pressure_before
        probe.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await probe  # raises what made it fail, if it did
        return Case(
            workers=workers, sessions=len(ids), seconds=seconds, frames=sum(frames),
            rates=sorted(count / seconds for count in frames), received_bytes=received,
            server_cpu=tree.cpu_seconds - tree_before.cpu_seconds, processes=tree.processes,
            resident_mb=tree.resident_mb, client_cpu=client_cpu, pressure=pressure / seconds,
            health=sorted(latencies),
            ended=Counter(c.closed.result() for c in clients if c.closed.done()),
            errors={error for c in clients for error in c.errors},
        )  # fmt: skip
    finally:
        for client in clients:
            client.close()


def run_case(workers: int, sessions: int, args: argparse.Namespace) -> Case | None:
    def body(server: ServerTree) -> Case:
        ids = [create_session(server.base_url, index, sessions) for index in range(sessions)]
        return run_loop(measure(server, workers, ids, args))

    print(f"\n{workers} worker(s), {sessions} sessions", flush=True)
    try:
        case: Case = run_server(workers, sessions, body)
    except Refused as refusal:
        print(f"  not measured: {refusal}")
        return None
    report(case, args.fps)
    return case


def report(case: Case, fps: int) -> None:
    frames = max(case.frames, 1)
    print(f"  frames/s per session: min {case.rates[0]:.1f}, median "
          f"{statistics.median(case.rates):.1f} (asked {fps}); in all {case.aggregate:.0f}; "
          f"{case.received_bytes / frames:.0f} bytes per frame")  # fmt: skip
    print(f"  server CPU: {1000 * case.server_cpu / frames:.2f} ms per frame, "
          f"{100 * case.server_cpu / case.seconds:.0f} % of one core over {case.processes} "
          f"process(es), {case.resident_mb:.0f} MB resident")  # fmt: skip
    print(f"  load generator CPU: {100 * case.client_cpu / case.seconds:.0f} % of one core, "
          f"{1e6 * case.client_cpu / frames:.0f} µs per frame")  # fmt: skip
    if case.health:
        p99 = case.health[int(0.99 * (len(case.health) - 1))]
        print(f"  GET /api/health meanwhile: median {1000 * statistics.median(case.health):.1f}"
              f" ms, p99 {1000 * p99:.1f} ms ({len(case.health)} requests)")  # fmt: skip
    print(f"  machine CPU pressure: some task waited for a core {100 * case.pressure:.0f} % of "
          f"the {case.seconds:.1f} s measured")  # fmt: skip
    for reason, count in case.ended.items():
        print(f"  {count} stream(s) ended during the window: {reason}")
    for error in sorted(case.errors):
        print(f"  the server answered with an error: {error}")


def summary(cases: list[Case], fps: int) -> None:
    if not cases:
        print("\nnothing measured")
        return
    print("\nworkers sessions  min/s median/s  all/s  server ms/frame  server cores  "
          "client % core  client µs/frame  machine pressure %")  # fmt: skip
    for c in cases:
        frames = max(c.frames, 1)
        print(f"{c.workers:7} {c.sessions:8} {c.rates[0]:6.1f} {statistics.median(c.rates):8.1f}"
              f" {c.aggregate:6.0f} {1000 * c.server_cpu / frames:16.2f} "
              f"{c.server_cpu / c.seconds:13.2f} {100 * c.client_cpu / c.seconds:14.0f} "
              f"{1e6 * c.client_cpu / frames:16.0f} {100 * c.pressure:19.0f}")  # fmt: skip
    measured = {(c.workers, c.sessions): c for c in cases}
    counts = {c.sessions for c in cases}
    sessions = BAR_SESSIONS if BAR_SESSIONS in counts else max(counts)
    note = "" if sessions == BAR_SESSIONS else f" (the bar is for {BAR_SESSIONS}; not measured)"
    floor = FPS_BAR * fps
    for c in (c for c in cases if c.sessions == sessions):
        verdict = "holds" if c.rates[0] >= floor else "FAILS"
        print(f"bar: {sessions} sessions asking {fps} frames/s each all get >= {floor:g}, "
              f"{c.workers} worker(s): {verdict} (slowest {c.rates[0]:.1f}){note}")  # fmt: skip
    one, two = measured.get((1, sessions)), measured.get((2, sessions))
    if one and two:
        ratio = two.aggregate / max(one.aggregate, 1e-9)
        verdict = "holds" if ratio >= SCALING_BAR else "FAILS"
        if two.processes == 1:  # the same server twice: any difference is noise
            verdict = "cannot tell (with NNP_WORKERS=2 the server ran as one process)"
        elif one.rates[0] >= floor:
            verdict += " (but 1 worker already delivers the rate asked: this bar cannot tell)"
        elif SCALING_BAR * one.aggregate > (asked := sessions * fps):
            verdict += (
                f" (and cannot hold at this load: {SCALING_BAR} x {one.aggregate:.0f} is more"
                f" than the {asked} frames/s the sessions ask for; --fps higher saturates both)"
            )
        print(f"bar: 2 workers deliver >= {SCALING_BAR}x the aggregate of 1 ({sessions} "
              f"sessions): {verdict}; {ratio:.2f}x: {one.aggregate:.0f} -> "
              f"{two.aggregate:.0f} frames/s{note}")  # fmt: skip
    if any(c.workers > 1 and c.processes == 1 for c in cases):
        print("note: with NNP_WORKERS above 1 the server still ran as one process: it runs no "
              "engine workers (yet), so every worker count measured the same server")  # fmt: skip
    if (busiest := max(c.pressure for c in cases)) > BUSY_MACHINE:
        print(f"note: other load kept a task waiting for a core up to {100 * busiest:.0f} % of "
              "the time: these figures say as much of the machine as of the server")  # fmt: skip


def run_extras(workers: int, extras: list[str], seconds: float) -> None:
    def body(server: ServerTree) -> None:
        if "stalled" in extras:
            run_loop(stalled_client(server, create_session(server.base_url, 0, 1)))
        if "fairness" in extras:
            run_fairness(server.base_url, min(seconds, 5.0))

    print(f"\nextras against a server with {workers} worker(s)")
    run_server(workers, 8, body)


def run_loop(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """On uvloop where installed: the load generator's own CPU is part of what is measured."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def names(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    if unknown := set(chosen) - set(EXTRAS):
        raise argparse.ArgumentTypeError(f"expected some of {','.join(EXTRAS)}, got {unknown}")
    return chosen


def header(args: argparse.Namespace) -> None:
    python = os.path.relpath(sys.executable, PROJECT_ROOT)
    python = sys.executable if python.startswith("..") else python
    print(f"command (from {PROJECT_ROOT}): {python} bench/bench_stream.py "
          f"--workers {','.join(map(str, args.workers))} "
          f"--sessions {','.join(map(str, args.sessions))} --seconds {args.seconds:g} "
          f"--warmup {args.warmup:g} --fps {args.fps} --extras '{','.join(args.extras)}'"
          )  # fmt: skip
    git = ["git", "-C", str(PROJECT_ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run([*git, "status", "--porcelain", "--", "app"], capture_output=True,
                             text=True)  # fmt: skip
    local = " with local changes in app/" if changed.stdout.strip() else ""
    print(f"server: commit {commit.stdout.strip() or '?'}{local}; sessions {SESSION_CONFIG}, "
          f"stream {GRIDS}; {len(os.sched_getaffinity(0))} cores, load average "
          f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}")  # fmt: skip


def interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=numbers, default=[1, 2], help="NNP_WORKERS values")
    parser.add_argument("--sessions", type=numbers, default=[20, 50, 100])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per case")
    parser.add_argument("--warmup", type=float, default=3.0, help="playing before the window")
    parser.add_argument("--fps", type=int, default=25, help="frame rate each stream asks for")
    parser.add_argument("--extras", type=names, default=list(EXTRAS), help="stalled,fairness")
    args = parser.parse_args()
    for signum in (signal.SIGTERM, signal.SIGHUP):  # stop the servers as on Ctrl+C
        signal.signal(signum, interrupted)
    # One socket a stream on each side: lift the soft limit on open files to the hard one.
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    header(args)
    try:
        cases = [case for workers in args.workers for sessions in args.sessions
                 if (case := run_case(workers, sessions, args)) is not None]  # fmt: skip
        summary(cases, args.fps)
        if args.extras:
            run_extras(args.workers[0], args.extras, args.seconds)
    except KeyboardInterrupt:
        print("\ninterrupted; every server this run started is stopped", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
