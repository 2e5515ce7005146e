"""Layer-by-layer evaluation of a network over a grid's feature columns, in float32.

Layer l is ``H[l+1] = f(Wb[l].T @ [H[l]; 1])`` with the points as columns: each layer's
units lie on long contiguous rows, followed by a row of ones that carries the next layer's
bias into its product. All parameters are cast to float32 in one call, with each layer's
exp factor folded in.

Each unit is computed by its record's grid form (``activations.GridForm``: the hidden layers'
activations, the output kind's unit in ``losses.OUTPUTS``). tanh is NumPy's float32 tanh
(vectorised: 2.4x faster than an exp form on this machine's NumPy 2.4); the sigmoid is drawn
through one float32 exp. Both also have an exp form, from a denominator:

    tanh z = 1 − 2 / (e^{2z} + 1),    σ(z) = 1 / (e^{−z} + 1).

Both are exact identities, within ~2e-7 of float64 in float32, and saturate cleanly when
e^{…} overflows. When no input feature mixes x1 and x2, a first layer of such units is
*separable*: z = A(x) + B(y), so e^{sz} + 1 = e^{sA(x)} · e^{sB(y)} + 1 is, per unit, one
rank-2 product [e^{sB}, 1] · [e^{sA}, 1]ᵀ (a batched matmul) from 2R exps instead of R².
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy as np

from app.engine.activations import ACTIVATIONS, GridForm
from app.engine.losses import OUTPUTS
from app.engine.network import Network

if TYPE_CHECKING:
    from app.engine.grids import GridFeatures

#: |s · A| and |s · B| up to this keep e^{…} a normal float32 (e^{±80} ≈ 5e34, 2e-35)
SEPARABLE_LIMIT = 80.0
#: below this many cells the separable form's fixed cost (a dozen small calls and one small
#: GEMM per unit, ~20 µs) outweighs the exps it saves (measured break-even near R = 56)
SEPARABLE_MIN_POINTS = 56 * 56


def exp_form(name: str, units: np.ndarray) -> None:
    """Finish tanh or the sigmoid in place on ``units``, which hold its grid form's s · z."""
    ACTIVATIONS[name].grid.apply(units)


def from_denominator(name: str, units: np.ndarray) -> None:
    """Finish tanh or the sigmoid in place from ``units`` = e^{t s z} + 1 (t: its exp_scale)."""
    finish = ACTIVATIONS[name].grid.finish
    assert finish is not None, f"{name} has no exp form"
    finish(units)


def separable_denominator(
    weights: np.ndarray, grid: GridFeatures, units: np.ndarray, exp_scale: float = 1.0
) -> bool:
    """Write e^{t s z} + 1 of every cell into ``units`` (K, n_units, R²); False if it cannot.

    ``weights`` (K, k + 1, n_units) float32, one block per network, carry the factor s; t is
    ``exp_scale``. All K networks or none: False if any would leave the exps' safe range.
    """
    resolution, halves = grid.resolution, grid.halves
    count, _, fan_out = weights.shape
    if halves is None:  # a feature mixes x and y
        return False
    logs = np.matmul(weights.transpose(0, 2, 1), halves)  # (K, fan_out, 4R): s · [B|0|A|0]
    if exp_scale != 1.0:
        logs *= np.float32(exp_scale)
    if not (logs.max() <= SEPARABLE_LIMIT and logs.min() >= -SEPARABLE_LIMIT):  # or NaN
        return False
    np.exp(logs, out=logs)
    factors = logs.reshape(count, fan_out, 4, resolution)  # per unit: e^{sB}, 1, e^{sA}, 1
    left = factors[:, :, :2].transpose(0, 1, 3, 2)  # (K, fan_out, R, 2): rows [e^{sB(y)}, 1]
    np.matmul(left, factors[:, :, 2:], out=units.reshape(count, fan_out, resolution, resolution))
    return True


@dataclass(frozen=True)
class _Plan:
    """Where each layer of one network shape lies: in the flat parameters and in the buffers.

    Layer arrays are [features, *hidden layers, output] with ``rows[l]`` rows each: a hidden
    layer's units and then a row of ones that carries the next layer's bias. ``spans`` places
    them one after another in one buffer (handed out), ``scratch_spans`` alternates the
    hidden layers between two halves of a scratch buffer of ``2 * widest`` rows.
    """

    forms: tuple[GridForm, ...]
    scales: np.ndarray  # per parameter: its layer's exp factor, else 1
    blocks: tuple[tuple[int, int, int], ...]  # (start, stop, fan_out) in the flat parameters
    rows: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    handed: tuple[tuple[int, int], ...]  # the same without the rows of ones
    widest: int
    scratch_spans: tuple[tuple[int, int], ...]


@lru_cache(maxsize=64)
def _plan(layer_sizes: tuple[int, ...], forms: tuple[GridForm, ...]) -> _Plan:
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))
    stops = list(accumulate((fan_in + 1) * fan_out for fan_in, fan_out in shapes))
    blocks = tuple(
        (stop - (fan_in + 1) * fan_out, stop, fan_out)
        for (fan_in, fan_out), stop in zip(shapes, stops, strict=True)
    )
    scales = np.repeat([form.scale for form in forms], [b - a for a, b, _ in blocks])
    scales.flags.writeable = False
    rows = (layer_sizes[0], *(size + 1 for size in layer_sizes[1:-1]), layer_sizes[-1])
    ends = list(accumulate(rows))
    spans = tuple((end - size, end) for size, end in zip(rows, ends, strict=True))
    last = len(rows) - 1
    handed = tuple((a, b - (0 < index < last)) for index, (a, b) in enumerate(spans))
    widest = max(rows[1:-1], default=0)
    scratch_spans = tuple(
        ((index % 2) * widest, (index % 2) * widest + size) for index, size in enumerate(rows[1:-1])
    )
    return _Plan(forms, scales, blocks, rows, spans, handed, widest, scratch_spans)


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


def layer_outputs(
    network: Network, grid: GridFeatures, *, keep_hidden: bool = True
) -> list[np.ndarray]:
    """Every unit's output over the grid, float32, layer by layer: [(n_units, N), ...].

    The first entry is a copy of the features, the last the output layer after its unit:
    p(class 1) for binary, softmax probabilities for multiclass, the value for regression.
    All are new (views of one fresh buffer). With ``keep_hidden=False`` only the output layer
    is returned and the hidden layers live in pooled scratch.
    """
    outputs = stacked_layer_outputs([network], grid, keep_hidden=keep_hidden)
    assert outputs is not None  # one network: never refused
    return outputs[0]


def stacked_layer_outputs(
    networks: Sequence[Network], grid: GridFeatures, *, keep_hidden: bool = True
) -> list[list[np.ndarray]] | None:
    """``layer_outputs`` of each of K networks of one shape (layer sizes, activations, output
    kind), computed together: each product is a stacked ``np.matmul`` (the same BLAS product
    per network as for one), every other step elementwise, so network k's arrays are bit for
    bit those it would get alone. None when some of several networks could not take the
    separable first layer that the others take: draw those networks one by one.
    """
    first, count = networks[0], len(networks)
    forms = (
        *(ACTIVATIONS[name].grid for name in first.hidden_activations),
        OUTPUTS[first.problem].grid,
    )
    plan = _plan(tuple(first.layer_sizes), forms)
    columns = grid.columns
    n_points = columns.shape[1]
    scratch = None
    if keep_hidden:
        fresh = np.empty((count, plan.spans[-1][1], n_points), dtype=np.float32)
        layers = [fresh[:, a:b] for a, b in plan.spans[1:]]
    else:
        size = count * 2 * plan.widest * n_points
        scratch = _take(size)
        pair = scratch[:size].reshape(count, -1, n_points)
        layers = [pair[:, a:b] for a, b in plan.scratch_spans]
        layers.append(np.empty((count, plan.rows[-1], n_points), dtype=np.float32))
    params = first.params[None] if count == 1 else np.array([n.params for n in networks])
    below = columns
    try:
        with np.errstate(all="ignore"):
            scaled = np.multiply(params, plan.scales, dtype=np.float32)
            for (start, stop, fan_out), form, above in zip(plan.blocks, forms, layers, strict=True):
                weights = scaled[:, start:stop].reshape(count, -1, fan_out)
                units = above[:, :fan_out]
                if above.shape[1] > fan_out:
                    above[:, -1] = 1.0
                separable = (
                    below is columns
                    and form.finish is not None
                    and n_points >= SEPARABLE_MIN_POINTS
                    and grid.halves is not None
                )
                if separable and separable_denominator(weights, grid, units, form.exp_scale):
                    assert form.finish is not None
                    form.finish(units)
                elif separable and count > 1:
                    return None
                else:
                    np.matmul(weights.transpose(0, 2, 1), below, out=units)
                    form.apply(units)
                below = above
    finally:
        if scratch is not None:
            _give(scratch)
    if not keep_hidden:
        return [[layers[-1][index]] for index in range(count)]
    np.copyto(fresh[:, : plan.rows[0]], columns[:-1])
    return [[fresh[index, a:b] for a, b in plan.handed] for index in range(count)]
