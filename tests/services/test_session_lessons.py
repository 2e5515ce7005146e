"""A session following a lesson: when its steps are checked, and what a frame says of them."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.lessons import Catalog, load_catalog
from app.services.configs import engine_limits
from app.services.player import Player, StreamSettings
from app.services.session import Session

SETTINGS = Settings()
LESSONS: Catalog = load_catalog(None, engine_limits(SETTINGS))


def following(lesson_id: str) -> Session:
    """A new session following the lesson, from its preset."""
    return Session.create({}, SETTINGS, lesson=LESSONS.lesson(lesson_id))


def passed(progress: dict | None) -> set[str]:
    assert progress is not None
    return {step["id"] for step in progress["steps"] if step["passed"]}


def test_training_done_before_a_change_counts_for_the_old_settings() -> None:
    session = following("learning_rate")
    session.update({"learning_rate": 0.0001})
    session.trainer.train_epochs(50)  # as a stream's frames train, unobserved until a frame
    session.update({"learning_rate": 0.5})  # observed just before the rate goes up
    assert "too_small" in passed(session.lesson_progress())


def test_edited_weights_start_a_stretch_again() -> None:
    session = following("learning_rate")
    session.update({"learning_rate": 0.0001})
    session.train(epochs=30)
    session.set_weight(0, 0, 0, 0.5)
    session.train(epochs=30)
    assert "too_small" not in passed(session.lesson_progress())
    session.train(epochs=20)
    assert "too_small" in passed(session.lesson_progress())


def test_the_version_grows_with_every_change_of_progress() -> None:
    session = following("perceptron")
    start = session.lesson_version
    session.train(epochs=1)
    session.train(epochs=19)
    assert passed(session.lesson_progress()) == {"and"}
    assert session.lesson_version == start + 1
    session.train(epochs=1)  # nothing new passed
    assert session.lesson_version == start + 1
    session.restart_lesson()
    assert passed(session.lesson_progress()) == set()
    assert session.lesson_version == start + 2
    session.start_lesson(None)
    assert session.lesson_progress() is None and session.lesson_version == start + 3
    with pytest.raises(ValueError, match="^lesson: expected a session following a lesson"):
        session.restart_lesson()


def test_a_bad_start_leaves_the_lesson_as_it_was() -> None:
    session = following("xor")
    with pytest.raises(ValueError, match=r"^hidden_layers\[0\]: expected"):
        session.start_lesson(LESSONS.lesson("layers"), {"hidden_layers": [999]})
    progress = session.lesson_progress()
    assert progress is not None and progress["id"] == "xor"
    assert session.config()["dataset"] == "xor_gate"
    with pytest.raises(ValueError, match="^lesson: expected one of activations, layers"):
        following("nope")


def test_a_lesson_starts_from_fresh_weights() -> None:
    session = following("xor")
    session.train(epochs=5)
    assert not session.start_lesson(LESSONS.lesson("xor"))  # same config: no rebuild
    assert session.state()["epoch"] == 0


def test_frames_carry_the_progress_only_when_it_changed() -> None:
    session = following("perceptron")
    player = Player(session, StreamSettings(resolution=10, thumbnail_resolution=8))
    assert player.hello()["lesson"] == session.lesson_progress()
    assert "lesson" not in player.render().header
    session.trainer.train_epochs(20)  # trained by this stream; the frame checks the steps
    header = player.render().header
    assert header["lesson"]["steps"][0] == {"id": "and", "passed": True}
    assert "lesson" not in player.render().header
    other = Player(session, StreamSettings(resolution=10, thumbnail_resolution=8))
    assert other.render().header["lesson"] == header["lesson"]  # a socket without a hello
    session.start_lesson(None)
    assert player.render().header["lesson"] is None
