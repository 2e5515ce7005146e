"""Frames made together: a worker evaluates the metrics of every frame due in the same turn of
its loop in one stacked pass, and each frame still says exactly what its session alone would.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from workers.front import Front, with_worker

from app.config import Settings
from app.engine import Trainer
from app.services.session import Session
from app.workers import wire
from app.workers import worker as worker_module

SESSIONS = 6
FRAMES = 4  # per stream
CONFIG = {"dataset": "spiral", "hidden_layers": [8, 8]}


def test_frames_due_together_share_one_evaluation_and_each_is_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches: list[int] = []
    fill = worker_module.fill_metrics

    def counted(trainers: list[Trainer]) -> None:
        batches.append(len(trainers))
        fill(trainers)

    monkeypatch.setattr(worker_module, "fill_metrics", counted)

    async def scenario(front: Front) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        sessions = [await front.new_session(**CONFIG, seed=seed) for seed in range(SESSIONS)]
        keys = [front.new_stream(session.id) for session in sessions]
        for key in keys:
            await front.receive_json(key)  # hello
        # Every play reaches the worker in one read: all first frames are due in one turn.
        messages = ({"type": "stream", "speed": 1}, {"type": "play"})
        front.incoming.feed_data(
            b"".join(
                wire.encode(("in", key, json.dumps(message)))
                for key in keys
                for message in messages
            )
        )
        frames = [[await front.receive_frame(key) for _ in range(FRAMES)] for key in keys]
        for key in keys:
            front.tell(key, {"type": "pause"})
        return [(session.config(), made) for session, made in zip(sessions, frames, strict=True)]

    results = with_worker(Settings(), scenario)
    assert max(batches) > 1, batches  # the first frames were evaluated together
    for config, frames in results:
        for frame in frames:
            twin = Session.create(config, Settings()).trainer  # the same run, alone
            twin.train_iterations(frame["state"]["iteration"])
            metrics = {name: frame["state"][name] for name in twin.metrics()}
            assert metrics == twin.metrics()  # exactly: floats survive JSON unchanged
