"""Edits from outside training: regenerate, loaded or typed-in parameters, broken outputs."""

from __future__ import annotations

import numpy as np

from app.engine import Trainer, TrainerConfig


def diverged_plane() -> Trainer:
    trainer = Trainer(TrainerConfig(dataset="plane", learning_rate=10.0, seed=3))
    trainer.train_epochs(100)
    assert trainer.status == "diverged"
    return trainer


def test_new_data_seed_keeps_the_network_and_counters() -> None:
    trainer = Trainer(TrainerConfig(dataset="xor", hidden_layers=(4,), seed=1))
    trainer.train_epochs(3)
    weights = [w.copy() for w in trainer.weights()]
    counters = (trainer.epoch, trainer.iteration)
    X_before = trainer.X_train.copy()

    assert trainer.reconfigure(data_seed=9) is False

    assert trainer.config.data_seed == 9
    assert not np.array_equal(trainer.X_train, X_before)
    assert (trainer.epoch, trainer.iteration) == counters
    for old, new in zip(weights, trainer.weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    trainer.train_iterations(5)
    assert trainer.iteration == counters[1] + 5


def test_regenerated_data_equals_a_fresh_run_with_that_data_seed() -> None:
    trainer = Trainer(TrainerConfig(dataset="circles", noise=0.2))
    trainer.reconfigure(data_seed=4)
    fresh = Trainer(TrainerConfig(dataset="circles", noise=0.2, data_seed=4))
    np.testing.assert_array_equal(trainer.X_train, fresh.X_train)
    np.testing.assert_array_equal(trainer.y_test, fresh.y_test)


def test_loading_good_parameters_revives_a_diverged_run() -> None:
    healthy = Trainer(TrainerConfig(dataset="plane", seed=3))
    trainer = diverged_plane()

    trainer.load_parameters(healthy.weights(), healthy.biases())

    assert trainer.status == "ready"
    assert trainer.diverged_at is None
    assert trainer.metrics()["train_loss"] is not None
    before = trainer.iteration
    trainer.reconfigure(learning_rate=0.01)
    trainer.train_iterations(3)
    assert trainer.iteration == before + 3


def test_parameters_whose_loss_overflows_make_the_run_diverged_at_once() -> None:
    trainer = Trainer(TrainerConfig(dataset="plane", activation="linear", seed=3))
    huge_weights = [np.full_like(w, 1e200) for w in trainer.weights()]

    trainer.load_parameters(huge_weights, trainer.biases())

    state = trainer.state()
    assert state["status"] == "diverged"
    assert state["diverged_at"] == (0, 0)
    assert state["train_loss"] is None and state["test_loss"] is None


def test_typing_a_weight_into_a_diverged_run_judges_it_afresh() -> None:
    trainer = diverged_plane()
    healthy = Trainer(TrainerConfig(dataset="plane", seed=3))
    trainer.load_parameters(healthy.weights(), healthy.biases())
    trainer._diverge()  # as a run that overflowed leaves it
    trainer.set_weight(0, 0, 0, 0.5)
    assert trainer.status == "ready"
    assert trainer.metrics()["train_loss"] is not None


def test_multiclass_outputs_that_overflow_are_uniform_not_zero() -> None:
    trainer = Trainer(
        TrainerConfig(dataset="spiral3", activation="linear", hidden_layers=(8, 8), seed=2)
    )
    huge_weights = [np.full_like(w, 1e120) for w in trainer.weights()]
    trainer.load_parameters(huge_weights, trainer.biases())

    outputs = trainer.predict(np.array([[5.0, 5.0], [-5.0, 5.0], [0.0, 0.0]]))

    assert np.isfinite(outputs).all()
    np.testing.assert_allclose(outputs.sum(axis=1), 1.0)
