"""The REST operations an engine worker runs: one coroutine per operation, in one table.

Each takes the worker and the call's arguments and returns plain data for the front to
send as it is; bad input raises ``ValueError("field: expected …")`` and an unknown session
``SessionNotFound``, which the front turns into the same 4xx answers as ever. An operation
that changes a session writes its snapshot before it answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any

from app.services.class_rules import ClassRules
from app.services.configs import default_config
from app.services.errors import NoLesson
from app.services.session import Session, lesson_config
from app.services.stateless import train_once_by_epoch
from app.services.sweeps import sweep_rates_by_epoch
from app.services.training import Trained

if TYPE_CHECKING:
    from app.workers.worker import Worker

Op = Callable[..., Coroutine[Any, Any, Any]]


def session_out(session: Session) -> dict[str, Any]:
    """``{"id", "config", "state", "lesson", "challenge"}``."""
    return {
        "id": session.id,
        "config": session.config(),
        "state": session.state(),
        "lesson": session.lesson_progress(),
        "challenge": session.challenge_progress(),
    }


async def create(
    worker: Worker, session_id: str, config: dict[str, Any], lesson: str | None
) -> dict[str, Any]:
    found = None if lesson is None else worker.lessons.lesson(lesson)
    session = Session.create(config, worker.settings, lesson=found, session_id=session_id)
    worker.add(session)
    return session_out(session)


async def get(worker: Worker, session_id: str) -> dict[str, Any]:
    return session_out(worker.session(session_id))


async def exists(worker: Worker, session_id: str) -> None:
    worker.session(session_id)


async def patch(
    worker: Worker, session_id: str, changes: dict[str, Any], by_teacher: bool = False
) -> dict[str, Any]:
    """A student's changes are held to their room's locks; a teacher's preset is not."""
    session = worker.session(session_id)
    challenge = changes.pop("challenge", ...)  # a room's challenge, set after the config
    try:
        if "lesson" in changes:
            lesson_id = changes.pop("lesson")
            lesson = None if lesson_id is None else worker.lessons.lesson(lesson_id)
            if not by_teacher:
                session.check_unlocked(changes, None if lesson is None else lesson_config(lesson))
            rebuilt = session.start_lesson(lesson, changes)
        else:
            if not by_teacher:
                session.check_unlocked(changes)
            rebuilt = session.update(changes)
        if challenge is not ...:
            session.set_challenge(challenge)
    finally:
        worker.remeasure(session)
        worker.changed(session)
    answer = {**session_out(session), "rebuilt": rebuilt}
    if by_teacher:  # the student's open pages switch to it (docs/protocol.md, "preset")
        for stream in list(worker.streams.values()):
            if stream.session_id == session_id:
                stream.tell({"type": "preset", **answer})
    return answer


async def delete(worker: Worker, session_id: str) -> None:
    worker.delete(session_id)


async def train(
    worker: Worker, session_id: str, epochs: int | None, iterations: int | None
) -> dict[str, Any]:
    """Train in slices, the other sessions' work running in between. Stops when the call's
    client has gone (the job is cancelled) or after ``max_call_seconds``: then the answer
    says ``truncated`` and what was trained."""
    session = worker.session(session_id)
    session.class_rules.check_not_paused()
    slices = session.train_slices(
        epochs=epochs, iterations=iterations, slice_seconds=worker.settings.slice_seconds
    )
    deadline = time.monotonic() + worker.settings.max_call_seconds
    done = Trained()
    session.busy += 1
    try:
        while True:
            started = time.perf_counter()
            progress = next(slices, None)
            worker.stats.time_step(time.perf_counter() - started)
            if progress is None:
                break
            done = progress
            if time.monotonic() >= deadline:
                break
            await worker.turn()
    finally:
        slices.close()
        session.busy -= 1
        worker.changed(session)
    finished = (
        session.trainer.status == "diverged"
        or (epochs is not None and done.epochs >= epochs)
        or (iterations is not None and done.iterations >= iterations)
    )
    trained = {"epochs": done.epochs, "iterations": done.iterations}
    return {**session_out(session), "truncated": not finished, "trained": trained}


async def reset(worker: Worker, session_id: str) -> dict[str, Any]:
    session = worker.session(session_id)
    session.reset()
    worker.changed(session)
    return session_out(session)


async def restart_lesson(worker: Worker, session_id: str) -> dict[str, Any]:
    session = worker.session(session_id)
    if session.lesson is None:
        raise NoLesson('the session follows no lesson; start one with PATCH {"lesson": id}')
    session.check_unlocked({}, lesson_config(session.lesson.lesson))  # back to its preset
    session.restart_lesson()
    worker.changed(session)
    return session_out(session)


async def set_class_rules(worker: Worker, session_id: str, rules: dict[str, Any]) -> dict[str, Any]:
    """The room's pause and locks for this session; paused, its open streams pause too
    (each as if its page had sent ``pause``, so each page is told in a frame)."""
    session = worker.session(session_id)
    session.class_rules = ClassRules.from_document(rules)
    worker.changed(session)
    if session.class_rules.paused:
        for stream in list(worker.streams.values()):
            if stream.session_id == session_id:
                stream.receive('{"type": "pause"}')
    return session.class_rules.as_document()


async def data(worker: Worker, session_id: str) -> dict[str, Any]:
    return worker.session(session_id).data()


async def boundary(worker: Worker, session_id: str, resolution: int) -> dict[str, Any]:
    return worker.session(session_id).boundary(resolution)


async def predict(worker: Worker, session_id: str, points: list[list[float]]) -> dict[str, Any]:
    return {"outputs": worker.session(session_id).predict(points)}


async def model(worker: Worker, session_id: str) -> dict[str, Any]:
    return worker.session(session_id).model()


async def load_model(worker: Worker, session_id: str, document: dict[str, Any]) -> dict[str, Any]:
    session = worker.session(session_id)
    config = document.get("config") if isinstance(document, dict) else None
    session.check_unlocked(config if isinstance(config, dict) else {}, default_config())
    rebuilt = session.load_model(document)
    worker.remeasure(session)
    worker.changed(session)
    return {**session_out(session), "rebuilt": rebuilt}


async def drive(worker: Worker, steps: Generator[None, None, dict[str, Any]]) -> dict[str, Any]:
    """Run work that pauses between pieces (epochs), the other sessions' work in between;
    cancelled at a pause when the call's client has gone."""
    try:
        while True:
            next(steps)
            await worker.turn()
    except StopIteration as finished:
        done: dict[str, Any] = finished.value
        return done


def call_deadline(worker: Worker) -> Callable[[], bool]:
    """True once the call has run for ``max_call_seconds``."""
    deadline = time.monotonic() + worker.settings.max_call_seconds
    return lambda: time.monotonic() >= deadline


async def train_once(worker: Worker, config: dict[str, Any], epochs: int) -> dict[str, Any]:
    """One-shot training, an epoch at a time, for at most ``max_call_seconds``."""
    steps = train_once_by_epoch(config, epochs, worker.settings, call_deadline(worker))
    return await drive(worker, steps)


async def sweep(
    worker: Worker, config: dict[str, Any], learning_rates: list[float], epochs: int
) -> dict[str, Any]:
    """A learning-rate sweep, an epoch of every rate at a time, for at most
    ``max_call_seconds``."""
    stop = call_deadline(worker)
    steps = sweep_rates_by_epoch(config, learning_rates, epochs, worker.settings, stop)
    return await drive(worker, steps)


OPS: dict[str, Op] = {
    "create": create,
    "get": get,
    "exists": exists,
    "patch": patch,
    "delete": delete,
    "train": train,
    "reset": reset,
    "restart_lesson": restart_lesson,
    "set_class_rules": set_class_rules,
    "data": data,
    "boundary": boundary,
    "predict": predict,
    "model": model,
    "load_model": load_model,
    "train_once": train_once,
    "sweep": sweep,
}
