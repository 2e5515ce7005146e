"""A trainer's state as the check language reads it (``checks.Observation``)."""

from __future__ import annotations

from typing import Any

from app.engine import Trainer
from app.lessons.checks import FIELDS, Observation

STATE_KEYS = ("status", "epoch", "iteration", "iterations_per_epoch")


def observe(trainer: Trainer, run: int) -> Observation:
    """Read ``trainer`` once (call it under the session's lock); ``run`` as ``Observation``."""
    config = trainer.config
    values: dict[str, Any] = {
        name: getattr(config, name) for name in FIELDS if name != "hidden_activations"
    }
    values["hidden_activations"] = config.hidden_activations
    state = trainer.state()
    sizes = trainer.layer_sizes
    counts: dict[str, Any] = {
        "hidden_layers": len(config.hidden_layers),
        "hidden_neurons": sum(config.hidden_layers),
        "inputs": sizes[0],
        "output_units": sizes[-1],
        "parameters": sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)),
        "train_samples": len(trainer.X_train),
        "test_samples": len(trainer.X_test),
        "hidden_sizes": tuple(zip(config.hidden_layers, config.hidden_activations, strict=True)),
    }
    norms = trainer.epoch_gradient_norms()
    return Observation(
        config=values,
        state={key: state[key] for key in STATE_KEYS},
        metrics=trainer.metrics(),
        counts=counts,
        epoch_gradient_norms=None if norms is None else tuple(norms),
        run=run,
    )
