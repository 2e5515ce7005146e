"""Every name the engine offers is in its Literal alias, and works end to end."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest

import app.engine as engine
from app.engine import (
    ACTIVATIONS,
    DATASETS,
    DERIVATIVES,
    FEATURES,
    OPTIMIZERS,
    REGULARIZATIONS,
    ActivationName,
    DatasetName,
    FeatureName,
    OptimizerName,
    RegularizationName,
    Trainer,
    TrainerConfig,
)
from app.engine.activations import ACTIVATION_OPS, DERIVATIVE_OPS, INIT_SCHEME, glorot, he
from app.engine.losses import OUTPUTS, ProblemKind


def test_literal_aliases_agree_with_tables() -> None:
    assert set(get_args(ActivationName)) == set(ACTIVATIONS) == set(DERIVATIVES)
    assert set(ACTIVATIONS) == set(ACTIVATION_OPS) == set(DERIVATIVE_OPS) == set(INIT_SCHEME)
    assert set(get_args(OptimizerName)) == set(OPTIMIZERS)
    assert set(get_args(RegularizationName)) == set(REGULARIZATIONS)
    assert set(get_args(FeatureName)) == set(FEATURES)
    assert set(get_args(DatasetName)) == set(DATASETS)
    assert set(get_args(ProblemKind)) == set(OUTPUTS)


def test_each_activation_is_one_record() -> None:
    for name, record in ACTIVATIONS.items():
        assert record.name == name
        assert DERIVATIVES[name] == record.derivative and ACTIVATION_OPS[name] is record.forward_ops
        assert INIT_SCHEME[name] == ("he" if record.init is he else "glorot")
        assert record.init in (he, glorot)
    assert INIT_SCHEME == {
        "relu": "he",
        "leaky_relu": "he",
        "tanh": "glorot",
        "sigmoid": "glorot",
        "linear": "glorot",
    }


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_grid_form_computes_the_forward_in_float32(name: str) -> None:
    record = ACTIVATIONS[name]
    z = np.linspace(-8.0, 8.0, 66).reshape(2, 33)
    expected = np.empty_like(z)
    record.forward(z, expected)
    units = (z * record.grid.scale).astype(np.float32)
    record.grid.apply(units)
    assert units.dtype == np.float32
    np.testing.assert_allclose(units, expected, rtol=1e-6, atol=1e-6)
    if record.grid.finish is not None:  # from the denominator e^{t s z} + 1
        exponent = z * record.grid.scale * record.grid.exp_scale
        denominator = (np.exp(exponent) + 1.0).astype(np.float32)
        record.grid.finish(denominator)
        np.testing.assert_allclose(denominator, expected, rtol=1e-6, atol=1e-6)


def test_each_output_kind_is_one_record() -> None:
    z = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -2.0]])
    for name, kind in OUTPUTS.items():
        assert kind.name == name
        columns = z[:, :1] if name != "multiclass" else z
        units = (columns.T * kind.grid.scale).astype(np.float32)  # units along rows, s·z
        kind.grid.apply(units)
        np.testing.assert_allclose(units.T, kind.activation(columns), rtol=1e-6)


def test_public_names_are_exported() -> None:
    for name in engine.__all__:
        assert hasattr(engine, name), name
    assert engine.DOMAIN == (-6.0, 6.0)
    assert {
        "learning_rate",
        "batch_size",
        "optimizer",
        "momentum",
        "regularization",
        "regularization_rate",
    } == Trainer.LIVE_FIELDS


def test_activation_values() -> None:
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    expected = {
        "relu": np.maximum(z, 0.0),
        "leaky_relu": np.where(z > 0, z, 0.1 * z),
        "tanh": np.tanh(z),
        "sigmoid": 1.0 / (1.0 + np.exp(-z)),
        "linear": z,
    }
    for name, values in expected.items():
        out = np.empty_like(z)
        ACTIVATIONS[name](z, out)
        np.testing.assert_allclose(out, values, rtol=1e-15, atol=1e-16, err_msg=name)
        in_place = z.copy()
        ACTIVATIONS[name](in_place, in_place)
        np.testing.assert_array_equal(in_place, out, err_msg=name)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_and_optimizer_trains(optimizer: str, activation: str) -> None:
    config = TrainerConfig(
        dataset="gaussian", hidden_layers=(4,), activation=activation, optimizer=optimizer
    )
    trainer = Trainer(config)
    before = trainer.metrics()["train_loss"]
    trainer.train_epochs(5)
    after = trainer.metrics()["train_loss"]
    assert before is not None and after is not None
    assert after < before


@pytest.mark.parametrize("dataset", sorted(set(DATASETS) - {"custom"}))
def test_every_dataset_trains(dataset: str) -> None:
    trainer = Trainer(TrainerConfig(dataset=dataset, n_samples=100, hidden_layers=(6,)))
    expected = {"classification": ("binary", "multiclass"), "regression": ("regression",)}
    assert trainer.problem in expected[DATASETS[dataset].problem]
    before = trainer.metrics()["train_loss"]
    trainer.train_epochs(3)
    assert trainer.status == "ready"
    assert trainer.metrics()["train_loss"] < before  # type: ignore[operator]


def test_every_feature_is_an_input() -> None:
    names = tuple(FEATURES)
    trainer = Trainer(TrainerConfig(features=names, hidden_layers=(3,)))
    assert trainer.layer_sizes == [len(names), 3, 1]
    grids = trainer.neuron_grids(6)
    assert grids[0].shape == (len(names), 6, 6)


@pytest.mark.parametrize("regularization", sorted(REGULARIZATIONS))
def test_every_regularization_trains(regularization: str) -> None:
    config = TrainerConfig(regularization=regularization, regularization_rate=0.001)
    trainer = Trainer(config)
    trainer.train_epochs(2)
    assert trainer.status == "ready" and trainer.iteration == 50
