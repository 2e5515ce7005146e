"""How fast the page paints stream frames, in headless Chromium against a real server.

    .venv/bin/python bench/bench_page.py              # both networks, 5 s each
    .venv/bin/python bench/bench_page.py --seconds 10

For the page's default network (circles, 2 features, hidden 4-2) and a big one (spiral, all 7
features, hidden 8×6), playing at the page's default pace (one epoch per frame): epochs
trained per second (the server's counter, read over REST), frames received and painted per
second, the
JavaScript time per painted frame (`nnPlayground.stats`, split into text, main plot, network
diagram and charts; charts drawn by the page's playing-rate timer are counted too), and the
browser's own time per painted frame from the DevTools Performance domain (script, style
recalculation, layout, and everything the renderer's main thread did). On Linux also the CPU
time per painted frame of the threads that make a frame (from /proc: the renderer's main thread,
its workers and compositor thread, the display compositor, the server and its worker processes),
which a busy machine inflates far less than wall-clock times or frame rates (the load average
is printed beside them). Software rendering (--disable-gpu) at 1280×1000, as on a machine
without a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import CDPSession, Page, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "tests"))
from server_process import ServerProcess  # noqa: E402  (the tests' server start-up, shared)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 1000}
LOAD_SECONDS = 2.5
WARMUP_SECONDS = 1.0
ALL_FEATURES = "x1,x2,x1_sq,x2_sq,x1_x2,sin_x1,sin_x2"
SCENARIOS = {
    "default net (circles, 4-2), default pace": "?dataset=circles",
    "spiral 8×6, all features, default pace": (
        f"?dataset=spiral&hidden_layers=8,8,8,8,8,8&features={ALL_FEATURES}"
    ),
}
BROWSER_METRICS = ("ScriptDuration", "RecalcStyleDuration", "LayoutDuration", "TaskDuration")
# Threads whose CPU time is shown: (process type, thread name) → label. A process's main
# thread carries the program's name; "server" is every thread of the server process.
CPU_THREADS = {
    ("renderer", "chromium"): "renderer main",
    ("renderer", "DedicatedWorker"): "workers",
    ("renderer", "Compositor"): "compositor",
    ("gpu-process", "VizCompositorTh"): "display compositor",
}
PROC = Path("/proc")


def process_types(server_pid: int) -> dict[int, str]:
    """Our Chromium's processes (descendants of this one) by type, and the server's (with its
    descendants: the engine's worker processes)."""
    parents: dict[int, int] = {}
    types: dict[int, str] = {server_pid: "server"}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue  # gone meanwhile
        if "chromium" in command and "--top-chrome-webui" not in command:
            found = re.search(r"--type=(\S+)", command)
            types.setdefault(int(stat.parent.name), found.group(1) if found else "browser")
    ours = {}
    for pid in parents.keys() | types.keys():
        ancestor = pid
        while ancestor > 1 and ancestor not in (os.getpid(), server_pid):
            ancestor = parents.get(ancestor, 0)
        if pid == server_pid or ancestor == server_pid:
            ours[pid] = "server"
        elif ancestor == os.getpid() and pid in types:
            ours[pid] = types[pid]
    return ours


def cpu_seconds(processes: dict[int, str]) -> dict[str, float]:
    """CPU time (user + system) so far of the threads in CPU_THREADS, and the server's."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for pid, kind in processes.items():
        for task in (PROC / str(pid) / "task").glob("*"):
            try:
                name = (task / "comm").read_text().strip()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            label = "server" if kind == "server" else CPU_THREADS.get((kind, name))
            if label:
                totals[label] = totals.get(label, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return totals


def snapshot(page: Page, cdp: CDPSession) -> tuple[dict[str, Any], dict[str, float], float]:
    stats = page.evaluate("JSON.parse(JSON.stringify(nnPlayground.stats))")
    metrics = {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}
    return stats, metrics, time.monotonic()


def epoch(base_url: str, session_id: str) -> int:
    with urllib.request.urlopen(f"{base_url}/api/sessions/{session_id}") as response:
        return int(json.load(response)["state"]["epoch"])


def measure(
    page: Page, cdp: CDPSession, base_url: str, query: str, seconds: float, server_pid: int
) -> None:
    page.goto(f"{base_url}/{query}")
    page.wait_for_timeout(LOAD_SECONDS * 1000)
    session_id = page.get_attribute("#session-link", "data-session-id") or ""
    page.keyboard.press("Space")  # play
    page.wait_for_timeout(WARMUP_SECONDS * 1000)
    epoch0 = epoch(base_url, session_id)
    processes = process_types(server_pid) if PROC.is_dir() else {}
    cpu0 = cpu_seconds(processes)
    stats0, metrics0, t0 = snapshot(page, cdp)
    page.wait_for_timeout(seconds * 1000)
    stats1, metrics1, t1 = snapshot(page, cdp)
    cpu1 = cpu_seconds(processes)
    epoch1 = epoch(base_url, session_id)
    page.keyboard.press("Space")  # pause
    elapsed = t1 - t0
    # Frame rates drop when other work shares the CPU; the CPU times per frame much less.
    load = f"  (load average {os.getloadavg()[0]:.2f})" if hasattr(os, "getloadavg") else ""
    print(f"  trained {(epoch1 - epoch0) / elapsed:5.1f} epochs/s{load}")
    painted = stats1["framesPainted"] - stats0["framesPainted"]
    per_frame = max(painted, 1)
    received = stats1["framesReceived"] - stats0["framesReceived"]
    paint_ms = (stats1["paintMs"] - stats0["paintMs"]) / per_frame
    print(
        f"  received {received / elapsed:5.1f}/s  painted {painted / elapsed:5.1f}/s"
        f"  paint {paint_ms:.2f} ms/frame (JS)"
    )
    parts0 = stats0.get("partMs", {})
    parts1 = stats1.get("partMs", {})
    if parts1:
        split = "  ".join(f"{k} {(parts1[k] - parts0.get(k, 0)) / per_frame:.2f}" for k in parts1)
        print(f"  JS split, ms/frame: {split}")
    browser = "  ".join(
        f"{name.removesuffix('Duration')} {(metrics1[name] - metrics0[name]) * 1e3 / per_frame:.2f}"
        for name in BROWSER_METRICS
    )
    print(f"  browser main thread, ms/frame: {browser}")
    if cpu1:
        labels = [*CPU_THREADS.values(), "server"]
        cpu = "  ".join(
            f"{k} {(cpu1.get(k, 0) - cpu0.get(k, 0)) * 1e3 / per_frame:.2f}" for k in labels
        )
        print(f"  CPU, ms/frame: {cpu}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time per network")
    args = parser.parse_args()
    with ServerProcess() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            for name, query in SCENARIOS.items():
                print(name)
                assert server.process is not None
                measure(page, cdp, server.base_url, query, args.seconds, server.process.pid)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
