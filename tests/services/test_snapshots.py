"""Snapshots: a session written to bytes and read back trains on exactly as if never stopped.

Each case trains a session some way, snapshots it, restores it and trains on; a second session
trains the same work straight through. Both must agree bit for bit: weights, biases, optimizer
slots, losses, rng, the whole trainer state, and the lesson's passed steps and stretches.
Sessions are driven through the attributes a session keeps (``trainer``, ``run``, ``lesson``,
``lesson_version``), as an owner that trains and then observes the lesson does.
"""

from __future__ import annotations

import json
import zlib
from importlib import resources
from typing import Any

import numpy as np
import pytest

from app.config import Settings
from app.engine import Trainer
from app.lessons import Catalog, LessonProgress, load_catalog, load_lesson, observe
from app.services.configs import default_config, dict_to_config, engine_limits, merge_config
from app.services.session import Session
from app.services.snapshots import SnapshotError, restore_session, snapshot_session

SETTINGS = Settings()
LESSONS = load_catalog()

POINTS_RNG = np.random.default_rng(7)
CUSTOM_X = POINTS_RNG.uniform(-5, 5, size=(40, 2))
CUSTOM = {
    "dataset": "custom",
    "points": {"x": CUSTOM_X.tolist(), "y": [int(a * b > 0) for a, b in CUSTOM_X]},
    "hidden_layers": [5, 3],
    "optimizer": "momentum",
}
CONFIGS: dict[str, dict[str, Any]] = {
    "sgd": {"dataset": "spiral", "hidden_layers": [8, 8]},
    "momentum": {"dataset": "xor", "optimizer": "momentum", "activation": "relu"},
    "adam": {"dataset": "spiral3", "optimizer": "adam", "learning_rate": 0.01, "batch_size": 7},
    "regularized": {"dataset": "moons", "regularization": "l1", "regularization_rate": 0.003},
    "custom": CUSTOM,
    # diverges within 5 epochs: its status and diverged_at go through the snapshot
    "diverged": {"dataset": "plane", "activation": "relu", "learning_rate": 10.0},
}


def new_session(config: dict[str, Any], lesson: str | None = None) -> Session:
    followed = None if lesson is None else LESSONS.lesson(lesson)
    preset = {} if followed is None else dict(followed.preset)
    complete = merge_config(merge_config(default_config(), preset), config)
    trainer = Trainer(dict_to_config(complete), limits=engine_limits(SETTINGS))
    session = Session(trainer, SETTINGS)
    if followed is not None:
        session.lesson = LessonProgress(followed)
        observe_lesson(session)
    return session


def observe_lesson(session: Session) -> None:
    if session.lesson is not None and session.lesson.observe(observe(session.trainer, session.run)):
        session.lesson_version += 1


def train(session: Session, *, epochs: int = 0, iterations: int = 0) -> None:
    session.trainer.train_epochs(epochs)
    session.trainer.train_iterations(iterations)
    observe_lesson(session)


def round_trip(session: Session, lessons: Catalog = LESSONS) -> Session:
    return restore_session(snapshot_session(session), SETTINGS, lessons)


def bits(arrays: list[np.ndarray]) -> list[bytes]:
    return [np.ascontiguousarray(array, dtype=np.float64).tobytes() for array in arrays]


def assert_same(resumed: Session, straight: Session) -> None:
    a, b = resumed.trainer, straight.trainer
    assert bits(a.weights()) == bits(b.weights())
    assert bits(a.biases()) == bits(b.biases())
    assert bits(a.stepper.slots) == bits(b.stepper.slots)
    assert a.metrics() == b.metrics()
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert a.export_state() == b.export_state()  # counters, order, watch, norms, status
    assert (resumed.run, resumed.lesson_version) == (straight.run, straight.lesson_version)
    if straight.lesson is None:
        assert resumed.lesson is None
    else:
        assert resumed.lesson is not None
        assert resumed.lesson.passed == straight.lesson.passed
        assert resumed.lesson.stretches.open == straight.lesson.stretches.open


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_ten_epochs_equal_five_snapshot_restore_five(name: str) -> None:
    straight = new_session(CONFIGS[name])
    train(straight, epochs=10)
    halfway = new_session(CONFIGS[name])
    train(halfway, epochs=5)
    resumed = round_trip(halfway)
    assert resumed.id == halfway.id
    train(resumed, epochs=5)
    assert_same(resumed, straight)
    if name == "diverged":
        assert halfway.trainer.status == resumed.trainer.status == "diverged"


def test_continuation_from_the_middle_of_an_epoch() -> None:
    straight = new_session(CONFIGS["adam"])
    train(straight, iterations=101)
    partial = new_session(CONFIGS["adam"])
    train(partial, iterations=37)
    assert partial.trainer.iteration % partial.trainer.iterations_per_epoch != 0
    resumed = round_trip(partial)
    train(resumed, iterations=64)
    assert_same(resumed, straight)


def lesson_run(session: Session, stop: int, restore: bool) -> Session:
    """learning_rate: too_big passed first, then too_small's 50 epochs at 1e-4, in 5-epoch
    frames; snapshot and restore after ``stop`` of those frames when ``restore``."""
    session.trainer.reconfigure(learning_rate=10.0)
    observe_lesson(session)
    train(session, epochs=12)
    session.trainer.reset()
    session.run += 1
    session.trainer.reconfigure(learning_rate=0.0001)
    observe_lesson(session)
    for frame in range(12):
        if restore and frame == stop:
            session = round_trip(session)
        train(session, epochs=5)
    return session


def test_a_lesson_goes_on_where_it_stopped() -> None:
    straight = lesson_run(new_session({}, "learning_rate"), stop=0, restore=False)
    assert straight.lesson is not None and straight.lesson.passed == {"too_big", "too_small"}
    resumed = lesson_run(new_session({}, "learning_rate"), stop=4, restore=True)
    assert_same(resumed, straight)


def test_the_stretch_is_what_carries_the_lesson_across() -> None:
    session = new_session({"learning_rate": 0.0001}, "learning_rate")
    train(session, epochs=30)
    assert session.lesson is not None and session.lesson.stretches.open
    restored = round_trip(session)
    assert restored.lesson is not None
    assert restored.lesson.stretches.open == session.lesson.stretches.open
    train(restored, epochs=20)
    assert "too_small" in restored.lesson.passed
    restored.lesson.stretches.clear()  # what a restore without stretches would do
    fresh = round_trip(restored)
    assert fresh.lesson is not None and not fresh.lesson.stretches.open


def test_a_lesson_that_is_gone_is_dropped() -> None:
    session = new_session({}, "perceptron")
    train(session, epochs=20)
    restored = round_trip(session, Catalog([]))
    assert restored.lesson is None
    assert restored.lesson_version == session.lesson_version + 1  # a stream tells its page


def test_an_edited_lesson_keeps_what_still_applies() -> None:
    session = new_session({"learning_rate": 0.0001}, "learning_rate")
    train(session, epochs=12)
    session.lesson.passed.add("too_big")  # type: ignore[union-attr]
    text = (resources.files("app.lessons") / "builtin" / "learning_rate.toml").read_text("utf-8")
    edited_text = text.replace("lte = 0.0001", "lte = 0.001")
    edited = load_lesson("learning_rate", edited_text.encode(), "edited/learning_rate.toml")
    assert edited.step_ids() == LESSONS.lesson("learning_rate").step_ids()
    restored = round_trip(session, Catalog([edited]))
    assert restored.lesson is not None and restored.lesson.lesson is edited
    assert restored.lesson.passed == {"too_big"}
    assert not restored.lesson.stretches.open  # its condition changed: the stretch restarts


def test_a_snapshot_of_a_restored_session_is_the_same_bytes() -> None:
    session = new_session({"learning_rate": 0.0001}, "learning_rate")
    train(session, iterations=333)
    blob = snapshot_session(session)
    assert snapshot_session(restore_session(blob, SETTINGS, LESSONS)) == blob


def compressed(document: Any) -> bytes:
    return zlib.compress(json.dumps(document).encode())


def good_document() -> dict[str, Any]:
    session = new_session({"learning_rate": 0.0001}, "learning_rate")
    train(session, epochs=2)
    document: dict[str, Any] = json.loads(zlib.decompress(snapshot_session(session)))
    return document


def changed(key: str, value: Any) -> bytes:
    document = good_document()
    document[key] = value
    return compressed(document)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "^snapshot: expected zlib-compressed JSON, got bytes that do not decompress"),
        (b"not a snapshot", "^snapshot: expected zlib-compressed JSON"),
        (zlib.compress(b"\xff{"), "^snapshot: expected a JSON document, got text that does not"),
        (compressed([1, 2]), "^snapshot.format: expected 'nn-playground/session', got 'list'"),
        (changed("version", 99), "^snapshot.version: expected 1, got 99"),
        (changed("id", ""), "^snapshot.id: expected a non-empty string, got ''"),
        (changed("run", -1), "^snapshot.run: expected a non-negative integer, got -1"),
        (changed("trainer", {"format": "x"}), "^snapshot.trainer: expected a state the engine"),
        (changed("trainer", None), "^snapshot.trainer: expected a dict, got 'NoneType'"),
        (changed("lesson", [1]), "^snapshot.lesson: expected null or a dict, got 'list'"),
    ],
)
def test_a_blob_that_cannot_be_read_raises_snapshot_error(blob: bytes, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        restore_session(blob, SETTINGS, LESSONS)


def test_a_truncated_or_flipped_blob_raises_snapshot_error() -> None:
    blob = snapshot_session(new_session(CONFIGS["adam"]))
    with pytest.raises(SnapshotError):
        restore_session(blob[: len(blob) // 2], SETTINGS, LESSONS)
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0xFF
    with pytest.raises(SnapshotError):  # zlib's checksum catches it
        restore_session(bytes(flipped), SETTINGS, LESSONS)


def test_a_bad_stretch_raises_snapshot_error() -> None:
    document = good_document()
    document["lesson"]["stretches"][0]["epoch"] = "soon"
    with pytest.raises(SnapshotError, match=r"^snapshot.lesson.stretches\[0\].epoch: expected"):
        restore_session(compressed(document), SETTINGS, LESSONS)


def test_a_trainer_over_the_limits_raises_snapshot_error() -> None:
    blob = snapshot_session(new_session({"hidden_layers": [8, 8]}))
    tight = Settings(max_neurons=4)
    with pytest.raises(SnapshotError, match="^snapshot.trainer: expected a state the engine"):
        restore_session(blob, tight, LESSONS)
