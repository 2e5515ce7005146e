"""Challenges: reading and checking one, the rules a run breaks, a run's best reach, a room's
ranking, and the built-in ones' claims (the reachable ones are reached, the unreachable one
cannot be, shown on its data)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from app.challenges import (
    ChallengeProgress,
    builtin_challenge,
    builtin_challenges,
    parse_challenge,
    ranks,
)
from app.config import Settings
from app.engine import Trainer, TrainerConfig
from app.lessons import load_catalog, observe
from app.services.session import Session
from app.services.snapshots import restore_session, snapshot_session

OWN: dict[str, Any] = {
    "title": "Moons with at most 6 neurons",
    "target": {"metric": "test_accuracy", "gte": 0.98},
    "dataset": "moons",
    "noise": 0.1,
    "max_hidden_neurons": 6,
    "max_epochs": 300,
    "config": {"hidden_layers": [6]},
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**OWN, **changes}


def error_of(data: Any) -> str:
    with pytest.raises(ValueError) as raised:
        parse_challenge(data)
    return str(raised.value)


# ---------------------------------------------------------------------------- reading
def test_a_teachers_challenge_reads_back_from_its_document() -> None:
    challenge = parse_challenge(OWN)
    assert challenge.id == "own" and challenge.title.en == challenge.title.ko == OWN["title"]
    assert challenge.config == {"hidden_layers": [6], "dataset": "moons", "noise": 0.1}
    assert challenge.pinned == {"n_samples": 500, "train_ratio": 0.5, "data_seed": 0}
    assert parse_challenge(challenge.as_document()) == challenge


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1], "challenge: expected an object with title, target and dataset, got 'list'"),
        (with_(colour="red"), "challenge.colour: expected a key among id, title"),
        ({"title": "x", "dataset": "moons"}, "challenge.target: expected a value, got 'nothing'"),
        (with_(dataset="custom"), "challenge.dataset: expected one of circles, xor,"),
        (with_(noise=0.7), "challenge.noise: expected a number in [0, 0.5], got 0.7"),
        (with_(noise=True), "challenge.noise: expected a number in [0, 0.5], got True"),
        (with_(max_epochs=0), "challenge.max_epochs: expected null or an integer in [1, 100000]"),
        (with_(max_hidden_neurons=5000), "challenge.max_hidden_neurons: expected null or an"),
        (with_(features=["x1", "x1"]), "challenge.features[1]: expected one of x1, x2,"),
        (with_(features=[]), "challenge.features: expected null or a list of 1 to 7 names"),
        (with_(activations=["swish"]), "challenge.activations[0]: expected one of relu,"),
        (with_(title=""), "challenge.title.en: expected a text of 1 to 100 characters"),
        (with_(title={"en": "x"}), 'challenge.title: expected a text, or {"en": …, "ko": …}'),
        (with_(target={"metric": "test_acc", "gte": 1}), "challenge.target.metric: expected one"),
        (with_(target={"epochs_while": {"state": "epoch", "gte": 1}, "gte": 3}),
         "challenge.target: expected a condition on the run as it is now"),
        (with_(config={"dataset": "spiral"}), "challenge.config.dataset: expected the challenge's"),
        (with_(config={"colour": 1}), "challenge.config.colour: expected one of dataset,"),
        (with_(config={"hidden_layers": [8]}),
         "challenge.config.hidden_layers: expected a start that keeps the challenge's "
         "hidden_neurons rule (6), got 8"),
        (with_(activations=["relu"]), "challenge.config.activation: expected a start that keeps"),
        (with_(id="Bad id"), "challenge.id: expected lowercase letters"),
        (with_(reachable="no"), "challenge.reachable: expected true or false, got 'no'"),
    ],
)  # fmt: skip
def test_a_bad_challenge_names_the_field_and_what_was_expected(data: Any, message: str) -> None:
    assert error_of(data).startswith(message)


# ---------------------------------------------------------------------------- judging a run
def judged(challenge_id: str, **changes: Any) -> ChallengeProgress:
    """A fresh run of the challenge's start with ``changes``, judged once."""
    challenge = builtin_challenge(challenge_id)
    start = {**challenge.config, **changes}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in start.items()}
    progress = ChallengeProgress(challenge)
    progress.observe(observe(Trainer(TrainerConfig(**values)), 0), edited=False, now=1.0)
    return progress


@pytest.mark.parametrize(
    ("challenge_id", "changes", "rule", "expected", "got"),
    [
        ("xor_fewest", {"dataset": "xor"}, "dataset", "xor_gate", "xor"),
        ("xor_fewest", {"noise": 0.2}, "noise", 0.0, 0.2),
        ("xor_fewest", {"features": ["x1", "x2", "x1_x2"]}, "features", ["x1", "x2"], ["x1_x2"]),
        ("spiral_12", {"hidden_layers": [8, 8]}, "hidden_neurons", 12, 16),
        ("circles_linear", {"activation": "relu"}, "activations", ["linear"], ["relu"]),
        ("circles_linear", {"layer_activations": ["linear", "tanh"]}, "activations",
         ["linear"], ["tanh"]),
    ],
)  # fmt: skip
def test_a_run_that_breaks_a_rule_is_told_which(
    challenge_id: str, changes: dict[str, Any], rule: str, expected: Any, got: Any
) -> None:
    progress = judged(challenge_id, **changes)
    assert [(b.rule, b.expected, b.got) for b in progress.breaches] == [(rule, expected, got)]
    assert judged(challenge_id).breaches == []


def test_other_data_is_a_breach_naming_the_field() -> None:
    breach = judged("spiral_12", train_ratio=0.9).breaches
    assert [b.as_dict() for b in breach] == [
        {"rule": "data", "field": "train_ratio", "expected": 0.5, "got": 0.9}
    ]
    assert [b.field for b in judged("spiral_12", data_seed=3).breaches] == ["data_seed"]


def trained(challenge_id: str, epochs: int, **changes: Any) -> tuple[Session, ChallengeProgress]:
    challenge = builtin_challenge(challenge_id)
    session = Session.create({**challenge.config, **changes}, Settings())
    session.set_challenge(challenge.as_document())
    session.train(epochs=epochs)
    assert session.challenge is not None
    return session, session.challenge


def test_a_reach_is_kept_with_its_epoch_neurons_and_time() -> None:
    session, progress = trained("and_no_hidden", 30)
    best = progress.best
    assert best is not None and progress.as_dict()["reached"]
    assert best.hidden_neurons == 0 and 1 <= best.epoch <= 30 and best.iteration >= 1
    assert best.metrics["test_accuracy"] == 1.0 and best.at > 1.7e9
    session.update({"hidden_layers": [2]})  # the rule breaks now: the reach stays
    assert progress.best == best
    assert [b.rule for b in progress.breaches] == ["hidden_neurons"]


def test_past_the_epoch_limit_does_not_count() -> None:
    _, progress = trained("and_no_hidden", 101, learning_rate=0.0001)
    assert progress.best is None
    assert [(b.rule, b.expected, b.got) for b in progress.breaches] == [("epochs", 100, 101)]


def test_weights_set_by_hand_do_not_count_until_the_run_starts_afresh() -> None:
    session, progress = trained("and_no_hidden", 0)
    session.set_bias(0, 0, 0.5)
    session.train(epochs=20)
    assert progress.best is None and [b.rule for b in progress.breaches] == ["weights"]
    session.reset()
    session.train(epochs=20)
    assert progress.best is not None and progress.breaches == []


def test_only_a_better_reach_replaces_the_best() -> None:
    progress = ChallengeProgress(builtin_challenge("xor_fewest"))
    trainer = Trainer(TrainerConfig(dataset="xor_gate", n_samples=200, hidden_layers=(4,),
                                    learning_rate=0.1, seed=1))  # fmt: skip
    trainer.train_epochs(200)
    observation = observe(trainer, 0)
    assert observation.metrics["test_accuracy"] == 1.0
    assert progress.observe(observation, edited=False, now=5.0)
    assert not progress.observe(observation, edited=False, now=6.0)  # the same: kept, earlier
    assert progress.best is not None and progress.best.at == 5.0
    smaller = Trainer(TrainerConfig(dataset="xor_gate", n_samples=200, hidden_layers=(2,),
                                    learning_rate=0.1, seed=1))  # fmt: skip
    smaller.train_epochs(200)
    assert progress.observe(observe(smaller, 1), edited=False, now=7.0)
    assert (progress.best.hidden_neurons, progress.best.at) == (2, 7.0)
    assert not progress.observe(observation, edited=False, now=8.0)  # 4 neurons rank worse


def test_a_snapshot_keeps_the_challenge_and_the_best_reach() -> None:
    session, progress = trained("and_no_hidden", 30)
    session.set_weight(0, 0, 0, 0.1)
    restored = restore_session(snapshot_session(session), Settings(), load_catalog())
    assert restored.challenge is not None and restored.challenge.best == progress.best
    assert restored.challenge.challenge == progress.challenge
    assert [b.rule for b in restored.challenge.breaches] == ["weights"]
    assert restored.edited_run == session.edited_run == session.run


# ---------------------------------------------------------------------------- ranking
def entry(neurons: int, epoch: int, at: float) -> dict[str, Any]:
    return {"best": {"hidden_neurons": neurons, "epoch": epoch, "at": at}}


def test_the_ranking_is_reached_then_fewest_neurons_then_fewest_epochs_then_earliest() -> None:
    room = [
        None,  # no session read
        {"best": None},  # not reached
        entry(4, 10, 1.0),
        entry(2, 90, 9.0),
        entry(2, 30, 8.0),
        entry(2, 30, 3.0),
        entry(2, 30, 3.0),  # a tie to the one who joined first
    ]
    assert ranks(room) == [None, None, 5, 4, 3, 1, 2]
    assert ranks([]) == []


# ---------------------------------------------------------------------------- the built-ins
def test_every_builtin_challenge_has_both_languages_and_a_start_the_engine_builds() -> None:
    challenges = builtin_challenges()
    assert list(challenges) == [
        "xor_fewest", "spiral_12", "circles_linear", "and_no_hidden", "circles_features",
    ]  # fmt: skip
    for challenge in challenges.values():
        for text in (challenge.title, challenge.text):
            assert text.en and text.ko and text.en != text.ko, challenge.id
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in challenge.config.items()}
        Trainer(TrainerConfig(**values))
        assert judged(challenge.id).breaches == [], challenge.id
    assert [c.id for c in challenges.values() if not c.reachable] == ["circles_linear"]


@pytest.mark.parametrize(
    ("challenge_id", "changes"),
    [
        ("xor_fewest", {"hidden_layers": [2], "seed": 3}),
        ("spiral_12", {"features": ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]}),
        ("and_no_hidden", {}),
        ("circles_features", {"features": ["x1_sq", "x2_sq"]}),
    ],
)
def test_a_reachable_builtin_is_reached_within_its_rules(
    challenge_id: str, changes: dict[str, Any]
) -> None:
    challenge = builtin_challenge(challenge_id)
    _, progress = trained(challenge_id, challenge.max_epochs or 500, **changes)
    assert progress.best is not None, progress.as_dict()


def test_no_straight_line_reaches_the_linear_circles_target() -> None:
    """The circles challenge's linear network draws a half-plane whatever its weights: its
    logit is affine in (x1, x2). The best half-plane on the challenge's test points, over
    3600 directions and every threshold, stays far below the target."""
    challenge = builtin_challenge("circles_linear")
    assert challenge.features == ("x1", "x2") and challenge.activations == ("linear",)
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in challenge.config.items()}
    trainer = Trainer(TrainerConfig(**values))
    X, y = trainer.X_test, trainer.y_test
    best = 0.0
    for angle in np.linspace(0.0, 2 * math.pi, 3600, endpoint=False):
        order = np.argsort(X @ np.array([math.cos(angle), math.sin(angle)]))
        labels = y[order]
        ones_above = labels.sum() - np.concatenate([[0], np.cumsum(labels)])
        zeros_below = np.concatenate([[0], np.cumsum(1 - labels)])
        best = max(best, float(((ones_above + zeros_below) / len(y)).max()))
    target = challenge.target_source["gte"]
    assert best < 0.75 < target
    _, progress = trained("circles_linear", 300, hidden_layers=[8, 8, 8], learning_rate=0.01)
    assert progress.best is None and progress.breaches == [] and not progress.target_met
