"""Sessions take turns in their engine worker: a long job never holds up another's work.

In a worker run in this process, every slice a job trains is recorded as it runs; end to
end, a long REST call and another session's stream share the one engine worker. What is
checked is the order of events, never how many of them fit in some time.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stream_helpers import connect, new_session, receive, request_frame
from workers.front import PATIENCE, Front, with_worker

from app.config import Settings
from app.main import create_app
from app.services.session import Session

# 100 epochs of 1000 updates of the largest network at batch size 1: far more than a
# call may train in max_call_seconds, on any machine.
LONG = {"n_samples": 2000, "train_ratio": 0.5, "hidden_layers": [32] * 8, "batch_size": 1}
LONG_CALL = {"epochs": 100}
PLAYING = {"type": "stream", "fps": 60, "speed": 1, "resolution": 10}


def one_update_slices() -> Settings:
    """Slices too short for any update: each trains exactly one, on any machine."""
    return Settings(slice_seconds=1e-6, max_call_seconds=3600)


def record_slices(
    monkeypatch: pytest.MonkeyPatch, session: Session, events: list[str], name: str
) -> None:
    """Append ``name`` to ``events`` whenever the session's trainer trains."""
    train_iterations = session.trainer.train_iterations

    def recorded(count: int) -> None:
        events.append(name)
        train_iterations(count)

    monkeypatch.setattr(session.trainer, "train_iterations", recorded)


async def other_jobs_turns(front: Front, turns: int = 50) -> None:
    """Let every other job of the worker run a few slices."""
    for _ in range(turns):
        await front.worker.turn()


def test_two_long_calls_on_one_worker_train_slice_by_slice_in_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario(front: Front) -> tuple[list[str], list[Any]]:
        ran: list[str] = []
        for name in ("first", "second"):
            record_slices(monkeypatch, await front.new_session(), ran, name)
        calls = [
            front.start_call("train", session_id=session_id, epochs=None, iterations=200)
            for session_id in front.worker.sessions
        ]
        return ran, [await front.answer(call) for call in calls]

    ran, answers = with_worker(one_update_slices(), scenario)
    assert [answer["trained"]["iterations"] for answer in answers] == [200, 200]
    assert not any(answer["truncated"] for answer in answers)
    # While both ran, neither had two slices in a row: each waited for the other's one.
    both_running = ran[: min(len(ran) - ran[::-1].index(name) for name in ("first", "second"))]
    assert len(both_running) >= 200
    assert all(ours != theirs for ours, theirs in itertools.pairwise(both_running))


def test_a_stream_plays_between_the_slices_of_a_long_call_that_stops_when_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario(front: Front) -> dict[str, Any]:
        events: list[str] = []
        long, light = await front.new_session(), await front.new_session(dataset="xor")
        record_slices(monkeypatch, long, events, "call")
        record_slices(monkeypatch, light, events, "frame")
        request = front.start_call("train", session_id=long.id, epochs=None, iterations=100_000)
        await front.wait_for(lambda: "call" in events, "the call to start training")
        key = front.new_stream(light.id)
        assert (await front.receive_json(key))["type"] == "hello"
        front.tell(key, PLAYING)
        front.tell(key, {"type": "play"})
        headers = [await front.receive_frame(key) for _ in range(4)]
        answered_during_play = front.reply(request)
        front.tell(key, {"type": "pause"})
        front.send(("cancel", request))  # as when the call's client leaves
        await front.wait_for(lambda: long.busy == 0, "the cancelled call to stop")
        stopped_at = long.trainer.iteration
        await other_jobs_turns(front)
        return {
            "events": events,
            "playing": [header["playing"] for header in headers],
            "answered_during_play": answered_during_play,
            "answered": front.reply(request),
            "trained_after_stop": long.trainer.iteration - stopped_at,
            "short_of_its_work": long.trainer.iteration < 100_000,
        }

    seen = with_worker(one_update_slices(), scenario)
    events = seen["events"]
    frames = [index for index, event in enumerate(events) if event == "frame"][:4]
    assert seen["playing"] == [True] * 4 and len(frames) == 4  # the frames received
    # The call was under way before the stream's playing frames, had a slice between each
    # two of them, and had not answered once they were sent ...
    assert events[0] == "call" and seen["answered_during_play"] is None
    assert all("call" in events[one:next_one] for one, next_one in itertools.pairwise(frames))
    # ... and, cancelled, it stopped at once, short of its work, with no answer sent.
    assert seen["short_of_its_work"] and seen["trained_after_stop"] == 0
    assert seen["answered"] is None


def test_a_long_rest_call_does_not_hold_up_a_stream_of_another_session() -> None:
    # One engine worker owns both sessions; the call would train for far longer than
    # max_call_seconds, so it answers at that bound: the stream's frames must come first.
    settings = Settings.model_validate({"workers": 1, "max_call_seconds": 5.0, "max_fps": 60})
    events: list[str] = []
    with TestClient(create_app(settings)) as client:
        long_id, light_id = new_session(client, **LONG), new_session(client, dataset="xor")
        answers: list[Any] = []

        def long_call() -> None:
            answers.append(client.post(f"/api/sessions/{long_id}/train", json=LONG_CALL))
            events.append("call answered")

        thread = threading.Thread(target=long_call)
        thread.start()
        deadline = time.monotonic() + PATIENCE
        while client.get(f"/api/sessions/{long_id}").json()["state"]["iteration"] == 0:
            assert time.monotonic() < deadline, "the long call never started training"
            time.sleep(0.01)
        events.append("call under way")
        with connect(client, light_id) as ws:
            assert receive(ws)["type"] == "hello"
            seqs = [request_frame(ws)[0]["seq"] for _ in range(3)]
            events.append("frames")
        thread.join(PATIENCE)
    assert events == ["call under way", "frames", "call answered"] and seqs == [0, 1, 2]
    body = answers[0].json()
    assert answers[0].status_code == 200 and body["truncated"] is True
