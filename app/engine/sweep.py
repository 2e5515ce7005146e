"""A learning-rate sweep: one configuration trained at several learning rates, side by side.

Every run of a sweep starts from the same trainer: the same data, the same initial weights,
and the same order of mini-batches (one rng, a copy of the trainer's, draws each epoch's
permutation, as each run's own trainer would). The runs differ only in the learning rate, so
their parameters and optimizer state are stacked, one row per rate, and trained together by
``sweep_step.StackedStepper``: one NumPy call per operation for all of them. Each run's losses
are exactly those of a plain ``Trainer`` with its learning rate, epoch by epoch.

Each epoch end is judged per run as the trainer judges it: the training and test data loss,
the stability rule (``stability``) over the training objective, and divergence. A run whose
update turns any value non-finite is rolled back and leaves the stack (the others go on,
recompiled without it), as is one whose training loss turns non-finite at an epoch end. Its
curve stops there: ``train_loss`` and ``test_loss`` hold one value per epoch whose end it
reached with a finite loss, and ``diverged_at`` the (epoch, iteration) counters at which it
stopped, as the trainer's. Nothing returned is NaN or infinite; a test loss that is
undefined (no test set) is None.

Not stacked: the perceptron rule (its step output and single layer make a different step);
those sweeps train one rate after another, each with a plain ``Trainer``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np

from app.engine.config import check_float, check_int, fail
from app.engine.losses import data_loss, data_losses, penalty
from app.engine.optimizers import OPTIMIZERS
from app.engine.stability import StabilityWatch, Status
from app.engine.sweep_step import StackedStepper
from app.engine.trainer import Trainer


@dataclass
class SweepRun:
    """One learning rate's run: its losses at every epoch end, and how it went."""

    learning_rate: float
    train_loss: list[float] = field(default_factory=list)  # one per epoch, finite
    test_loss: list[float | None] = field(default_factory=list)  # None without a test set
    status: Status = "ready"
    diverged_at: tuple[int, int] | None = None  # (epoch, iteration), as Trainer.diverged_at
    stability: StabilityWatch = field(default_factory=StabilityWatch, repr=False)

    def diverge(self, epoch: int, iteration: int) -> None:
        self.status, self.diverged_at = "diverged", (epoch, iteration)


def check_rates(learning_rates: Sequence[float], most: float) -> list[float]:
    """The rates as floats, each in (0, ``most``]; ValueError names ``learning_rates[i]``."""
    if isinstance(learning_rates, str | bytes) or not isinstance(learning_rates, Sequence):
        raise fail("learning_rates", "a list of learning rates", learning_rates)
    if not learning_rates:
        raise fail("learning_rates", "at least one learning rate", [])
    return [
        check_float(f"learning_rates[{i}]", rate, 0.0, most, low_open=True)
        for i, rate in enumerate(learning_rates)
    ]


T = TypeVar("T")


def finish(steps: Generator[None, None, T]) -> T:
    """Run a generator that pauses between pieces of work to its end; what it returns."""
    while True:
        try:
            next(steps)
        except StopIteration as finished:
            result: T = finished.value
            return result


def sweep(trainer: Trainer, learning_rates: Sequence[float], epochs: int) -> list[SweepRun]:
    """``sweep_by_epoch`` at once."""
    return finish(sweep_by_epoch(trainer, learning_rates, epochs))


def sweep_by_epoch(
    trainer: Trainer,
    learning_rates: Sequence[float],
    epochs: int,
    stop: Callable[[], bool] = lambda: False,
) -> Generator[None, None, list[SweepRun]]:
    """Train ``trainer``'s network ``epochs`` epochs at each learning rate, from its start,
    pausing (a ``yield``) after every epoch so that a caller can do other work between; if
    ``stop()`` is true at a pause, every run ends there (its curves as far as they got).

    Parameters
    ----------
    trainer : Trainer
        Not trained yet (no update made); it is the template and is left untouched.
    learning_rates : each in (0, ``trainer.limits.max_learning_rate``]
    epochs : the epochs every run trains (fewer if it diverges)

    Returns one ``SweepRun`` per rate, in the order given. Stacked for sgd, momentum and
    adam, with any regularization; the perceptron rule trains one rate after another.
    """
    rates = check_rates(learning_rates, trainer.limits.max_learning_rate)
    epochs = check_int("epochs", epochs, 0, 10**6)
    if trainer.iteration or trainer.status == "diverged":
        raise fail("trainer", "one not trained yet", f"iteration {trainer.iteration}")
    if not OPTIMIZERS[trainer.config.optimizer].uses_step_output:
        return (yield from _stacked(trainer, rates, epochs, stop))
    runs = []
    for rate in rates:
        runs.append((yield from _alone(trainer, rate, 0 if stop() else epochs, stop)))
    return runs


def _alone(
    template: Trainer, rate: float, epochs: int, stop: Callable[[], bool]
) -> Generator[None, None, SweepRun]:
    """One rate with a plain trainer: the template's config and weights, this rate."""
    trainer = Trainer(replace(template.config, learning_rate=rate), limits=template.limits)
    trainer.load_parameters(template.weights(), template.biases())
    run = SweepRun(rate)
    for _ in range(epochs):
        trainer.train_epochs(1)
        if trainer.status == "diverged":
            break
        yield
        if stop():
            break
        metrics = trainer.metrics()
        assert metrics["train_loss"] is not None
        run.train_loss.append(metrics["train_loss"])
        run.test_loss.append(metrics["test_loss"])
    run.status, run.diverged_at = trainer.status, trainer.diverged_at
    return run


def _stacked(
    template: Trainer, rates: list[float], epochs: int, stop: Callable[[], bool]
) -> Generator[None, None, list[SweepRun]]:
    """Every rate at once; see the module's docstring."""
    runs = [SweepRun(rate) for rate in rates]
    network, source = template.network, template.stepper
    state = np.tile(source.state, (len(rates), 1))  # zero optimizer slots, as a fresh stepper
    stepper = StackedStepper(network, template.config, state, np.array(rates))
    alive = list(range(len(rates)))  # runs[alive[r]] is stepper row r
    rng = copy.deepcopy(template.rng)
    inputs, targets = np.empty_like(source.inputs), np.empty_like(source.targets)
    n_train, batch_size = len(inputs), template.config.batch_size
    iteration = 0
    judge = _Judge(template)
    judge.epoch_end(stepper, runs, None)  # the objective at the start, judged alone
    for epoch in range(epochs):
        order = rng.permutation(n_train)
        np.take(source.inputs, order, axis=0, out=inputs)
        np.take(source.targets, order, axis=0, out=targets)
        with np.errstate(all="ignore"):  # overflow is caught, as divergence
            for start in range(0, n_train, batch_size):
                bad = stepper.step(inputs, targets, start)
                if bad is not None:
                    for row in bad:
                        runs[alive[row]].diverge(epoch, iteration)
                    keep = [row for row in range(len(alive)) if row not in bad]
                    if not keep:
                        return runs
                    stepper, alive = stepper.keep(keep), [alive[row] for row in keep]
                iteration += 1
        keep = judge.epoch_end(stepper, [runs[i] for i in alive], (epoch + 1, iteration))
        if not keep:
            return runs
        if len(keep) < len(alive):
            stepper, alive = stepper.keep(keep), [alive[row] for row in keep]
        yield
        if stop():
            break
    return runs


class _Judge:
    """The epoch-end bookkeeping a trainer does, for every row of a stacked stepper."""

    def __init__(self, template: Trainer) -> None:
        self.problem = template.problem
        self.config = template.config
        self.train = (template.features_train, template.y_train)
        self.test = (template.features_test, template.y_test)
        self.weight_mask = template.network.weight_mask
        zero_logits = np.zeros((len(template.y_train), template.layer_sizes[-1]))
        self.zero_logit_loss = data_loss(self.problem, zero_logits, template.y_train)

    def epoch_end(
        self, stepper: StackedStepper, runs: list[SweepRun], counters: tuple[int, int] | None
    ) -> list[int]:
        """Judge row r of ``stepper`` as ``runs[r]``'s trainer would; the rows still alive.

        At an epoch end (``counters`` = (epoch, iteration)) each loss is recorded, and a row
        whose training loss is not finite has diverged (its curve stops before this epoch);
        at the start (``counters`` None) the objective only starts the stability watch.
        """
        train_losses = self._losses(stepper, *self.train)
        test_losses = self._losses(stepper, *self.test) if counters else train_losses
        alive = []
        for row, (run, loss) in enumerate(zip(runs, train_losses, strict=True)):
            if loss is None and counters is not None:
                run.diverge(*counters)
                continue
            if loss is not None:
                self._judge(run, loss, stepper.params[row])
            if loss is not None and counters is not None:
                run.train_loss.append(loss)
                run.test_loss.append(test_losses[row])
            alive.append(row)
        return alive

    def _losses(self, stepper: StackedStepper, X: np.ndarray, y: np.ndarray) -> list[float | None]:
        if len(y) == 0:
            return [None] * len(stepper.params)
        losses = data_losses(self.problem, stepper.logits(X), y).tolist()
        return [loss if math.isfinite(loss) else None for loss in losses]

    def _judge(self, run: SweepRun, loss: float, params: np.ndarray) -> None:
        config = self.config
        weights = params * self.weight_mask
        objective = loss + penalty(config.regularization, weights, config.regularization_rate)
        if not math.isfinite(objective):
            return
        if not run.stability.started:
            run.stability.start(objective, self.zero_logit_loss)
        else:
            run.status = "unstable" if run.stability.record(objective) else "ready"
