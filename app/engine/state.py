"""A trainer's whole state as a plain dict (lists, ints, floats, str) and back.

Holds the config, weights and biases, the optimizer's slots, the counters, the epoch's
sample order, the stability watch (reference, scale and window of losses), the epoch's
gradient-norm sums and the last epoch's means, and the rng state,
so that training 10 epochs equals training 5, exporting, importing into a new trainer and
training 5 more, bit for bit, status included. Floats survive JSON exactly
(Python writes the shortest repr that round-trips); the rng's 128-bit integers travel as
hexadecimal strings so that no JSON reader rounds them.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from app.engine.config import FIELD_NAMES, Limits, TrainerConfig, fail
from app.engine.stability import STATUSES, StabilityWatch
from app.engine.stepper import finite

if TYPE_CHECKING:
    from app.engine.stepper import Stepper
    from app.engine.trainer import Trainer

FORMAT = "nn-playground/trainer"
VERSION = 1
_TUPLE_FIELDS = ("features", "hidden_layers", "layer_activations")


def export_state(trainer: Trainer) -> dict[str, Any]:
    stepper = trainer.stepper
    config = dataclasses.asdict(trainer.config)
    for name in _TUPLE_FIELDS:
        if config[name] is not None:
            config[name] = list(config[name])
    if config["points"] is not None:
        config["points"] = [[list(p) for p in config["points"][0]], list(config["points"][1])]
    bit_state = trainer.rng.bit_generator.state
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": config,
        "weights": [w.tolist() for w in trainer.weights()],
        "biases": [b.tolist() for b in trainer.biases()],
        "optimizer_slots": [slot.tolist() for slot in stepper.slots],
        "epoch": trainer.epoch,
        "iteration": trainer.iteration,
        "cursor": stepper.cursor,
        "order": stepper.order.tolist() if stepper.order_ready else None,
        "status": trainer.status,
        "diverged_at": list(trainer.diverged_at) if trainer.diverged_at else None,
        "stability": trainer.stability.snapshot(),
        "gradient_norms": trainer.gradient_norms(),
        "mean_activations": trainer.mean_activations(),
        "epoch_gradient_norms": trainer.epoch_gradient_norms(),
        # a sum can overflow (to inf) in a run about to diverge: kept as the largest float
        "epoch_gradient_sums": [finite(float(value)) for value in stepper.norm_sums[::2]],
        "epoch_gradient_updates": stepper.norm_updates,
        "rng": {
            "bit_generator": bit_state["bit_generator"],
            "state": format(bit_state["state"]["state"], "x"),
            "inc": format(bit_state["state"]["inc"], "x"),
            "has_uint32": int(bit_state["has_uint32"]),
            "uinteger": int(bit_state["uinteger"]),
        },
    }


def import_state(cls: type[Trainer], state: Any, limits: Limits | None) -> Trainer:
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise fail("state", f"a dict with format {FORMAT!r}", type(state).__name__)
    if state.get("version") != VERSION:
        raise fail("state.version", str(VERSION), state.get("version"))
    trainer = cls(_config(state.get("config")), limits=limits)
    trainer.load_parameters(_get(state, "weights", list), _get(state, "biases", list))
    stepper = trainer.stepper
    slots = _get(state, "optimizer_slots", list)
    if len(slots) != len(stepper.slots):
        raise fail("state.optimizer_slots", f"{len(stepper.slots)} arrays", len(slots))
    for index, (target, values) in enumerate(zip(stepper.slots, slots, strict=True)):
        array = np.asarray(values, dtype=np.float64)
        if array.shape != target.shape or not np.isfinite(array).all():
            raise fail(f"state.optimizer_slots[{index}]", f"{target.size} finite numbers", "other")
        target[...] = array
    n_train = stepper.n_train
    trainer.epoch = _count(state, "epoch")
    trainer.iteration = _count(state, "iteration")
    cursor = _count(state, "cursor")
    order = state.get("order")
    if order is not None:
        array = np.asarray(order)
        if array.shape != (n_train,) or not np.array_equal(np.sort(array), np.arange(n_train)):
            raise fail("state.order", f"a permutation of 0..{n_train - 1}", "other")
        stepper.apply_order(array.astype(np.intp))
    if cursor >= n_train or (cursor and order is None):
        raise fail("state.cursor", f"a position below {n_train} within a drawn order", cursor)
    stepper.cursor = cursor
    status = state.get("status")
    if status not in STATUSES:
        raise fail("state.status", f"one of {', '.join(map(repr, STATUSES))}", status)
    trainer.status = status
    # an export from before the watch has no "stability": its window starts empty
    trainer.stability = StabilityWatch.restore(state.get("stability"))
    at = state.get("diverged_at")
    trainer.diverged_at = (int(at[0]), int(at[1])) if status == "diverged" and at else None
    shown = [_floats(state, "gradient_norms"), _floats(state, "mean_activations")]
    if any(shown):
        stepper.shown = (shown[0], shown[1])
    _restore_epoch_norms(stepper, state)
    trainer.rng = np.random.default_rng()
    trainer.rng.bit_generator.state = _rng_state(state.get("rng"))
    return trainer


def _config(values: Any) -> TrainerConfig:
    if not isinstance(values, dict) or set(values) - FIELD_NAMES:
        raise fail("state.config", "a dict of TrainerConfig fields", values)
    values = dict(values)
    for name in _TUPLE_FIELDS:
        if isinstance(values.get(name), list):
            values[name] = tuple(values[name])
    points = values.get("points")
    if isinstance(points, list | tuple) and len(points) == 2:
        values["points"] = (tuple(tuple(p) for p in points[0]), tuple(points[1]))
    return TrainerConfig(**values)


def _get(state: dict[str, Any], key: str, kind: type) -> Any:
    value = state.get(key)
    if not isinstance(value, kind):
        raise fail(f"state.{key}", f"a {kind.__name__}", type(value).__name__)
    return value


def _count(state: dict[str, Any], key: str) -> int:
    value = state.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(f"state.{key}", "a non-negative integer", value)
    return value


def _floats(state: dict[str, Any], key: str) -> list[float]:
    values = state.get(key) or []
    if not isinstance(values, list) or not all(
        isinstance(v, int | float) and math.isfinite(v) for v in values
    ):
        raise fail(f"state.{key}", "a list of finite numbers", values)
    return [float(v) for v in values]


def _restore_epoch_norms(stepper: Stepper, state: dict[str, Any]) -> None:
    """The epoch means and this epoch's sums so far (an export from before them has none)."""
    n_layers = len(stepper.norm_sums) // 2
    if state.get("epoch_gradient_norms") is not None:
        norms = _floats(state, "epoch_gradient_norms")
        if len(norms) != n_layers:
            raise fail("state.epoch_gradient_norms", f"{n_layers} numbers", len(norms))
        stepper.epoch_norms = norms
    sums = _floats(state, "epoch_gradient_sums") or [0.0] * n_layers
    if len(sums) != n_layers:
        raise fail("state.epoch_gradient_sums", f"{n_layers} numbers", len(sums))
    stepper.norm_sums[::2] = sums
    if "epoch_gradient_updates" in state:
        stepper.norm_updates = _count(state, "epoch_gradient_updates")


def _rng_state(values: Any) -> dict[str, Any]:
    try:
        return {
            "bit_generator": str(values["bit_generator"]),
            "state": {"state": int(values["state"], 16), "inc": int(values["inc"], 16)},
            "has_uint32": int(values["has_uint32"]),
            "uinteger": int(values["uinteger"]),
        }
    except (KeyError, TypeError, ValueError) as error:
        raise fail("state.rng", "the exported rng state", values) from error
