"""Reproducibility and exact continuation through export_state / from_state."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.engine import Trainer, TrainerConfig

CONFIGS = {
    "sgd": TrainerConfig(),
    "momentum": TrainerConfig(
        dataset="spiral3", optimizer="momentum", hidden_layers=(6, 5), activation="relu"
    ),
    "adam": TrainerConfig(
        dataset="multi_gaussian",
        optimizer="adam",
        learning_rate=0.01,
        regularization="l2",
        regularization_rate=0.001,
        batch_size=7,
        features=("x1", "x2", "sin_x1"),
    ),
    "perceptron": TrainerConfig(dataset="or", hidden_layers=(), optimizer="perceptron"),
    "l1": TrainerConfig(
        dataset="blobs", n_classes=5, regularization="l1", regularization_rate=0.003
    ),
}


def same(a: Trainer, b: Trainer) -> bool:
    return (
        np.array_equal(a.stepper.state, b.stepper.state)
        and a.state() == b.state()
        and a.gradient_norms() == b.gradient_norms()
        and a.mean_activations() == b.mean_activations()
        and a.epoch_gradient_norms() == b.epoch_gradient_norms()
        and np.array_equal(a.stepper.norm_sums, b.stepper.norm_sums)
        and a.stepper.norm_updates == b.stepper.norm_updates
        and a.rng.bit_generator.state == b.rng.bit_generator.state
    )


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_same_seed_same_trajectory(name: str) -> None:
    first, second = Trainer(CONFIGS[name]), Trainer(CONFIGS[name])
    assert np.array_equal(first.stepper.state, second.stepper.state)
    first.train_epochs(3)
    second.train_epochs(3)
    assert same(first, second)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_reset_replays_the_same_trajectory(name: str) -> None:
    trainer = Trainer(CONFIGS[name])
    initial = trainer.stepper.state.copy()
    trainer.train_iterations(40)
    after = trainer.stepper.state.copy()
    trainer.reset()
    assert (trainer.epoch, trainer.iteration) == (0, 0)
    assert np.array_equal(trainer.stepper.state, initial)
    assert trainer.gradient_norms() == [0.0] * trainer.network.n_layers
    trainer.train_iterations(40)
    assert np.array_equal(trainer.stepper.state, after)


def test_seed_and_data_seed_are_separate() -> None:
    base = Trainer(TrainerConfig())
    other_weights = Trainer(TrainerConfig(seed=1))
    other_data = Trainer(TrainerConfig(data_seed=1))
    assert np.array_equal(base.X_train, other_weights.X_train)
    assert not np.array_equal(base.network.params, other_weights.network.params)
    assert np.array_equal(base.network.params, other_data.network.params)
    assert not np.array_equal(base.X_train, other_data.X_train)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_ten_epochs_equal_five_export_import_five(name: str) -> None:
    straight = Trainer(CONFIGS[name])
    straight.train_epochs(10)
    halfway = Trainer(CONFIGS[name])
    halfway.train_epochs(5)
    exported = json.loads(json.dumps(halfway.export_state(), allow_nan=False))
    resumed = Trainer.from_state(exported)
    resumed.train_epochs(5)
    assert same(straight, resumed)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_continuation_from_the_middle_of_an_epoch(name: str) -> None:
    straight = Trainer(CONFIGS[name])
    straight.train_iterations(101)
    partial = Trainer(CONFIGS[name])
    partial.train_iterations(37)
    assert partial.stepper.cursor != 0
    resumed = Trainer.from_state(json.loads(json.dumps(partial.export_state())))
    assert resumed.gradient_norms() == partial.gradient_norms()
    assert resumed.mean_activations() == partial.mean_activations()
    resumed.train_iterations(64)
    assert same(straight, resumed)


def test_export_is_plain_data() -> None:
    trainer = Trainer(TrainerConfig(dataset="custom", points=(((1.0, 2.0), (-3.0, 0.5)), (0, 1))))
    trainer.train_iterations(3)
    state = trainer.export_state()

    def check(value: object) -> None:
        if isinstance(value, dict):
            assert all(isinstance(key, str) for key in value)
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        else:
            assert value is None or type(value) in (int, float, str, bool), type(value)

    check(state)
    assert Trainer.from_state(state).config == trainer.config


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("format", "other", "state"),
        ("weights", [[1.0]], "weights"),
        ("optimizer_slots", [[0.0]], "state.optimizer_slots"),
        ("order", [0, 0, 1], "state.order"),
        ("epoch", -1, "state.epoch"),
        ("rng", {"state": "zz"}, "state.rng"),
        ("status", "exploded", "state.status"),
    ],
)
def test_import_rejects_bad_state(key: str, value: object, field: str) -> None:
    trainer = Trainer(TrainerConfig(optimizer="momentum"))
    trainer.train_iterations(3)
    state = trainer.export_state()
    state[key] = value
    with pytest.raises(ValueError, match=f"^{field}"):
        Trainer.from_state(state)
