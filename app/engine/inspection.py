"""One iteration looked into: which mini-batch it used, and what it did to one weight.

``train_one_batch`` trains one update and says which training points made its mini-batch:
indices into ``trainer.X_train`` (the order ``GET /api/sessions/{id}/data`` lists them), its
position in the epoch and the epoch's number. The epoch's order is drawn at its start, and
batch ``i`` is the ``i``-th run of ``batch_size`` points of that order, so the batch of an
update that began at position ``start`` is ``order[start : start + size]``.

``step_weight`` does the same update and reports, for one weight ``w = W[layer][from, to]``,
the numbers of the rule that moved it, read from the stepper itself:

- ``gradient`` is ∂L/∂w on that batch, the penalty's part included (L = mean data loss +
  penalty), computed by the very program the update then runs, on the same weights;
- with ``sgd`` (and the ``perceptron``, whose "gradient" is its error signal, not a
  derivative of the loss) ``value_after = value − learning_rate · gradient``, to rounding;
- with ``momentum`` (v ← μ·v − lr·g; w ← w + v) and ``adam`` the step also depends on the
  optimizer's state for that weight, reported before and after the update.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.engine.losses import penalty_gradient
from app.engine.trainer import Trainer

# The optimizer's state for one parameter, by name, per optimizer (the stepper's slots).
SLOT_NAMES: dict[str, tuple[str, ...]] = {
    "momentum": ("velocity",),
    "adam": ("first_moment", "second_moment", "step"),
}


@dataclass(frozen=True)
class BatchRecord:
    """The mini-batch of one update, and the run it belongs to (to tell when it is past)."""

    indices: np.ndarray  # into trainer.X_train, in the order the batch held them
    position: int  # 1 for the epoch's first update
    of: int  # iterations per epoch
    epoch: int  # 1 for the first epoch
    iteration: int  # the trainer's update count after it
    stepper: object = field(repr=False)  # the run: a reset or rebuild makes a new one
    points: np.ndarray = field(repr=False)  # the data: new data is a new array

    def current(self, trainer: Trainer) -> bool:
        """Whether ``trainer`` has done nothing since this update (no training, no new run)."""
        return (
            trainer.iteration == self.iteration
            and trainer.stepper is self.stepper
            and trainer.X_train is self.points
        )


@dataclass(frozen=True)
class WeightStep:
    """One update as it moved one weight (see the module's docstring)."""

    layer: int
    source: int
    target: int
    value: float
    gradient: float
    penalty_gradient: float  # the penalty's part of ``gradient`` (0 without one)
    learning_rate: float
    optimizer: str
    momentum: float
    value_after: float
    slots_before: dict[str, float]
    slots_after: dict[str, float]
    iteration: int  # the trainer's update count after it
    batch: BatchRecord | None  # None if the update was not made (divergence)


def train_one_batch(trainer: Trainer) -> BatchRecord | None:
    """Train one update; its batch, or None if it was not made (a diverged run)."""
    stepper = trainer.stepper
    start = stepper.cursor
    of = trainer.iterations_per_epoch
    position = max(1, of - trainer.iterations_to_epoch_end() + 1)
    epoch, iteration = trainer.epoch + 1, trainer.iteration
    trainer.train_iterations(1)
    if trainer.iteration != iteration + 1:
        return None
    # The order stays until the next epoch's first update draws a new one.
    indices = stepper.order[start : start + stepper.last_size].copy()
    return BatchRecord(indices, position, of, epoch, trainer.iteration, stepper, trainer.X_train)


def parameter_index(trainer: Trainer, layer: int, source: int, target: int) -> int:
    """Where W[layer][source, target] sits in the flat parameter vector; ValueError (naming
    ``layer``, ``from`` or ``to``) if the network has no such weight."""
    network = trainer.network
    layer = _index("layer", layer, network.n_layers)
    fan_in, fan_out = network.shapes[layer]
    source = _index("from", source, fan_in)
    target = _index("to", target, fan_out)
    # block l is (fan_in + 1, fan_out), row-major, the bias row last
    return network.offsets[layer] + source * fan_out + target


def step_weight(trainer: Trainer, layer: int, source: int, target: int) -> WeightStep:
    """Train one update (as ``train_one_batch``) and report what it did to one weight.

    The read-outs of the last update (gradient norms, mean activations) are kept while the
    gradient is read, and the epoch's order is drawn first if the update starts an epoch
    (the same draw the update would make), so the run goes on exactly as without this.
    """
    index = parameter_index(trainer, layer, source, target)
    if trainer.status == "diverged":
        raise ValueError("inspect_step: expected a session that trains, got a diverged one")
    stepper, config = trainer.stepper, trainer.config
    if stepper.last_size and stepper.shown is None:
        stepper.shown = (stepper.gradient_norms(), stepper.mean_activations())
    if stepper.cursor == 0 and not stepper.order_ready:
        stepper.shuffle(trainer.rng)
    params = trainer.network.params
    value = float(params[index])
    with np.errstate(all="ignore"):
        gradient = float(stepper.batch_gradient()[index])
        weight = np.array([value])
        penalty_part = float(
            penalty_gradient(config.regularization, weight, config.regularization_rate)[0]
        )
    names = SLOT_NAMES.get(config.optimizer, ())
    before = _slots(stepper.slots, names, index)
    batch = train_one_batch(trainer)
    return WeightStep(
        layer=layer,
        source=source,
        target=target,
        value=value,
        gradient=gradient,
        penalty_gradient=penalty_part,
        learning_rate=config.learning_rate,
        optimizer=config.optimizer,
        momentum=config.momentum,
        value_after=float(trainer.network.params[index]),
        slots_before=before,
        slots_after=_slots(trainer.stepper.slots, names, index),
        iteration=trainer.iteration,
        batch=batch,
    )


def _slots(slots: list[np.ndarray], names: tuple[str, ...], index: int) -> dict[str, float]:
    """The optimizer's values for parameter ``index``; a one-element slot (Adam's t) as is."""
    return {
        name: float(slot[index] if slot.size > 1 else slot[0])
        for name, slot in zip(names, slots, strict=True)
    }


def _index(name: str, value: int, count: int) -> int:
    if not 0 <= value < count:
        raise ValueError(f"{name}: expected an index below {count}, got {value}")
    return value
