"""The wire form of an iteration looked into (``app.engine.inspection``; docs/protocol.md):
a frame header's ``batch`` and the ``inspection`` message. Every number finite or None."""

from __future__ import annotations

from typing import Any

from app.engine.inspection import BatchRecord, WeightStep
from app.services.frames import finite_or_none


def batch_header(record: BatchRecord) -> dict[str, Any]:
    """``{"train_indices", "position", "of", "epoch"}``: indices into the training points."""
    return {
        "train_indices": [int(index) for index in record.indices],
        "position": record.position,
        "of": record.of,
        "epoch": record.epoch,
    }


def inspection_message(step: WeightStep) -> dict[str, Any]:
    """The answer to ``inspect_step``: one weight before and after one update."""
    message: dict[str, Any] = {
        "type": "inspection",
        "layer": step.layer,
        "from": step.source,
        "to": step.target,
        "value": finite_or_none(step.value),
        "gradient": finite_or_none(step.gradient),
        "penalty_gradient": finite_or_none(step.penalty_gradient),
        "learning_rate": step.learning_rate,
        "optimizer": step.optimizer,
        "value_after": finite_or_none(step.value_after),
        "stepped": step.batch is not None,
        "iteration": step.iteration,
    }
    if step.optimizer == "momentum":
        message["momentum"] = step.momentum
    if step.slots_before:
        message["optimizer_state"] = {
            "before": {name: finite_or_none(v) for name, v in step.slots_before.items()},
            "after": {name: finite_or_none(v) for name, v in step.slots_after.items()},
        }
    return message
