"""The activation curves the page draws are the engine's own f and f′, and f′ is f's slope."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import ACTIVATIONS
from app.engine.activations import CURVE_BOUND, CURVE_POINTS, curves

CLOSED_FORMS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.1 * z), lambda z: np.where(z > 0, 1.0, 0.1)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (
        lambda z: 1.0 / (1.0 + np.exp(-z)),
        lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
    ),
    "linear": (lambda z: z, np.ones_like),
}


def test_the_grid_and_every_activation() -> None:
    z, sampled = curves()
    assert z.shape == (CURVE_POINTS,) and z[0] == -CURVE_BOUND and z[-1] == CURVE_BOUND
    assert np.all(np.diff(z) > 0)
    assert list(sampled) == list(ACTIVATIONS) == list(CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_curves_are_the_records_forward_and_derivative(name: str) -> None:
    z, sampled = curves()
    value, derivative = sampled[name]
    record = ACTIVATIONS[name]
    forward = np.empty_like(z)
    record.forward(z, forward)  # exactly what a network's layer computes
    slope = np.ones_like(z)
    record.derivative(forward, slope, np.empty_like(z))  # what backpropagation multiplies by
    np.testing.assert_array_equal(value, forward)
    np.testing.assert_array_equal(derivative, slope)
    f, f_prime = CLOSED_FORMS[name]
    np.testing.assert_allclose(value, f(z), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(derivative, f_prime(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_is_the_slope_of_the_forward(name: str) -> None:
    z, sampled = curves()
    record, step = ACTIVATIONS[name], 1e-6
    smooth = np.abs(z) > 10 * step  # relu and leaky_relu have a kink at 0
    above, below = np.empty_like(z), np.empty_like(z)
    record.forward(z + step, above)
    record.forward(z - step, below)
    central = (above - below) / (2 * step)
    np.testing.assert_allclose(sampled[name][1][smooth], central[smooth], rtol=1e-7, atol=1e-8)
