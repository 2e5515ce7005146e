"""Every step passes on a real run that does what it says, and stays unpassed on a near miss.

The runs are the primer's (tests/engine/test_primer.py), started from each lesson's preset;
a near miss is the same run one thing short (an epoch too few, a layer too few, the wrong
activation, …).
"""

from __future__ import annotations

import pytest
from learner import CATALOG, Action, Learner

SQUARES = ("x1", "x2", "x1_sq", "x2_sq")
THOUSAND = {"n_samples": 1000, "train_ratio": 1.0, "batch_size": 20}
LOW_RATE = {"learning_rate": 0.0001}

# (lesson, step): (what the step asks for, a near miss)
RUNS: dict[tuple[str, str], tuple[list[Action], list[Action]]] = {
    ("activations", "linear_stays_straight"): ([("epochs", 50)], [("epochs", 49)]),
    ("activations", "sigmoid_slow"): (
        [("change", {"activation": "sigmoid"}), ("epochs", 50)],
        [("change", {"activation": "sigmoid"}), ("epochs", 49)],
    ),
    ("activations", "tanh_faster"): (
        [("change", {"activation": "tanh"}), ("epochs", 50)],
        [("change", {"activation": "tanh"}), ("epochs", 51)],  # seen only past epoch 50
    ),
    ("activations", "relu_fastest"): (
        [("change", {"activation": "relu"}), ("epochs", 50)],
        [("change", {"activation": "tanh"}), ("epochs", 50)],
    ),
    ("layers", "one_line"): ([("epochs", 30)], [("epochs", 29)]),
    ("layers", "squared_inputs"): (
        [("change", {"features": SQUARES}), ("epochs", 20)],
        [("change", {"features": SQUARES[:3]}), ("epochs", 20)],
    ),
    ("layers", "hidden_layer"): (
        [("change", {"hidden_layers": (8,)}), ("epochs", 50)],
        [("change", {"hidden_layers": (8,), "features": SQUARES}), ("epochs", 50)],
    ),
    ("layers", "three_outputs"): (
        [("change", {"dataset": "spiral3"})],
        [("change", {"dataset": "moons"})],
    ),
    ("perceptron", "and"): (
        [("epochs", 20)],
        [("change", {"optimizer": "sgd"}), ("change", {"hidden_layers": (4,)}), ("epochs", 50)],
    ),
    ("perceptron", "or"): (
        [("change", {"dataset": "or"}), ("epochs", 20)],
        [("epochs", 20)],
    ),
    ("perceptron", "xor_fails"): (
        [("change", {"dataset": "xor_gate"}), ("epochs", 100)],
        [("change", {"dataset": "xor_gate"}), ("epochs", 99)],
    ),
    ("xor", "hidden_layer"): (
        [("change", {"hidden_layers": (4,)}), ("epochs", 20)],
        [("epochs", 100)],
    ),
    ("xor", "two_neurons"): (
        [("change", {"hidden_layers": (2,)}), ("epochs", 50)],
        [("change", {"hidden_layers": (3,)}), ("epochs", 50)],
    ),
    ("xor", "noisy_xor"): (
        [
            ("change", {"dataset": "xor", "n_samples": 500, "train_ratio": 0.5}),
            ("change", {"hidden_layers": (8,), "learning_rate": 0.03}),
            ("epochs", 300),
        ],
        [("change", {"dataset": "xor", "hidden_layers": (8,)}), ("epochs", 300)],  # no test set
    ),
    ("backprop", "one_update"): ([("iterations", 1)], [("iterations", 2)]),
    ("backprop", "loss_halves"): ([("epochs", 50)], [("epochs", 10)]),
    ("backprop", "small_enough"): ([("epochs", 200)], [("epochs", 100)]),
    ("vanishing_gradient", "sigmoid_vanishes"): (
        [("epochs", 1)],
        [("change", {"hidden_layers": (8,) * 4}), ("epochs", 1)],
    ),
    ("vanishing_gradient", "relu_keeps_flowing"): (
        [("change", {"activation": "relu"}), ("epochs", 1)],
        [("change", {"activation": "relu", "hidden_layers": (8,) * 4}), ("epochs", 1)],
    ),
    ("learning_rate", "too_big"): (
        [("change", {"learning_rate": 10.0}), ("epochs", 30)],
        [("change", {"learning_rate": 1.0}), ("epochs", 30)],
    ),
    ("learning_rate", "too_small"): (
        [("change", LOW_RATE), ("epochs", 50)],
        [("change", LOW_RATE), ("epochs", 49)],
    ),
    ("learning_rate", "just_right"): (
        [("epochs", 50)],
        [("change", {"learning_rate": 3.0}), ("epochs", 10)],  # 98 %, but unstable
    ),
    ("epochs_and_batches", "fifty_iterations"): (
        [("change", THOUSAND)],
        [("change", {**THOUSAND, "n_samples": 980})],  # 49 iterations per epoch
    ),
    ("epochs_and_batches", "five_hundred_updates"): (
        [("change", THOUSAND), ("epochs", 10)],
        [("change", THOUSAND), ("epochs", 9), ("iterations", 49)],
    ),
    ("epochs_and_batches", "full_batch"): (
        [("change", {"batch_size": 250})],
        [("change", {"batch_size": 249})],
    ),
    ("overfitting", "memorise"): (
        [("epochs", 100)],
        [("change", {"data_seed": 1}), ("epochs", 100)],  # a kinder sample: the gap is 7 points
    ),
    ("overfitting", "more_data"): (
        [("change", {"n_samples": 1000}), ("epochs", 50)],
        [("change", {"n_samples": 990}), ("epochs", 50)],  # 297 training samples
    ),
    ("overfitting", "regularize"): (
        [("change", {"regularization": "l2", "regularization_rate": 0.03}), ("epochs", 100)],
        [("change", {"regularization": "l2", "regularization_rate": 0.003}), ("epochs", 100)],
    ),
}


def test_every_step_has_its_runs() -> None:
    steps = {(lesson.id, step.id) for lesson in CATALOG for step in lesson.steps}
    assert steps == set(RUNS)


@pytest.mark.parametrize(("lesson", "step"), sorted(RUNS))
def test_the_step_passes_when_done(lesson: str, step: str) -> None:
    learner = Learner(lesson).do(*RUNS[lesson, step][0])
    assert step in learner.passed


@pytest.mark.parametrize(("lesson", "step"), sorted(RUNS))
def test_a_near_miss_leaves_it_unpassed(lesson: str, step: str) -> None:
    learner = Learner(lesson).do(*RUNS[lesson, step][1])
    assert step not in learner.passed


def test_no_step_passes_at_the_start() -> None:
    for lesson in CATALOG:
        assert Learner(lesson.id).passed == set(), lesson.id


def test_too_small_counts_its_epochs_from_when_the_rate_went_down() -> None:
    broken = Learner("learning_rate").do(
        ("change", LOW_RATE),
        ("epochs", 25),
        ("change", {"learning_rate": 0.03}),
        ("change", LOW_RATE),
        ("epochs", 25),
    )
    assert "too_small" not in broken.passed
    after_progress = Learner("learning_rate").do(("epochs", 50), ("change", LOW_RATE))
    after_progress.do(("epochs", 50))  # the loss is judged against where it was at 0.0001
    assert "too_small" in after_progress.passed
    reset = Learner("learning_rate").do(("change", LOW_RATE), ("epochs", 30), ("reset",))
    assert "too_small" not in reset.do(("epochs", 30)).passed


def test_a_passed_step_stays_passed() -> None:
    learner = Learner("perceptron").do(("epochs", 20))
    assert learner.passed == {"and"}
    learner.do(("change", {"dataset": "xor_gate"}), ("epochs", 5))
    assert learner.passed == {"and"}
    learner.progress.restart()
    learner.look()
    assert learner.passed == set()
