"""Evaluate a network over a square grid of the domain, for drawing.

Row ``i`` of a grid is y = ys[i] (descending: row 0 is the top), column ``j`` is x = xs[j]
(ascending); the coordinates are cell centres over ``DOMAIN``. A grid's features are computed
once per resolution (``grid_features``); ``draw`` then evaluates every layer over them in
float32 with the points as columns (see ``grid_layers``) — several times faster than points
as rows in float64, and drawing needs no more than float32.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.engine.datasets import DOMAIN
from app.engine.features import make_features_columns
from app.engine.grid_layers import layer_outputs, stacked_layer_outputs
from app.engine.network import Network

#: grids kept by shared_grid_features: at most 2 MB each (256 x 256, every feature)
SHARED_GRIDS = 16


def axes(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres: xs ascending and ys descending, each (R,) float64."""
    low, high = DOMAIN
    centres = low + (np.arange(resolution) + 0.5) * ((high - low) / resolution)
    return centres, centres[::-1].copy()


@dataclass(frozen=True, eq=False)
class GridFeatures:
    """A grid's input features, computed once per resolution and feature list.

    ``columns`` (k + 1, R²) float32 has a last row of ones. When every feature depends on x
    alone or on y alone, ``halves`` (k + 1, 4R) float32 is such that for any layer ``Wb``
    ``Wb.T @ halves`` = [B | 0 | A | 0] with A(x) + B(y) = z = Wb.T @ [features; 1], A and
    B centred (each carries half of z's mean) so that their exps stay in range; the zero
    blocks become the rows of ones of a rank-2 product after the exp (``grid_layers``).
    Otherwise ``halves`` is None.
    """

    resolution: int
    columns: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    halves: np.ndarray | None


@functools.lru_cache(maxsize=SHARED_GRIDS)
def shared_grid_features(resolution: int, feature_names: tuple[str, ...]) -> GridFeatures:
    """``grid_features``, made once per process for every network that draws that grid.

    The sessions of a class draw a few grids between them; one read-only copy of each stays
    in the CPU's cache where a copy per session (120 KB at 100 x 100) would not.
    """
    grid = grid_features(resolution, feature_names)
    for array in (grid.columns, grid.xs, grid.ys, grid.halves):
        if array is not None:
            array.flags.writeable = False
    return grid


def grid_features(resolution: int, feature_names: Sequence[str]) -> GridFeatures:
    """Features of every grid cell as columns plus a row of ones, and their separable form."""
    xs, ys = axes(resolution)
    points = np.empty((resolution * resolution, 2))
    points[:, 0] = np.tile(xs, resolution)
    points[:, 1] = np.repeat(ys, resolution)
    exact = make_features_columns(points, feature_names, dtype=np.float64)
    columns = np.ones((len(feature_names) + 1, resolution * resolution), dtype=np.float32)
    columns[:-1] = exact
    halves = _halves(exact.reshape(-1, resolution, resolution))
    return GridFeatures(resolution, columns, xs, ys, halves)


def _halves(features: np.ndarray) -> np.ndarray | None:
    """(k + 1, 4R) float32: each feature split into a y and an x part, or None if one mixes."""
    k, resolution, _ = features.shape
    halves = np.zeros((k + 1, 4, resolution))  # blocks: y part, 0, x part, 0
    halves[-1, ::2] = 0.5  # the bias row: half on each side
    for row, values in enumerate(features):
        if np.all(values == values[:1]):  # the same in every grid row: x only
            along, side = values[0], 2
        elif np.all(values == values[:, :1]):  # y only
            along, side = values[:, 0], 0
        else:
            return None
        mean = along.mean()
        halves[row, side] = along - mean / 2
        halves[row, 2 - side] = mean / 2
    return halves.reshape(k + 1, 4 * resolution).astype(np.float32)


#: |feature| on the domain is at most 36 (x1², x2², x1·x2 at the corners)
FEATURE_BOUND = 36.0
#: below float32's largest value (3.4e38), with room for the exp forms' factor 2 and softmax
SAFE_BOUND = 1e36


def cannot_overflow(network: Network) -> bool:
    """True when no unit can leave float32's range: then no grid value can be inf or NaN.

    Every activation has |f(z)| <= max(|z|, 1), so with every |parameter| <= p, layer l + 1
    is bounded by (fan_in + 1) · p · max(bound of layer l, 1).
    """
    largest = float(np.abs(network.params).max())  # NaN if any parameter is: then False
    bound = FEATURE_BOUND
    for fan_in in network.layer_sizes[:-1]:
        bound = (fan_in + 1) * largest * max(bound, 1.0)
    return bool(bound < SAFE_BOUND)


def finite_or_clipped(values: np.ndarray) -> np.ndarray:
    """``values`` with nan -> 0 and ±inf -> the dtype's extremes, in place (never NaN out)."""
    with np.errstate(all="ignore"):
        finite = np.isfinite(np.add.reduce(values, axis=None))
    if not finite:
        np.nan_to_num(values, copy=False)
    return values


Drawing = tuple[dict[str, np.ndarray], list[np.ndarray]]


def draw(network: Network, grid: GridFeatures, *, neurons: bool = True) -> Drawing:
    """The decision boundary and every unit's (R, R) grid, from one pass over ``grid``.

    Returns ``(boundary, grids)``: ``boundary`` has ``xs``, ``ys`` (R,) and ``values``
    (R, R) float32 — p(class 1), the regression value, or for multiclass the winning
    class's probability along with ``classes`` (R, R) uint8; ``grids`` is one float32
    (n_units, R, R) array per layer, input features first (empty unless ``neurons``).
    All arrays are new and finite.
    """
    return draw_many([network], grid, neurons=neurons)[0]


def draw_many(
    networks: Sequence[Network], grid: GridFeatures, *, neurons: bool = True
) -> list[Drawing]:
    """``draw`` of each network (all of one shape: layer sizes, activations, output kind),
    evaluated together where they can be (``stacked_layer_outputs``), bit for bit the same."""
    bounded = [cannot_overflow(network) for network in networks]  # first: parameters in cache
    outputs = stacked_layer_outputs(networks, grid, keep_hidden=neurons)
    if outputs is None:  # some could not be drawn with the others: each on its own
        outputs = [layer_outputs(network, grid, keep_hidden=neurons) for network in networks]
    shape = (grid.resolution, grid.resolution)
    drawings = []
    for network, layers, safe in zip(networks, outputs, bounded, strict=True):
        grids = [units.reshape(-1, *shape) for units in layers]
        if not safe:
            grids = [finite_or_clipped(values) for values in grids]
        boundary = {"xs": grid.xs.copy(), "ys": grid.ys.copy()}
        last = grids[-1]
        if network.problem == "multiclass":
            boundary["classes"] = np.argmax(last, axis=0).astype(np.uint8)
            boundary["values"] = np.max(last, axis=0)
        else:
            boundary["values"] = last[0]
        drawings.append((boundary, grids if neurons else []))
    return drawings
