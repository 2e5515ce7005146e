"""Each optimizer's compiled program against its textbook update, step by step."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import OPTIMIZERS, Trainer, TrainerConfig
from app.engine.optimizers import run

RATE, MOMENTUM, SCALE = 0.05, 0.8, 0.25


def compiled(name: str, n: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list]:
    optimizer = OPTIMIZERS[name]
    params, gradient, scratch = np.zeros(n), np.zeros(n), np.empty(n)
    slots = [np.zeros(size) for size in optimizer.slot_sizes(n)]
    program = optimizer.program(params, gradient, slots, scratch, RATE, MOMENTUM, SCALE)
    return params, gradient, slots, program


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_updates_match_the_textbook(name: str) -> None:
    rng = np.random.default_rng(0)
    params, gradient, slots, program = compiled(name, 6)
    start = rng.normal(size=6)
    params[...] = start
    expected = start.copy()
    velocity, first, second = np.zeros(6), np.zeros(6), np.zeros(6)
    for t in range(1, 8):
        buffer = rng.normal(size=6)
        gradient[...] = buffer
        g = SCALE * buffer  # the buffer holds the gradient divided by scale
        if name == "sgd":
            expected -= RATE * g
        elif name == "momentum":
            velocity = MOMENTUM * velocity - RATE * g
            expected += velocity
        else:
            first = 0.9 * first + 0.1 * g
            second = 0.999 * second + 0.001 * g**2
            corrected_first = first / (1 - 0.9**t)
            corrected_second = second / (1 - 0.999**t)
            expected -= RATE * corrected_first / (np.sqrt(corrected_second) + 1e-8)
        run(program)
        np.testing.assert_allclose(params, expected, rtol=1e-12, atol=1e-15)
    if name == "adam":
        assert slots[2][0] == 7.0  # the step count, used by the bias correction


def test_adam_first_step_moves_every_weight_by_the_learning_rate() -> None:
    # with bias correction, step 1 is lr · g / (|g| + ε) ≈ lr · sign(g) whatever |g| is
    params, gradient, _, program = compiled("adam", 4)
    gradient[...] = [1e-3, -2.0, 50.0, -1e-2]
    run(program)
    np.testing.assert_allclose(params, -RATE * np.sign(gradient), rtol=1e-4)


def test_perceptron_rule_update() -> None:
    points = (((1.0, 2.0), (-1.0, 0.5), (2.0, -1.0)), (1, 0, 0))
    config = TrainerConfig(
        dataset="custom",
        points=points,
        train_ratio=1.0,
        hidden_layers=(),
        optimizer="perceptron",
        learning_rate=0.5,
        batch_size=3,
    )
    trainer = Trainer(config)
    weights, bias = trainer.weights()[0][:, 0], trainer.biases()[0][0]
    X, y = trainer.X_train, trainer.y_train.astype(float)
    predicted = ((X @ weights + bias) > 0).astype(float)
    trainer.train_iterations(1)
    error = y - predicted
    np.testing.assert_allclose(trainer.weights()[0][:, 0], weights + 0.5 * (error @ X) / 3)
    np.testing.assert_allclose(trainer.biases()[0][0], bias + 0.5 * error.mean())
