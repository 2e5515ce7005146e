"""Scenario (d) of bench_stream.py: one light session playing beside heavy neighbours.

    .venv/bin/python bench/bench_stream.py --scenarios d      (starts its own server)

The light session (the page's default network, 30 fps, 10 iterations per frame, 100×100
grid) plays alone, then again while
- a "hog" client sends epoch steps back to back on an 8×32 network at batch size 1 with
  2000 points (1000 updates per epoch), waiting for each step's frame before the next, and
- a REST client trains another such session one epoch per call, back to back, while a
  stream plays that same session (so its stream keeps finding the lock taken).
It prints the light session's frames/s in both runs, and what the neighbours got done.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any

from websockets.asyncio.client import connect

LIGHT = {"dataset": "circles", "hidden_layers": [4, 2], "seed": 1}
HEAVY = {"dataset": "spiral", "n_samples": 2000, "batch_size": 1, "hidden_layers": [32] * 8}
PLAYING = {"fps": 30, "speed": 10, "resolution": 100, "thumbnail_resolution": 24}
WARMUP_SECONDS = 1.0


def post(base_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base_url}{path}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def stream_url(base_url: str, session_id: str) -> str:
    return f"{base_url.replace('http://', 'ws://')}/api/sessions/{session_id}/stream"


async def play(url: str, until: float, window_start: float) -> int:
    """Play a session until ``until``; frames received after ``window_start``."""
    frames = 0
    async with connect(url, compression=None, proxy=None, max_size=2**24) as ws:
        await ws.recv()  # hello
        await ws.send(json.dumps({"type": "stream", **PLAYING}))
        await ws.send(json.dumps({"type": "play"}))
        while time.monotonic() < until:
            message = await asyncio.wait_for(ws.recv(), timeout=30)
            if isinstance(message, str) and json.loads(message)["type"] == "frame":
                frames += time.monotonic() >= window_start
        await ws.send(json.dumps({"type": "pause"}))
    return frames


async def hog(url: str, until: float) -> list[float]:
    """Epoch steps back to back; the seconds each took (step sent to frame received)."""
    took: list[float] = []
    async with connect(url, compression=None, proxy=None, max_size=2**24) as ws:
        await ws.recv()  # hello
        await ws.send(json.dumps({"type": "stream", "resolution": 100}))
        while time.monotonic() < until:
            started = time.monotonic()
            await ws.send(json.dumps({"type": "step", "unit": "epoch"}))
            while True:
                message = await asyncio.wait_for(ws.recv(), timeout=60)
                if isinstance(message, str) and json.loads(message)["type"] == "frame":
                    await ws.recv()  # its grids
                    break
            took.append(time.monotonic() - started)
    return took


async def rest_trainer(base_url: str, session_id: str, until: float) -> list[float]:
    """POST /train one epoch per call, back to back; the seconds each call took."""
    took: list[float] = []
    while time.monotonic() < until:
        started = time.monotonic()
        await asyncio.to_thread(post, base_url, f"/api/sessions/{session_id}/train",
                                {"epochs": 1})  # fmt: skip
        took.append(time.monotonic() - started)
    return took


async def light_alone(base_url: str, seconds: float) -> float:
    light = post(base_url, "/api/sessions", LIGHT)["id"]
    start = time.monotonic() + WARMUP_SECONDS
    return await play(stream_url(base_url, light), start + seconds, start) / seconds


async def contended(base_url: str, seconds: float) -> None:
    light, hogged, trained = (post(base_url, "/api/sessions", config)["id"]
                              for config in (LIGHT, HEAVY, HEAVY))  # fmt: skip
    start = time.monotonic() + WARMUP_SECONDS
    until = start + seconds
    light_frames, rest_frames, steps, calls = await asyncio.gather(
        play(stream_url(base_url, light), until, start),
        play(stream_url(base_url, trained), until, start),
        hog(stream_url(base_url, hogged), until),
        rest_trainer(base_url, trained, until),
    )
    print(f"  light session beside them: {light_frames / seconds:.1f} frames/s")
    print(f"  hog: {len(steps)} epoch steps in {seconds + WARMUP_SECONDS:.0f} s, "
          f"{1000 * sum(steps) / max(1, len(steps)):.0f} ms each on average")  # fmt: skip
    slowest = 1000 * max(calls, default=0.0)
    print(f"  REST: {len(calls)} one-epoch /train calls, the slowest {slowest:.0f} ms; "
          f"the stream on that session: {rest_frames / seconds:.1f} frames/s")  # fmt: skip


def run_fairness(base_url: str, seconds: float) -> None:
    print(f"\n(d) fairness: a light session at fps {PLAYING['fps']}, speed {PLAYING['speed']}, "
          f"100x100, {seconds:.0f} s measured per run")  # fmt: skip
    alone = asyncio.run(light_alone(base_url, seconds))
    print(f"  light session alone: {alone:.1f} frames/s")
    asyncio.run(contended(base_url, seconds))
