"""Frames made together: a worker evaluates the metrics and draws the grids of every frame due
in the same turn of its loop in stacked passes, and each frame still says exactly what its
session alone would.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from workers.front import Front, with_worker

from app.config import Settings
from app.engine import Trainer
from app.services.frames import encode_frame
from app.services.session import Session
from app.workers import wire
from app.workers import worker as worker_module

SESSIONS = 6
FRAMES = 4  # per stream
CONFIG = {"dataset": "spiral", "hidden_layers": [8, 8]}
GRIDS = {"resolution": 100, "thumbnail_resolution": 24}


def test_frames_due_together_share_one_evaluation_and_each_is_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches: list[int] = []
    prepare = worker_module.prepare_frames

    def counted(requests: list[tuple[Trainer, int, int]]) -> None:
        batches.append(len(requests))
        prepare(requests)

    monkeypatch.setattr(worker_module, "prepare_frames", counted)

    async def scenario(front: Front) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        sessions = [await front.new_session(**CONFIG, seed=seed) for seed in range(SESSIONS)]
        keys = [front.new_stream(session.id) for session in sessions]
        for key in keys:
            await front.receive_json(key)  # hello
        # Every play reaches the worker in one read: all first frames are due in one turn.
        messages = ({"type": "stream", "speed": 1, **GRIDS}, {"type": "play"})
        front.incoming.feed_data(
            b"".join(
                wire.encode(("in", key, json.dumps(message)))
                for key in keys
                for message in messages
            )
        )
        frames = [[await frame_and_grids(front, key) for _ in range(FRAMES)] for key in keys]
        for key in keys:
            front.tell(key, {"type": "pause"})
        return [(session.config(), made) for session, made in zip(sessions, frames, strict=True)]

    results = with_worker(Settings(), scenario)
    assert max(batches) > 1, batches  # the first frames were evaluated together
    for config, frames in results:
        for frame, grids in frames:
            twin = Session.create(config, Settings()).trainer  # the same run, alone
            twin.train_iterations(frame["state"]["iteration"])
            metrics = {name: frame["state"][name] for name in twin.metrics()}
            assert metrics == twin.metrics()  # exactly: floats survive JSON unchanged
            alone = encode_frame(twin, seq=0, playing=True, **GRIDS)
            assert grids == alone.payload  # every grid's bytes


async def frame_and_grids(front: Front, key: int) -> tuple[dict[str, Any], bytes]:
    header = await front.receive_frame(key)
    at = front.read_upto[key]
    grids = front.sent(key)[at - 1]  # the binary message receive_frame passed over
    assert isinstance(grids, bytes)
    return header, grids
