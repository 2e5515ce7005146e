"""Finite-difference checks of the whole network's gradient, as the training step computes it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.engine import Trainer, TrainerConfig
from app.engine.losses import penalty

ACTIVATION_NAMES = ["relu", "leaky_relu", "tanh", "sigmoid", "linear"]
PROBLEMS = {"binary": "xor", "multiclass": "spiral3", "regression": "multi_gaussian"}
PENALTIES = ["none", "l1", "l2"]


def objective(trainer: Trainer) -> float:
    """Data loss on the whole training set plus the penalty, at the current parameters."""
    network, config = trainer.network, trainer.config
    loss = network.loss(trainer.features_train, trainer.y_train)
    weights = network.params[network.weight_mask == 1.0]
    return loss + penalty(config.regularization, weights, config.regularization_rate)


def finite_differences(trainer: Trainer, step: float = 1e-6) -> np.ndarray:
    params = trainer.network.params
    estimate = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + step
        above = objective(trainer)
        params[i] = saved - step
        below = objective(trainer)
        params[i] = saved
        estimate[i] = (above - below) / (2 * step)
    return estimate


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def full_batch_trainer(problem: str, activation: str, regularization: str) -> Trainer:
    config = TrainerConfig(
        dataset=PROBLEMS[problem],
        n_samples=40,
        noise=0.2,
        train_ratio=0.5,
        seed=3,
        features=("x1", "x2", "x1_x2"),
        hidden_layers=(5, 3),
        activation=activation,
        batch_size=20,  # the whole training set: one batch
        regularization=regularization,
        regularization_rate=0.01 if regularization != "none" else 0.0,
    )
    trainer = Trainer(config)
    # bring weights to a scale where every activation is away from trivial regimes
    trainer.network.params[...] *= 1.5
    trainer.network.params[...] += 0.05
    trainer.stepper.shuffle(trainer.rng)
    return trainer


@pytest.mark.parametrize(
    ("problem", "activation", "regularization"),
    list(itertools.product(PROBLEMS, ACTIVATION_NAMES, PENALTIES)),
)
def test_step_gradient_matches_finite_differences(
    problem: str, activation: str, regularization: str
) -> None:
    trainer = full_batch_trainer(problem, activation, regularization)
    computed = trainer.stepper.batch_gradient()
    estimate = finite_differences(trainer)
    assert np.linalg.norm(computed) > 1e-6
    assert relative_error(computed, estimate) < 1e-6


@pytest.mark.parametrize(("problem", "regularization"), [("binary", "l2"), ("multiclass", "l1")])
def test_fast_step_equals_reference_backpropagation(problem: str, regularization: str) -> None:
    trainer = full_batch_trainer(problem, "tanh", regularization)
    stepper = trainer.stepper
    fast = stepper.batch_gradient()
    batch = slice(0, trainer.config.batch_size)
    features = stepper.permuted_inputs[batch, :-1]
    labels = trainer.y_train[stepper.order[batch]]
    _, reference = trainer.network.gradient(
        features, labels, regularization, trainer.config.regularization_rate
    )
    np.testing.assert_allclose(fast, reference, rtol=1e-12, atol=1e-15)


def test_regularization_never_touches_biases() -> None:
    plain = full_batch_trainer("binary", "tanh", "none").stepper.batch_gradient()
    for name in ("l1", "l2"):
        trainer = full_batch_trainer("binary", "tanh", name)
        difference = trainer.stepper.batch_gradient() - plain
        mask = trainer.network.weight_mask
        assert np.all(difference[mask == 0.0] == 0.0)
        weights = trainer.network.params[mask == 1.0]
        expected = 0.01 * (weights if name == "l2" else np.sign(weights))
        np.testing.assert_allclose(difference[mask == 1.0], expected, rtol=1e-9, atol=1e-12)
