"""Live-stream throughput against a real uvicorn process on loopback.

    .venv/bin/python bench/bench_stream.py            # every scenario, 10 s each
    .venv/bin/python bench/bench_stream.py --seconds 5 --scenarios b

(a) one session playing at 60 fps with a 100×100 boundary grid: frames/s received;
(b) 20 sessions playing at once, 30 fps, 10 iterations per frame, 100×100: frames/s per
    session (the bar: the slowest at least 90 % of 30), and GET /api/health latency meanwhile;
(c) one session at 60 fps whose client stops reading: the server's CPU once the socket
    buffers are full, and how many frames were in transit (latest wins: none are queued).
(d) a light session playing alone, then beside a client hammering epoch steps on a big
    network and a REST client training a streamed session (bench_stream_fairness.py).
Each prints bytes per frame (JSON header + binary grids) and the server's CPU time per frame,
read from /proc/<pid>/stat. The server runs as deployed: one process, per-message deflate off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench_stream_fairness import run_fairness  # (this file's folder)
from websockets.asyncio.client import connect

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "tests"))
from server_process import ServerProcess  # noqa: E402  (the tests' server start-up, shared)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WARMUP_SECONDS = 1.5
HEALTH_PROBE_SECONDS = 0.05
STALL_SECONDS = 6.0
# The page's default network: circles, inputs x1 and x2, hidden layers 4 and 2, tanh, SGD.
SESSION_CONFIG = {"dataset": "circles", "hidden_layers": [4, 2], "seed": 1}


@dataclass
class Tally:
    frames: int = 0
    header_bytes: int = 0
    grid_bytes: int = 0
    seqs: list[int] = field(default_factory=list)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def cpu_pressure_seconds() -> float:
    """Time some runnable task waited for a CPU, machine-wide (Linux PSI); 0 if unavailable."""
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return 0.0
    return int(some.rsplit("total=", 1)[1]) / 1e6


def resident_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def create_session(base_url: str) -> str:
    body = json.dumps(SESSION_CONFIG).encode()
    request = urllib.request.Request(
        f"{base_url}/api/sessions", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        session_id: str = json.load(response)["id"]
        return session_id


async def watch(
    ws_url: str, settings: dict[str, int], window: tuple[float, float], tally: Tally
) -> None:
    async with connect(ws_url, compression=None, proxy=None, max_size=2**24) as ws:
        await ws.recv()  # hello
        await ws.send(json.dumps({"type": "stream", **settings}))
        await ws.send(json.dumps({"type": "play"}))
        while time.monotonic() < window[1]:
            message = await asyncio.wait_for(ws.recv(), timeout=10)
            if isinstance(message, bytes):
                continue
            header = json.loads(message)
            if header["type"] != "frame":
                continue
            payload = await ws.recv()
            arrived = time.monotonic()
            if window[0] <= arrived < window[1]:
                tally.frames += 1
                tally.header_bytes += len(message)
                tally.grid_bytes += len(payload)
                tally.seqs.append(header["seq"])
        await ws.send(json.dumps({"type": "pause"}))


async def probe_health(base_url: str, until: float) -> list[float]:
    """How long the server takes to answer a trivial request while the streams run."""
    latencies: list[float] = []

    def get_health() -> float:
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base_url}/api/health", timeout=10) as response:
            response.read()
        return time.perf_counter() - started

    while time.monotonic() < until:
        latencies.append(await asyncio.to_thread(get_health))
        await asyncio.sleep(HEALTH_PROBE_SECONDS)
    return latencies


async def scenario(
    base_url: str, pid: int, sessions: int, settings: dict[str, int], seconds: float
) -> list[Tally]:
    ids = [create_session(base_url) for _ in range(sessions)]
    ws_base = base_url.replace("http://", "ws://")
    start = time.monotonic() + WARMUP_SECONDS
    window = (start, start + seconds)
    tallies = [Tally() for _ in ids]
    tasks = [
        asyncio.create_task(watch(f"{ws_base}/api/sessions/{sid}/stream", settings, window, t))
        for sid, t in zip(ids, tallies, strict=True)
    ]
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    cpu_before, client_before = cpu_seconds(pid), process_cpu_seconds()
    pressure_before = cpu_pressure_seconds()
    latencies = await probe_health(base_url, window[1])
    cpu_used = cpu_seconds(pid) - cpu_before
    client_used = process_cpu_seconds() - client_before
    pressure = (cpu_pressure_seconds() - pressure_before) / seconds
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    report(sessions, settings, seconds, tallies, cpu_used)
    print(f"  client CPU (this process): {100 * client_used / seconds:.0f} % of one core")
    print(f"  machine CPU pressure: {100 * pressure:.0f} % of the time a task waited for a core "
          f"(high values mean other load skews these figures)")  # fmt: skip
    latencies.sort()
    median, worst = latencies[len(latencies) // 2], latencies[-1]
    print(f"  GET /api/health meanwhile: median {1000 * median:.1f} ms, "
          f"p99 {1000 * latencies[int(0.99 * (len(latencies) - 1))]:.1f} ms, "
          f"max {1000 * worst:.1f} ms ({len(latencies)} requests)")  # fmt: skip
    return tallies


async def stalled_client(base_url: str, pid: int, settings: dict[str, int]) -> None:
    """(c) A client that stops reading: the server must stop producing, not queue frames."""
    session_id = create_session(base_url)
    url = f"{base_url.replace('http://', 'ws://')}/api/sessions/{session_id}/stream"
    async with connect(url, compression=None, proxy=None, max_size=2**24) as ws:
        await ws.recv()  # hello
        await ws.send(json.dumps({"type": "stream", **settings}))
        await ws.send(json.dumps({"type": "play"}))
        cpu_start, reading_until = cpu_seconds(pid), time.monotonic() + STALL_SECONDS / 2
        while time.monotonic() < reading_until:
            await ws.recv()
        reading_cpu = (cpu_seconds(pid) - cpu_start) / (STALL_SECONDS / 2)
        rss_before = resident_megabytes(pid)
        # Stop reading. Once the socket buffers on the way are full, sends block and the
        # server stops training and rendering for this client.
        await asyncio.sleep(STALL_SECONDS / 2)
        cpu_start = cpu_seconds(pid)
        await asyncio.sleep(STALL_SECONDS / 2)
        stalled_cpu = (cpu_seconds(pid) - cpu_start) / (STALL_SECONDS / 2)
        rss_after = resident_megabytes(pid)
        buffered = 0
        while True:  # drain what was in transit: it arrives back to back
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=0.5 / settings["fps"])
            except TimeoutError:
                break
            buffered += isinstance(message, bytes)
        await ws.send(json.dumps({"type": "pause"}))
    stalled_frames = STALL_SECONDS * settings["fps"]
    print(
        f"\n1 session at fps {settings['fps']}, {settings['resolution']}² grid, whose client "
        f"stops reading for {STALL_SECONDS:.0f} s"
    )
    print(f"  server CPU: {100 * reading_cpu:.1f} % of a core while read, "
          f"{100 * stalled_cpu:.1f} % in the second half of the stall")  # fmt: skip
    print(f"  frames in transit when reading resumed: {buffered} (the stall spans "
          f"{stalled_frames:.0f} frame intervals); server RSS {rss_before:.1f} -> "
          f"{rss_after:.1f} MB")  # fmt: skip


def report(
    sessions: int, settings: dict[str, int], seconds: float, tallies: list[Tally], cpu: float
) -> None:
    rates = sorted(t.frames / seconds for t in tallies)
    frames = sum(t.frames for t in tallies) or 1
    fps = settings["fps"]
    side = settings["resolution"]
    print(f"\n{sessions} session(s) at fps {fps}, speed {settings['speed']}, "
          f"{side}x{side} grid, {seconds:.0f} s measured")  # fmt: skip
    print(f"  frames/s per session: min {rates[0]:.1f}  mean {sum(rates) / len(rates):.1f}  "
          f"max {rates[-1]:.1f}  (slowest = {100 * rates[0] / fps:.0f} % of {fps})")  # fmt: skip
    header = sum(t.header_bytes for t in tallies) / frames
    grids = sum(t.grid_bytes for t in tallies) / frames
    print(f"  bytes per frame: {header + grids:.0f} ({header:.0f} JSON header + {grids:.0f} grids)")
    print(f"  server CPU: {1000 * cpu / frames:.3f} ms per frame, "
          f"{100 * cpu / seconds:.0f} % of one core")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per scenario")
    parser.add_argument("--sessions", type=int, default=20, help="sessions in scenario (b)")
    parser.add_argument("--scenarios", default="abcd", help="which of a, b, c, d to run")
    args = parser.parse_args()
    with ServerProcess() as running:
        assert running.process is not None
        server, base_url = running.process, running.base_url
        print(f"server pid {server.pid} on {base_url}, {os.cpu_count()} cores")
        one = {"fps": 60, "speed": 10, "resolution": 100, "thumbnail_resolution": 24}
        many = {"fps": 30, "speed": 10, "resolution": 100, "thumbnail_resolution": 24}
        if "a" in args.scenarios:
            asyncio.run(scenario(base_url, server.pid, 1, one, args.seconds))
        if "b" in args.scenarios:
            asyncio.run(scenario(base_url, server.pid, args.sessions, many, args.seconds))
        if "c" in args.scenarios:
            # Big frames fill the socket buffers on the way (a few MB on loopback) quickly.
            asyncio.run(stalled_client(base_url, server.pid, {**one, "resolution": 256}))
        if "d" in args.scenarios:
            run_fairness(base_url, min(args.seconds, 5.0))


if __name__ == "__main__":
    main()
