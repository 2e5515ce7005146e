"""Scenario (c) of bench_stream.py: a stream whose client stops reading.

    .venv/bin/python bench/bench_stream.py --extras stalled      (starts its own server)

One session plays at 60 fps with a 256x256 grid, frames big enough to fill the socket
buffers on the way (a few MB on loopback) within a second. Its client reads for 3 s, then
reads nothing for 6 s: in the second half of the stall the server's CPU (its whole process
tree) should be about nothing, as it stops training and rendering for that client, and
what arrives once reading resumes is only what was in transit (latest wins: none may queue).
"""

from __future__ import annotations

import asyncio

from stream_load import ServerTree, open_stream, sample_tree

STALLED = {"fps": 60, "speed": 10, "resolution": 256, "thumbnail_resolution": 24}
STALL_SECONDS = 6.0


async def stalled_client(server: ServerTree, session_id: str) -> None:
    """Play ``session_id``, stop reading, read again; print what the server did meanwhile."""
    client = await open_stream(server.base_url, session_id)
    try:
        client.send({"type": "stream", **STALLED}, {"type": "play"})
        half = STALL_SECONDS / 2
        before = sample_tree(server.pid).cpu_seconds
        await asyncio.sleep(half)
        reading = (sample_tree(server.pid).cpu_seconds - before) / half
        rss_before = sample_tree(server.pid).resident_mb
        assert client.transport is not None
        # Once the socket buffers on the way are full, the server's sends block, and it
        # should stop training and rendering for this client.
        client.transport.pause_reading()
        await asyncio.sleep(half)
        before = sample_tree(server.pid).cpu_seconds
        await asyncio.sleep(half)
        stalled = (sample_tree(server.pid).cpu_seconds - before) / half
        rss_after = sample_tree(server.pid).resident_mb
        frames_before = client.frames
        client.transport.resume_reading()
        while True:  # what was in transit arrives back to back; then one per interval
            count = client.frames
            await asyncio.sleep(0.5 / STALLED["fps"])
            if client.frames == count:
                break
    finally:
        client.close()
    print(
        f"\n(c) 1 session at fps {STALLED['fps']}, {STALLED['resolution']}x"
        f"{STALLED['resolution']} grid, whose client stops reading for {STALL_SECONDS:.0f} s"
    )
    print(f"  server CPU: {100 * reading:.1f} % of a core while read, {100 * stalled:.1f} % "
          f"in the second half of the stall")  # fmt: skip
    print(f"  frames in transit when reading resumed: {client.frames - frames_before} (the "
          f"stall spans {STALL_SECONDS * STALLED['fps']:.0f} frame intervals); server RSS "
          f"{rss_before:.1f} -> {rss_after:.1f} MB")  # fmt: skip
