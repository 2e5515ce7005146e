"""Layer-by-layer evaluation of a network over a grid's feature columns, in float32.

Layer l is ``H[l+1] = f(Wb[l].T @ [H[l]; 1])`` with the points as columns: each layer's
units lie on long contiguous rows, followed by a row of ones that carries the next layer's
bias into its product. All parameters are cast to float32 in one call, with each layer's
exp factor folded in.

tanh and the sigmoid are drawn through one float32 exp (NumPy vectorises it far better than
its tanh):

    tanh z = 1 − 2 / (e^{2z} + 1),    σ(z) = 1 / (e^{−z} + 1).

Both are exact identities, within ~2e-7 of float64 in float32, and saturate cleanly when
e^{…} overflows. When no input feature mixes x1 and x2, a first layer of such units is
*separable*: z = A(x) + B(y), so e^{sz} + 1 = e^{sA(x)} · e^{sB(y)} + 1 is, per unit, one
rank-2 product [e^{sB}, 1] · [e^{sA}, 1]ᵀ (a batched matmul) from 2R exps instead of R².
"""

from __future__ import annotations

import threading
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy as np

from app.engine.activations import ACTIVATIONS
from app.engine.network import Network

if TYPE_CHECKING:
    from app.engine.grids import GridFeatures

#: the factor s of ``e^{s z}`` that tanh and the sigmoid are computed from
EXP_SCALE = {"tanh": 2.0, "sigmoid": -1.0}
OUTPUT_UNIT = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
#: |s · A| and |s · B| up to this keep e^{…} a normal float32 (e^{±80} ≈ 5e34, 2e-35)
SEPARABLE_LIMIT = 80.0
#: below this many cells the separable form's fixed cost (a dozen small calls and one small
#: GEMM per unit, ~20 µs) outweighs the exps it saves (measured break-even near R = 56)
SEPARABLE_MIN_POINTS = 56 * 56


def exp_form(name: str, units: np.ndarray) -> None:
    """Finish tanh or the sigmoid in place on ``units``, which hold EXP_SCALE[name] · z."""
    np.exp(units, out=units)
    np.add(units, 1.0, out=units)
    from_denominator(name, units)


def from_denominator(name: str, units: np.ndarray) -> None:
    """Finish tanh or the sigmoid in place from ``units`` = e^{s z} + 1."""
    if name == "tanh":
        np.divide(-2.0, units, out=units)
        np.add(units, 1.0, out=units)
    else:
        np.divide(1.0, units, out=units)


def activate(name: str, units: np.ndarray, zeros: np.ndarray) -> None:
    """Apply the unit ``name`` in place to ``units`` (n_units, N): s · z for the exp forms.

    ``zeros`` is a row of N zeros: np.maximum against a contiguous row runs ~4x faster on
    float32 than against the scalar 0 (and ~2x faster than np.clip).
    """
    if name in EXP_SCALE:
        exp_form(name, units)
    elif name == "relu":
        np.maximum(units, zeros, out=units)
    elif name == "softmax":
        units -= units.max(axis=0)
        np.exp(units, out=units)
        units /= units.sum(axis=0)
    elif name != "linear":
        ACTIVATIONS[name](units, units)


def separable_denominator(
    block: np.ndarray, grid: GridFeatures, scale: float, units: np.ndarray
) -> bool:
    """Write e^{s z} + 1 of every cell into ``units`` (n_units, R²); False if out of range."""
    resolution, fan_out = grid.resolution, block.shape[1]
    logs = np.dot(block.T, grid.halves[scale])  # (fan_out, 2R) = s · [A | B]
    if not np.max(np.abs(logs)) <= SEPARABLE_LIMIT:  # False for NaN too
        return False
    # factors[0] = [e^{sA}; 1] (fan_out, 2, R), factors[1] = [e^{sB}; 1]
    factors = np.empty((2, fan_out, 2, resolution), dtype=np.float32)
    factors[:, :, 1] = 1.0
    exps = factors[:, :, 0]
    np.copyto(exps, logs.reshape(fan_out, 2, resolution).transpose(1, 0, 2), casting="unsafe")
    np.exp(exps, out=exps)
    left = factors[1].transpose(0, 2, 1)  # (fan_out, R, 2): rows [e^{sB(y_i)}, 1]
    np.matmul(left, factors[0], out=units.reshape(fan_out, resolution, resolution))
    return True


@lru_cache(maxsize=64)
def _scales(layer_sizes: tuple[int, ...], names: tuple[str, ...]) -> np.ndarray:
    """Per-parameter factor of the flat vector: each layer's exp factor s, else 1."""
    sizes = [
        (fan_in + 1) * fan_out
        for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    ]
    factors = [EXP_SCALE.get(name, 1.0) for name in names]
    scales = np.repeat(factors, sizes)
    scales.flags.writeable = False
    return scales


#: Hidden layers that are not handed out go to pooled float32 buffers, reused across calls
#: (and threads), so that they are written in warm memory. At most ``POOLED`` buffers of at
#: most ``POOLED_BYTES`` each are kept.
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


def _buffers(
    rows: list[int], n_points: int, keep_hidden: bool
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(rows[l], n_points) float32 arrays, [features, *layers], and pooled buffers to give back.

    Handed out, every array is a view of one fresh buffer; otherwise the hidden layers
    alternate between two pooled buffers, the features are not copied (an empty entry) and
    only the output layer is fresh.
    """
    if keep_hidden:
        fresh = np.empty((sum(rows), n_points), dtype=np.float32)
        return [
            fresh[end - size : end] for size, end in zip(rows, accumulate(rows), strict=True)
        ], []
    hidden = rows[1:-1]
    pair = [_take(max(hidden) * n_points) for _ in hidden[:2]]
    arrays = [np.empty((0, n_points), dtype=np.float32)]
    arrays += [
        pair[index % 2][: size * n_points].reshape(size, n_points)
        for index, size in enumerate(hidden)
    ]
    arrays.append(np.empty((rows[-1], n_points), dtype=np.float32))
    return arrays, pair


def layer_outputs(
    network: Network, grid: GridFeatures, *, keep_hidden: bool = True
) -> list[np.ndarray]:
    """Every unit's output over the grid, float32, layer by layer: [(n_units, N), ...].

    The first entry is a copy of the features, the last the output layer after its unit:
    p(class 1) for binary, softmax probabilities for multiclass, the value for regression.
    All are new (views of one fresh buffer). With ``keep_hidden=False`` only the output layer
    is returned and the hidden layers live in pooled scratch.
    """
    columns = grid.columns
    n_points, last = columns.shape[1], network.n_layers - 1
    names = (*network.hidden_activations, OUTPUT_UNIT[network.problem])
    sizes = network.layer_sizes
    # every layer but the output gets a row of ones below its units, for the next bias
    rows = [sizes[0], *(size + 1 for size in sizes[1:-1]), sizes[-1]]
    arrays, pooled = _buffers(rows, n_points, keep_hidden)
    below = columns
    with np.errstate(all="ignore"):
        scaled = np.multiply(network.params, _scales(tuple(sizes), names), dtype=np.float32)
        if keep_hidden:
            np.copyto(arrays[0], columns[:-1])
        for layer, name in enumerate(names):
            above, fan_in, fan_out = arrays[layer + 1], sizes[layer], sizes[layer + 1]
            units = above[:fan_out]
            if layer < last:
                above[-1] = 1.0
            if not (
                layer == 0
                and name in EXP_SCALE
                and grid.halves
                and n_points >= SEPARABLE_MIN_POINTS
                and separable_denominator(network.blocks[0], grid, EXP_SCALE[name], units)
            ):
                start = network.offsets[layer]
                weights = scaled[start : start + (fan_in + 1) * fan_out].reshape(-1, fan_out)
                np.matmul(weights.T, below, out=units)
                activate(name, units, grid.zeros)
            else:
                from_denominator(name, units)
            below = above
    for buffer in pooled:
        _give(buffer)
    if keep_hidden:
        return [array[: rows[index] - (0 < index <= last)] for index, array in enumerate(arrays)]
    return [arrays[-1]]
