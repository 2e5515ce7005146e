"""REST operations in an engine worker: the time bound, cancelling, errors answered.

With ``slice_seconds`` too short for any update every slice trains exactly one, and with
``max_call_seconds`` as short, a call is over its time after its first slice: what a call
trains before its bound is then the same on every machine.
"""

from __future__ import annotations

from typing import Any

import pytest
from workers.front import Front, with_worker

from app.config import Settings
from app.services.errors import SessionNotFound
from app.services.snapshots import restore_session

NO_TIME = 1e-6  # seconds: shorter than any update


def test_a_call_over_its_time_answers_after_its_first_slice_what_it_trained() -> None:
    async def scenario(front: Front) -> list[dict[str, Any]]:
        session = await front.new_session()
        by_iteration = await front.call("train", session_id=session.id, epochs=None,
                                        iterations=50)  # fmt: skip
        by_epoch = await front.call("train", session_id=session.id, epochs=3, iterations=None)
        single = await front.call("train", session_id=session.id, epochs=None, iterations=1)
        return [by_iteration, by_epoch, single]

    settings = Settings(slice_seconds=NO_TIME, max_call_seconds=NO_TIME)
    by_iteration, by_epoch, single = with_worker(settings, scenario)
    assert by_iteration["truncated"] is True and by_epoch["truncated"] is True
    assert by_iteration["trained"] == by_epoch["trained"] == {"epochs": 0, "iterations": 1}
    # One update is all a call of one asks for: done, however late.
    assert single["truncated"] is False and single["trained"] == {"epochs": 0, "iterations": 1}
    assert single["state"]["iteration"] == 3


def test_a_cancelled_call_stops_sends_no_answer_and_leaves_its_snapshot() -> None:
    async def scenario(front: Front) -> dict[str, Any]:
        session = await front.new_session()
        request = front.start_call("train", session_id=session.id, epochs=None,
                                   iterations=100_000)  # fmt: skip
        await front.wait_for(lambda: session.trainer.iteration >= 10, "the call to train")
        front.send(("cancel", request))
        await front.wait_for(lambda: session.busy == 0, "the call to stop")
        stopped_at = session.trainer.iteration
        for _ in range(50):
            await front.worker.turn()
        blob = front.worker.store.get(session.id)
        assert blob is not None
        stored = restore_session(blob, front.settings, front.worker.lessons)
        return {
            "answer": front.reply(request),
            "trained_after": session.trainer.iteration - stopped_at,
            "short_of_its_work": stopped_at < 100_000,
            "stored": stored.trainer.iteration == stopped_at and not session.changed,
            "calls": front.worker.calls,
        }

    seen = with_worker(Settings(slice_seconds=NO_TIME), scenario)
    assert seen == {"answer": None, "trained_after": 0, "short_of_its_work": True,
                    "stored": True, "calls": {}}  # fmt: skip


def test_bad_calls_are_answered_with_their_error_and_the_worker_serves_on() -> None:
    async def scenario(front: Front) -> tuple[list[BaseException], dict[str, Any]]:
        session = await front.new_session()
        errors: list[BaseException] = []
        for op, args in [
            ("train", {"session_id": session.id, "epochs": 100_000, "iterations": None}),
            ("train", {"session_id": "no-such-session", "epochs": 1, "iterations": None}),
            ("patch", {"session_id": session.id, "changes": {"learning_rate": -1}}),
        ]:
            with pytest.raises(Exception) as raised:
                await front.call(op, **args)
            errors.append(raised.value)
        return errors, await front.call("get", session_id=session.id)

    errors, after = with_worker(Settings(), scenario)
    too_much, unknown, invalid = errors
    assert isinstance(too_much, ValueError) and str(too_much).startswith("epochs: expected")
    assert isinstance(unknown, SessionNotFound)
    assert isinstance(invalid, ValueError) and str(invalid).startswith("learning_rate:")
    assert after["state"]["iteration"] == 0 and after["config"]["learning_rate"] == 0.03
