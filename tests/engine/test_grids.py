"""Drawing grids: every unit's float32 grid against the float64 network, on every path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine import Trainer, TrainerConfig
from app.engine.features import make_features
from app.engine.grid_layers import SEPARABLE_LIMIT, SEPARABLE_MIN_POINTS, separable_denominator
from app.engine.grids import grid_features
from app.engine.losses import output_activation

# on every unit's output: absolute for bounded units, relative beyond 1 (relu, linear, values);
# the wire quantises to 1/255 of a grid's span anyway
TOLERANCE = 1e-4
SEPARABLE = ("x1", "x2", "x2_sq", "sin_x1")
# resolutions on either side of where the first layer switches to its separable form
LARGE = math.isqrt(SEPARABLE_MIN_POINTS - 1) + 1
SMALL = 13
MIXED = ("x1", "x2", "x1_x2", "sin_x2")


def float64_layers(trainer: Trainer, resolution: int) -> list[np.ndarray]:
    """The same grids from the float64 forward pass, points as rows: [(n_units, R, R), ...]."""
    boundary = trainer.boundary(resolution)
    grid_x, grid_y = np.meshgrid(boundary["xs"], boundary["ys"])
    points = np.column_stack((grid_x.ravel(), grid_y.ravel()))
    outputs = trainer.network.forward(make_features(points, trainer.config.features))
    outputs[-1] = output_activation(trainer.problem, outputs[-1])
    return [layer.T.reshape(-1, resolution, resolution) for layer in outputs]


def assert_grids_match(trainer: Trainer, resolution: int) -> None:
    grids = trainer.neuron_grids(resolution)
    expected = float64_layers(trainer, resolution)
    assert [grid.shape for grid in grids] == [layer.shape for layer in expected]
    for grid, want in zip(grids, expected, strict=True):
        assert grid.dtype == np.float32
        np.testing.assert_allclose(grid, want, rtol=TOLERANCE, atol=TOLERANCE)
    boundary = trainer.boundary(resolution)
    want = expected[-1].max(axis=0) if trainer.problem == "multiclass" else expected[-1][0]
    np.testing.assert_allclose(boundary["values"], want, rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("dataset", ["circles", "spiral3", "plane"])
@pytest.mark.parametrize("features", [SEPARABLE, MIXED])
@pytest.mark.parametrize("resolution", [LARGE, SMALL])
def test_every_unit_matches_the_float64_network(
    activation: str, dataset: str, features: tuple[str, ...], resolution: int
) -> None:
    config = TrainerConfig(
        dataset=dataset,
        features=features,
        hidden_layers=(8, 5),
        activation=activation,
        learning_rate=0.001,
    )
    trainer = Trainer(config)
    trainer.train_epochs(3)
    assert trainer.status != "diverged"
    assert_grids_match(trainer, resolution)
    # larger weights: saturated units, exps near float32's range
    weights = [3.0 * w for w in trainer.weights()]
    trainer.load_parameters(weights, trainer.biases())
    assert_grids_match(trainer, resolution)


def test_mixed_activations_and_a_single_layer() -> None:
    config = TrainerConfig(hidden_layers=(6, 4, 3), layer_activations=("sigmoid", "relu", "tanh"))
    trainer = Trainer(config)
    trainer.train_epochs(2)
    assert_grids_match(trainer, LARGE)
    for activation in ("tanh", "sigmoid"):
        perceptron = Trainer(TrainerConfig(hidden_layers=(), activation=activation))
        perceptron.train_epochs(2)
        assert_grids_match(perceptron, LARGE)


def test_separable_form_only_without_mixed_features() -> None:
    assert SMALL**2 < SEPARABLE_MIN_POINTS <= LARGE**2
    assert grid_features(20, SEPARABLE).halves is not None
    assert grid_features(20, MIXED).halves is None
    assert grid_features(20, ("x1_x2",)).halves is None


@pytest.mark.parametrize("scale", [2.0, -1.0])
def test_separable_denominator_is_exact_and_refuses_what_would_overflow(scale: float) -> None:
    trainer = Trainer(TrainerConfig(features=SEPARABLE, hidden_layers=(8,)))
    grid = grid_features(40, SEPARABLE)
    block = trainer.network.blocks[0]
    units = np.empty((8, 40 * 40), dtype=np.float32)
    assert separable_denominator((scale * block).astype(np.float32)[None], grid, units[None])
    z = block.T @ np.vstack([grid.columns[:-1].astype(np.float64), np.ones(40 * 40)])
    np.testing.assert_allclose(units, np.exp(scale * z) + 1, rtol=1e-5)
    huge = (scale * block * 2 * SEPARABLE_LIMIT).astype(np.float32)
    assert not separable_denominator(huge[None], grid, units[None])


def test_far_saturated_first_layer_falls_back_and_stays_exact() -> None:
    trainer = Trainer(TrainerConfig(features=SEPARABLE, hidden_layers=(8, 4)))
    weights, biases = trainer.weights(), trainer.biases()
    weights[0] = weights[0] * 40.0  # |s z| far beyond SEPARABLE_LIMIT on the first layer
    biases[0] = np.linspace(-60.0, 60.0, 8)
    trainer.load_parameters(weights, biases)
    assert_grids_match(trainer, LARGE)
