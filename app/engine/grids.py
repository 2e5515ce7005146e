"""Evaluate a network over a square grid of the domain, for drawing.

Points run as *columns*: features are (k + 1, R²) float32 with a last row of ones, so layer l
is ``H[l+1] = f(Wb[l].T @ [H[l]; 1])`` with long contiguous rows — several times faster
than points-as-rows in float64, and drawing needs no more than float32. Row ``i`` of a grid
is y = ys[i] (descending: row 0 is the top), column ``j`` is x = xs[j] (ascending); the
coordinates are cell centres over ``DOMAIN``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.engine.activations import ACTIVATIONS
from app.engine.datasets import DOMAIN
from app.engine.features import make_features_columns
from app.engine.network import Network


def axes(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres: xs ascending and ys descending, each (R,) float64."""
    low, high = DOMAIN
    centres = low + (np.arange(resolution) + 0.5) * ((high - low) / resolution)
    return centres, centres[::-1].copy()


def grid_features(resolution: int, feature_names: Sequence[str]) -> np.ndarray:
    """Features of every grid cell as columns plus a row of ones: (k + 1, R²) float32."""
    xs, ys = axes(resolution)
    points = np.empty((resolution * resolution, 2))
    points[:, 0] = np.tile(xs, resolution)
    points[:, 1] = np.repeat(ys, resolution)
    columns = np.ones((len(feature_names) + 1, resolution * resolution), dtype=np.float32)
    columns[:-1] = make_features_columns(points, feature_names, dtype=np.float32)
    return columns


def layer_outputs(network: Network, columns: np.ndarray) -> list[np.ndarray]:
    """Every unit's output over the grid, float32, layer by layer: [(n_units, N), ...].

    ``columns`` is from ``grid_features``; the first entry returned is its feature rows (a
    view). The last is the output layer after its unit: p(class 1) for binary, softmax
    probabilities for multiclass, the value for regression. Arrays are new on every call.
    """
    n_points = columns.shape[1]
    outputs = [columns[:-1]]
    below = columns
    last = network.n_layers - 1
    with np.errstate(all="ignore"):
        for layer, block in enumerate(network.blocks):
            fan_out = block.shape[1]
            transposed = block.T.astype(np.float32)  # (fan_out, fan_in + 1)
            rows = fan_out + 1 if layer < last else fan_out
            above = np.empty((rows, n_points), dtype=np.float32)
            units = above[:fan_out]
            np.dot(transposed, below, out=units)
            if layer < last:
                above[-1] = 1.0
                ACTIVATIONS[network.hidden_activations[layer]](units, units)
            elif network.problem == "binary":
                ACTIVATIONS["sigmoid"](units, units)
            elif network.problem == "multiclass":
                units -= units.max(axis=0)
                np.exp(units, out=units)
                units /= units.sum(axis=0)
            outputs.append(units)
            below = above
    return outputs


#: |feature| on the domain is at most 36 (x1², x2², x1·x2 at the corners)
FEATURE_BOUND = 36.0
#: below float32's largest value (3.4e38) with room for the sum inside softmax
SAFE_BOUND = 1e36


def cannot_overflow(network: Network) -> bool:
    """True when no unit can leave float32's range: then no grid value can be inf or NaN."""
    return network.activation_bound(FEATURE_BOUND) < SAFE_BOUND


def finite_or_clipped(values: np.ndarray) -> np.ndarray:
    """``values`` with nan -> 0 and ±inf -> the dtype's extremes, in place (never NaN out)."""
    if not np.isfinite(np.add.reduce(values, axis=None)):
        np.nan_to_num(values, copy=False)
    return values


def draw(
    network: Network, columns: np.ndarray, resolution: int
) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """The decision boundary and every unit's (R, R) grid, from one pass over ``columns``.

    Returns ``(boundary, neurons)``: ``boundary`` has ``xs``, ``ys`` (R,) and ``values``
    (R, R) float32 — p(class 1), the regression value, or for multiclass the winning
    class's probability along with ``classes`` (R, R) uint8; ``neurons`` is one float32
    (n_units, R, R) array per layer, input features first. All are new arrays, finite.
    """
    shape = (resolution, resolution)
    neurons = [units.reshape(-1, *shape) for units in layer_outputs(network, columns)]
    neurons[0] = neurons[0].copy()  # the features are cached: hand out a copy
    if not cannot_overflow(network):
        neurons = [finite_or_clipped(grid) for grid in neurons]
    xs, ys = axes(resolution)
    boundary = {"xs": xs, "ys": ys}
    last = neurons[-1]
    if network.problem == "multiclass":
        boundary["classes"] = np.argmax(last, axis=0).astype(np.uint8)
        boundary["values"] = np.max(last, axis=0)
    else:
        boundary["values"] = last[0]
    return boundary, neurons
