"""Encode a trainer's current state as one stream frame (see docs/protocol.md).

A frame is a JSON-ready header dict plus one ``bytes`` blob holding every grid as uint8,
C order, one after another. A byte ``q`` stands for ``lo + (hi - lo) * q / 255``, so
quantising is ``q = round((v - lo) / (hi - lo) * 255)`` clipped to [0, 255]; the error of a
decoded value is at most ``(hi - lo) / 510``. The ``neurons`` grid has a range per layer
(``layer_ranges``), so a tanh layer keeps all 256 levels beside features as large as x1².

Nothing non-finite leaves this module: header numbers that are not finite (possible only in
a diverged session) become ``None``, and non-finite grid values encode as byte 0.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import numpy as np
import orjson

# Weights and biases are shown, not reloaded (the model endpoint is exact): six decimals keep
# the header short and its JSON encoding cheap.
WEIGHT_DECIMALS = 6
# The smallest span a grid may have, so that decoding never divides by zero.
MIN_SPAN = 1e-9


class FrameSource(Protocol):
    """What a frame is made from: the parts of ``app.engine.Trainer`` that are read."""

    @property
    def problem(self) -> str: ...
    @property
    def layer_sizes(self) -> list[int]: ...
    def state(self) -> dict[str, Any]: ...
    def boundary(self, resolution: int) -> dict[str, Any]: ...
    def neuron_grids(self, resolution: int) -> list[np.ndarray]: ...
    def weights(self) -> list[np.ndarray]: ...
    def biases(self) -> list[np.ndarray]: ...
    def gradient_norms(self) -> list[float]: ...
    def mean_activations(self) -> list[float]: ...


@dataclass(frozen=True)
class Frame:
    header: dict[str, Any]  # the "frame" text message, ready for json.dumps
    payload: bytes  # the binary message that follows it; len == header["byte_length"]


def finite_or_none(value: Any) -> float | None:
    """A header number: the float itself if finite, else None (never NaN or infinity)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def finite_list(array: np.ndarray, decimals: int | None = None) -> list[Any]:
    """``array.tolist()`` with non-finite entries as None, optionally rounded."""
    values = np.asarray(array, dtype=np.float64)
    if decimals is not None:
        values = np.round(values, decimals)
    if np.isfinite(values).all():
        return values.tolist()
    cleaned = values.astype(object)
    cleaned[~np.isfinite(values)] = None
    return cleaned.tolist()


def rounded_lists(arrays: Sequence[np.ndarray], decimals: int) -> list[list[Any]]:
    """``finite_list(a, decimals)`` for each array, with one rounding pass over all of them."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    flat = np.concatenate([a.ravel() for a in arrays]) if arrays else np.empty(0)
    if not np.isfinite(flat).all():
        return [finite_list(a, decimals) for a in arrays]
    flat = np.round(flat, decimals)
    lists: list[list[Any]] = []
    start = 0
    for a in arrays:
        nested = cast(list[Any], flat[start : start + a.size].reshape(a.shape).tolist())
        lists.append(nested)
        start += a.size
    return lists


def quantize_into(values: np.ndarray, lo: float, hi: float, out: np.ndarray) -> None:
    """Write ``round((values - lo) / (hi - lo) * 255)``, clipped to [0, 255], into uint8 ``out``.

    ``out`` must have ``values.size`` elements; non-finite values become 0.
    """
    scaled = np.subtract(values, lo, dtype=np.float32)
    scaled *= np.float32(255.0 / max(hi - lo, MIN_SPAN))
    _round_into(scaled, out)


def quantize_rows_into(
    values: np.ndarray, bounds: Sequence[float], rows: Sequence[int], out: np.ndarray
) -> None:
    """``quantize_into`` with a symmetric range per run of rows: the first ``rows[0]`` rows of
    ``values`` over [-bounds[0], bounds[0]], the next ``rows[1]`` over the next, and so on."""
    half_steps = np.float32(127.5) / np.asarray(bounds, dtype=np.float32)
    per_row = np.repeat(half_steps, rows).reshape(-1, *([1] * (values.ndim - 1)))
    scaled = np.multiply(values, per_row, dtype=np.float32)
    scaled += np.float32(127.5)  # (v + b) * 255 / 2b = v * 127.5 / b + 127.5
    _round_into(scaled, out)


def _round_into(scaled: np.ndarray, out: np.ndarray) -> None:
    """Values already scaled to [0, 255] (non-finite -> 0), rounded, into uint8 ``out``."""
    if not np.isfinite(scaled).all():
        np.copyto(scaled, 0.0, where=~np.isfinite(scaled))
    np.clip(scaled, 0.0, 255.0, out=scaled)
    scaled += np.float32(0.5)  # the cast truncates: +0.5 makes it round to nearest
    out[...] = scaled.reshape(out.shape)


def finite_range(values: np.ndarray) -> tuple[float, float]:
    """(min, max) over the finite entries, (0, 0) if there are none."""
    finite = values[np.isfinite(values)] if not np.isfinite(values).all() else values
    if finite.size == 0:
        return 0.0, 0.0
    return float(finite.min()), float(finite.max())


def axis_range(centres: np.ndarray) -> list[float]:
    """[low edge, high edge] of a grid axis given its R cell centres (either order)."""
    return list(_axis_range(float(centres[0]), float(centres[-1]), len(centres)))


@functools.lru_cache(maxsize=64)
def _axis_range(first: float, last: float, count: int) -> tuple[float, float]:
    low, high = min(first, last), max(first, last)
    half_cell = (high - low) / (count - 1) / 2 if count > 1 else 0.5
    return round(low - half_cell, 9), round(high + half_cell, 9)


@dataclass
class _Grid:
    name: str
    values: np.ndarray
    lo: float
    hi: float
    raw: bool = False  # bytes copied as they are (class indices)
    # Instead of lo/hi (then unused): the layers' ranges, each [-bound, bound], and how many
    # rows (units) each layer has.
    layer_bounds: list[float] | None = None
    layer_rows: list[int] | None = None


def _boundary_grids(problem: str, boundary: dict[str, Any]) -> list[_Grid]:
    values = np.asarray(boundary["values"])
    if problem == "regression":
        lo, hi = finite_range(values)
        grids = [_Grid("boundary", values, lo, max(hi, lo + MIN_SPAN))]
    else:
        grids = [_Grid("boundary", values, 0.0, 1.0)]
    if problem == "multiclass":
        classes = np.asarray(boundary["classes"], dtype=np.uint8)
        grids.append(_Grid("boundary_class", classes, 0.0, 255.0, raw=True))
    return grids


def _neuron_grid(layers: Sequence[np.ndarray], thumbnail_resolution: int) -> _Grid:
    """Every unit's thumbnail; each layer quantised over its own range, symmetric around 0."""
    shape = (thumbnail_resolution, thumbnail_resolution)
    blocks = [np.asarray(layer).reshape(-1, *shape) for layer in layers]
    rows = [block.shape[0] for block in blocks]
    stacked = np.concatenate(blocks)
    magnitudes = np.abs(stacked.reshape(len(stacked), -1))
    unit_max: list[float] = magnitudes.max(axis=1).tolist()  # a few hundred units at most
    if not all(map(math.isfinite, unit_max)):  # only in a diverged session: finite values only
        unit_max = np.where(np.isfinite(magnitudes), magnitudes, 0.0).max(axis=1).tolist()
    bounds, start = [], 0
    for count in rows:
        bounds.append(max(max(unit_max[start : start + count], default=0.0), MIN_SPAN))
        start += count
    return _Grid("neurons", stacked, 0.0, 0.0, layer_bounds=bounds, layer_rows=rows)


def pack_grids(grids: Sequence[_Grid]) -> tuple[list[dict[str, Any]], bytes]:
    """Lay the grids out one after another; return their header entries and the bytes."""
    entries: list[dict[str, Any]] = []
    offset = 0
    for grid in grids:
        entry: dict[str, Any] = {
            "name": grid.name,
            "offset": offset,
            "shape": list(grid.values.shape),
        }
        if grid.layer_bounds is None:
            entry["lo"], entry["hi"] = grid.lo, grid.hi
        else:
            entry["layer_ranges"] = [[-bound, bound] for bound in grid.layer_bounds]
        entries.append(entry)
        offset += grid.values.size
    buffer = np.empty(offset, dtype=np.uint8)
    for grid, entry in zip(grids, entries, strict=True):
        target = buffer[entry["offset"] : entry["offset"] + grid.values.size]
        if grid.raw:
            target[...] = grid.values.reshape(-1)
        elif grid.layer_bounds is None:
            quantize_into(grid.values, grid.lo, grid.hi, target)
        else:
            assert grid.layer_rows is not None
            quantize_rows_into(grid.values, grid.layer_bounds, grid.layer_rows, target)
    return entries, buffer.tobytes()


def clean_state(state: dict[str, Any]) -> dict[str, Any]:
    """The trainer's state with every float finite or None and diverged_at as a list."""
    cleaned: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, bool | str) or value is None:
            cleaned[key] = value
        elif isinstance(value, int | np.integer):
            cleaned[key] = int(value)
        elif isinstance(value, float | np.floating):
            cleaned[key] = finite_or_none(value)
        elif isinstance(value, tuple | list):
            cleaned[key] = [int(part) for part in value]
        else:
            cleaned[key] = value
    return cleaned


def encode_frame(
    trainer: FrameSource,
    *,
    seq: int,
    playing: bool,
    resolution: int,
    thumbnail_resolution: int,
) -> Frame:
    """Read the trainer once and build the frame. Call it while holding the session's lock."""
    boundary = trainer.boundary(resolution)
    grids = _boundary_grids(trainer.problem, boundary)
    grids.append(_neuron_grid(trainer.neuron_grids(thumbnail_resolution), thumbnail_resolution))
    entries, payload = pack_grids(grids)
    weights = trainer.weights()
    layers = len(weights)
    parameters = rounded_lists([*weights, *trainer.biases()], WEIGHT_DECIMALS)  # one pass
    header = {
        "type": "frame",
        "seq": seq,
        "playing": playing,
        "state": clean_state(trainer.state()),
        "problem": trainer.problem,
        "layer_sizes": list(trainer.layer_sizes),
        "weights": parameters[:layers],
        "biases": parameters[layers:],
        "gradient_norms": [finite_or_none(g) for g in trainer.gradient_norms()],
        "mean_activations": [finite_or_none(a) for a in trainer.mean_activations()],
        "grids": entries,
        "byte_length": len(payload),
        "xs_range": axis_range(np.asarray(boundary["xs"])),
        "ys_range": axis_range(np.asarray(boundary["ys"])),
    }
    return Frame(header=header, payload=payload)


def header_text(header: dict[str, Any]) -> str:
    """The header as its JSON text message. orjson: a frame is encoded tens of times a second
    per session, and orjson takes a tenth of the time ``json.dumps`` does (4 against 50 µs for
    a spiral 8-8 frame). A NaN would come out as null, but ``encode_frame`` lets none in."""
    return orjson.dumps(header, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def decode_grid(header: dict[str, Any], payload: bytes, name: str) -> np.ndarray:
    """The inverse, for clients and tests: a grid's values as float32 (raw bytes for classes).

    ``neurons`` is decoded layer by layer: ``layer_ranges[l]`` applies to the
    ``layer_sizes[l]`` units of layer ``l``.
    """
    entry = next(grid for grid in header["grids"] if grid["name"] == name)
    size = int(np.prod(entry["shape"]))
    raw = np.frombuffer(payload, dtype=np.uint8, count=size, offset=entry["offset"])
    raw = raw.reshape(entry["shape"])
    if name == "boundary_class":
        return raw.copy()
    if "layer_ranges" not in entry:
        return _decode(raw, entry["lo"], entry["hi"])
    parts, row = [], 0
    for units, (lo, hi) in zip(header["layer_sizes"], entry["layer_ranges"], strict=True):
        parts.append(_decode(raw[row : row + units], lo, hi))
        row += units
    return np.concatenate(parts)


def _decode(raw: np.ndarray, lo: float, hi: float) -> np.ndarray:
    scale = (hi - lo) / 255.0
    return (lo + raw.astype(np.float32) * np.float32(scale)).astype(np.float32)
