"""A session as bytes and back: what the store on disk keeps, so a session outlives its process.

A snapshot holds everything training needs to go on bit for bit: the trainer's whole state
(``Trainer.export_state``: config with any custom points, weights, optimizer slots, counters,
the epoch's sample order, rng, status, stability watch, gradient norms), the session's ``id``,
``run`` and ``lesson_version``, its lesson progress (the lesson's id, the steps passed and
the open stretches) and its challenge (the challenge itself and the best reach), with the run
whose weights were edited. The layout is one JSON document, compressed with zlib::

    {"format": "nn-playground/session", "version": 1, "id": str, "run": int,
     "lesson_version": int, "trainer": {export_state},
     "lesson": null | {"id": str, "passed": [step ids],
                       "stretches": [{"condition": i, "check": h, "run", "epoch",
                                      "iteration", "metrics": {...}}]},
     "challenge": null | {"challenge": {parse_challenge's document},
                          "best": null | {"epoch", "iteration", "hidden_neurons", "at",
                                          "metrics"}},
     "edited_run": null | int,
     "class_rules": {"paused": bool, "locked": [control, ...]}}

``challenge`` and ``edited_run`` may be missing (snapshots written before challenges): null;
``class_rules`` too (written before rooms could pause and lock): none.

JSON because reading it back runs no code (unlike pickle) and Python writes every float as
the shortest text that parses back to the same bits. A stretch is keyed by a ``Check`` object,
so it is stored by the condition's index ``i`` in ``LessonProgress.stretches.conditions``,
with ``h`` a hash of the condition, so that a lesson file edited since the snapshot drops the
stretches it no longer has instead of pinning them on other conditions. A lesson that no
longer exists is dropped (``lesson_version`` grows, so a stream tells its page).

Take a snapshot from the session's owner, between two pieces of work: nothing here locks.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Any

from app.challenges import ChallengeProgress
from app.config import Settings
from app.engine import Trainer
from app.lessons import Catalog, LessonProgress
from app.lessons.checks import Check, Stretch
from app.services.class_rules import ClassRules
from app.services.configs import engine_limits
from app.services.session import Session

FORMAT = "nn-playground/session"
VERSION = 1
# zlib level 1: on the largest default network a tenth larger than level 6, 7 times faster
COMPRESSION_LEVEL = 1
METRIC_NAMES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


class SnapshotError(ValueError):
    """A snapshot that cannot be read back into a session; the message says what is wrong."""


def snapshot_session(session: Session) -> bytes:
    """The session as compressed JSON bytes (the layout in the module docstring)."""
    progress = session.lesson
    document = {
        "format": FORMAT,
        "version": VERSION,
        "id": session.id,
        "run": session.run,
        "lesson_version": session.lesson_version,
        "trainer": session.trainer.export_state(),
        "lesson": None if progress is None else _progress_document(progress),
        "challenge": None if session.challenge is None else session.challenge.to_document(),
        "edited_run": session.edited_run,
        "class_rules": session.class_rules.as_document(),
    }
    # allow_nan=False: the engine keeps every number finite, and other readers need strict JSON
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    return zlib.compress(text.encode("utf-8"), COMPRESSION_LEVEL)


def restore_session(blob: bytes, settings: Settings, lessons: Catalog) -> Session:
    """The session a snapshot holds, its trainer checked against ``settings``' limits.

    Raises ``SnapshotError`` for bytes that are no snapshot of this format and version, and
    for a trainer state the engine refuses (the limits may have been lowered since).
    """
    document = _document(blob)
    session_id = document.get("id")
    if not isinstance(session_id, str) or not session_id:
        raise _fail("id", "a non-empty string", session_id)
    run, lesson_version = _count(document, "run"), _count(document, "lesson_version")
    state = document.get("trainer")
    if not isinstance(state, dict):
        raise _fail("trainer", "a dict", type(state).__name__)
    try:
        trainer = Trainer.from_state(state, limits=engine_limits(settings))
    except (ValueError, TypeError, KeyError, IndexError) as error:
        message = f"snapshot.trainer: expected a state the engine loads, got {error}"
        raise SnapshotError(message) from error
    session = Session(trainer, settings, session_id=session_id)
    session.run, session.lesson_version = run, lesson_version
    saved = document.get("lesson")
    if saved is not None:
        session.lesson = _restore_progress(saved, lessons)
        if session.lesson is None:
            session.lesson_version += 1
    _restore_room_parts(session, document)
    return session


def _restore_room_parts(session: Session, document: dict[str, Any]) -> None:
    """The challenge and the class rules a room gave the session, and the edited run."""
    edited = document.get("edited_run")
    if edited is not None:
        session.edited_run = _count(document, "edited_run")
    saved, rules = document.get("challenge"), document.get("class_rules")
    try:
        if saved is not None:
            session.challenge = ChallengeProgress.from_document(saved)
        if rules is not None:
            session.class_rules = ClassRules.from_document(rules)
    except ValueError as error:
        raise SnapshotError(f"snapshot.{error}") from error
    session.observe_challenge()  # breaches and target as the run is now


# ---------------------------------------------------------------------------- lesson progress
def _progress_document(progress: LessonProgress) -> dict[str, Any]:
    conditions = progress.stretches.conditions
    stretches = [
        {
            "condition": index,
            "check": _fingerprint(condition),
            "run": stretch.run,
            "epoch": stretch.epoch,
            "iteration": stretch.iteration,
            "metrics": dict(stretch.metrics),
        }
        for index, condition in enumerate(conditions)
        if (stretch := progress.stretches.get(condition)) is not None
    ]
    return {"id": progress.lesson.id, "passed": sorted(progress.passed), "stretches": stretches}


def _restore_progress(saved: Any, lessons: Catalog) -> LessonProgress | None:
    """The progress through the saved lesson; None if the catalog no longer has it."""
    if not isinstance(saved, dict):
        raise _fail("lesson", "null or a dict", type(saved).__name__)
    lesson_id = saved.get("id")
    lesson = lessons.get(lesson_id) if isinstance(lesson_id, str) else None
    if lesson is None:
        return None
    progress = LessonProgress(lesson)
    passed = saved.get("passed")
    if not isinstance(passed, list):
        raise _fail("lesson.passed", "a list of step ids", type(passed).__name__)
    progress.passed = set(lesson.step_ids()) & set(passed)  # steps since removed are dropped
    stretches = saved.get("stretches")
    if not isinstance(stretches, list):
        raise _fail("lesson.stretches", "a list", type(stretches).__name__)
    conditions = progress.stretches.conditions
    for position, values in enumerate(stretches):
        where = f"lesson.stretches[{position}]"
        if not isinstance(values, dict):
            raise _fail(where, "a dict", type(values).__name__)
        index = _count(values, "condition", where)
        if index < len(conditions) and values.get("check") == _fingerprint(conditions[index]):
            progress.stretches.open[conditions[index]] = _stretch(values, where)
    return progress


def _stretch(values: dict[str, Any], where: str) -> Stretch:
    metrics = values.get("metrics")
    if not isinstance(metrics, dict) or not all(
        name in METRIC_NAMES and (value is None or isinstance(value, int | float))
        for name, value in metrics.items()
    ):
        raise _fail(f"{where}.metrics", f"a dict of {', '.join(METRIC_NAMES)}", metrics)
    return Stretch(
        run=_count(values, "run", where),
        epoch=_count(values, "epoch", where),
        iteration=_count(values, "iteration", where),
        metrics={name: None if value is None else float(value) for name, value in metrics.items()},
    )


def _fingerprint(condition: Check) -> str:
    """A short hash of a parsed condition; its repr is plain data (frozen dataclasses)."""
    return hashlib.blake2b(repr(condition).encode("utf-8"), digest_size=8).hexdigest()


# ---------------------------------------------------------------------------- reading
def _document(blob: bytes) -> dict[str, Any]:
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise _fail("", "bytes", type(blob).__name__)
    try:
        text = zlib.decompress(blob)
    except zlib.error as error:
        message = "snapshot: expected zlib-compressed JSON, got bytes that do not decompress"
        raise SnapshotError(f"{message} ({error})") from None
    try:
        document = json.loads(text)
    except ValueError as error:  # not UTF-8, or not JSON
        message = "snapshot: expected a JSON document, got text that does not parse"
        raise SnapshotError(f"{message} ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        got = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise _fail("format", repr(FORMAT), got)
    if document.get("version") != VERSION:
        raise _fail("version", str(VERSION), document.get("version"))
    return document


def _count(values: dict[str, Any], key: str, where: str = "") -> int:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(f"{where}.{key}" if where else key, "a non-negative integer", value)
    return value


def _fail(path: str, expected: str, got: object) -> SnapshotError:
    return SnapshotError(f"snapshot{'.' + path if path else ''}: expected {expected}, got {got!r}")
