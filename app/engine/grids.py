"""Evaluate a network over a square grid of the domain, for drawing.

Points run as *columns*: features are (k + 1, R²) float32 with a last row of ones, so layer l
is ``H[l+1] = f(Wb[l].T @ [H[l]; 1])`` with long contiguous rows — several times faster
than points-as-rows in float64, and drawing needs no more than float32. Row ``i`` of a grid
is y = ys[i] (descending: row 0 is the top), column ``j`` is x = xs[j] (ascending); the
coordinates are cell centres over ``DOMAIN``.
"""

from __future__ import annotations

import threading
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


#: Drawing evaluates tanh and the sigmoid through one float32 exp, which NumPy vectorises
#: better than its tanh; the factor on z is folded into the layer's float32 weights:
#: tanh z = 1 − 2 / (e^{2z} + 1),  σ(z) = 1 / (1 + e^{−z}). Both are exact identities,
#: within ~2e-7 of float64 in float32, and saturate cleanly when e^{…} overflows.
EXP_SCALE = {"tanh": 2.0, "sigmoid": -1.0}


def _exp_form(name: str, units: np.ndarray) -> None:
    """Finish ``name`` in place on ``units``, which hold EXP_SCALE[name] · z."""
    np.exp(units, out=units)
    np.add(units, 1.0, out=units)
    if name == "tanh":
        np.divide(2.0, units, out=units)
        np.subtract(1.0, units, out=units)
    else:
        np.divide(1.0, units, out=units)


#: Hidden layers that are not handed out go to pooled float32 buffers, reused across calls
#: (and threads): writing into warm memory instead of fresh pages halves a boundary's cost.
#: At most ``POOLED`` buffers of at most ``POOLED_BYTES`` each are kept.
POOLED = 8
POOLED_BYTES = 4 * 2**20
_pool: list[np.ndarray] = []
_pool_lock = threading.Lock()


def _take(size: int) -> np.ndarray:
    """A flat float32 buffer of at least ``size`` elements, pooled if one is free."""
    with _pool_lock:
        for index, buffer in enumerate(_pool):
            if buffer.size >= size:
                return _pool.pop(index)
    return np.empty(size, dtype=np.float32)


def _give(buffer: np.ndarray) -> None:
    with _pool_lock:
        if len(_pool) < POOLED and buffer.nbytes <= POOLED_BYTES:
            _pool.append(buffer)


def layer_outputs(
    network: Network, columns: np.ndarray, *, keep_hidden: bool = True
) -> list[np.ndarray]:
    """Every unit's output over the grid, float32, layer by layer: [(n_units, N), ...].

    ``columns`` is from ``grid_features``; the first entry returned is its feature rows (a
    view). The last is the output layer after its unit: p(class 1) for binary, softmax
    probabilities for multiclass, the value for regression. Returned arrays are new. With
    ``keep_hidden=False`` only the output layer is returned (the rest live in scratch).
    """
    n_points = columns.shape[1]
    outputs = [columns[:-1]] if keep_hidden else []
    widest = max(network.layer_sizes[1:-1], default=0) + 1
    pair = [] if keep_hidden or network.n_layers == 1 else [_take(widest * n_points) for _ in "ab"]
    below = columns
    last = network.n_layers - 1
    output_unit = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
    names = [*network.hidden_activations, output_unit[network.problem]]
    with np.errstate(all="ignore"):
        for layer, block in enumerate(network.blocks):
            name, fan_out = names[layer], block.shape[1]
            transposed = block.T.astype(np.float32)  # (fan_out, fan_in + 1)
            if name in EXP_SCALE:
                transposed *= EXP_SCALE[name]
            if layer == last:
                above = np.empty((fan_out, n_points), dtype=np.float32)
            elif keep_hidden:
                above = np.empty((fan_out + 1, n_points), dtype=np.float32)
            else:
                above = pair[layer % 2][: (fan_out + 1) * n_points].reshape(fan_out + 1, n_points)
            units = above[:fan_out]
            np.dot(transposed, below, out=units)
            if layer < last:
                above[-1] = 1.0
            if name in EXP_SCALE:
                _exp_form(name, units)
            elif name == "softmax":
                units -= units.max(axis=0)
                np.exp(units, out=units)
                units /= units.sum(axis=0)
            elif name != "linear":
                ACTIVATIONS[name](units, units)
            if keep_hidden or layer == last:
                outputs.append(units)
            below = above
    for buffer in pair:
        _give(buffer)
    return outputs


#: |feature| on the domain is at most 36 (x1², x2², x1·x2 at the corners)
FEATURE_BOUND = 36.0
#: below float32's largest value (3.4e38), with room for the exp forms' factor 2 and softmax
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
    network: Network, columns: np.ndarray, resolution: int, *, neurons: bool = True
) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """The decision boundary and every unit's (R, R) grid, from one pass over ``columns``.

    Returns ``(boundary, grids)``: ``boundary`` has ``xs``, ``ys`` (R,) and ``values``
    (R, R) float32 — p(class 1), the regression value, or for multiclass the winning
    class's probability along with ``classes`` (R, R) uint8; ``grids`` is one float32
    (n_units, R, R) array per layer, input features first (empty unless ``neurons``).
    All arrays are new and finite.
    """
    shape = (resolution, resolution)
    layers = layer_outputs(network, columns, keep_hidden=neurons)
    grids = [units.reshape(-1, *shape) for units in layers]
    if neurons:
        grids[0] = grids[0].copy()  # the features are cached: hand out a copy
    if not cannot_overflow(network):
        grids = [finite_or_clipped(grid) for grid in grids]
    xs, ys = axes(resolution)
    boundary = {"xs": xs, "ys": ys}
    last = grids[-1]
    if network.problem == "multiclass":
        boundary["classes"] = np.argmax(last, axis=0).astype(np.uint8)
        boundary["values"] = np.max(last, axis=0)
    else:
        boundary["values"] = last[0]
    return boundary, grids if neurons else []
