"""Training asked for by one call: what it may cost, and running it in slices.

A call's work is bounded three ways by the settings: epochs, iterations, and multiply-adds,
counted as iterations x examples per batch x network parameters (a forward and a backward
pass cost a small multiple of that). An error names the field asked for and what is allowed.

``train_slices`` does the training in slices of about ``slice_seconds`` each, yielding after
every slice, so that the engine worker owning the session can run other sessions' work (and
stop the call: its client left, or its time ran out) in between. Slices compose exactly:
``epochs=k`` in slices leaves the same weights, counters, optimizer state and rng as one
``Trainer.train_epochs(k)``.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass

from app.config import Settings
from app.engine import Trainer

SLICE_SECONDS = 0.005
MAX_SLICE_ITERATIONS = 100_000
MAX_SLICE_GROWTH = 8  # the first slices measure the speed; grow into the estimate gently


def parameter_count(layer_sizes: Sequence[int]) -> int:
    """Weights and biases of a dense network with these layer sizes."""
    pairs = zip(layer_sizes[:-1], layer_sizes[1:], strict=True)
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in pairs)


def check_work(
    trainer: Trainer,
    settings: Settings,
    *,
    epochs: int | None,
    iterations: int | None,
    runs: int = 1,
) -> None:
    """Raise ``ValueError("epochs: expected at most …, got …")`` if the call asks too much.

    ``runs`` copies of the network trained side by side (a learning-rate sweep) each cost
    what one does: the iterations and the work are ``runs`` times as many.
    """
    if (epochs is None) == (iterations is None):
        raise ValueError("epochs: expected exactly one of 'epochs' or 'iterations'")
    each = f" for each of {runs} runs" if runs > 1 else ""
    per_epoch = trainer.iterations_per_epoch
    examples = min(trainer.config.batch_size, len(trainer.X_train))
    parameters = parameter_count(trainer.layer_sizes)
    budget = settings.max_work_per_call
    if epochs is not None:
        field, asked, unit_iterations = "epochs", epochs, per_epoch
        count_limit = settings.max_epochs_per_call
        unit = f"epoch is {per_epoch} iterations x {examples} examples x {parameters} parameters"
    else:
        assert iterations is not None
        field, asked, unit_iterations = "iterations", iterations, 1
        count_limit = settings.max_iterations_per_call
        unit = f"iteration is {examples} examples x {parameters} parameters"
    if asked > count_limit:
        raise ValueError(f"{field}: expected at most {count_limit} per call, got {asked}")
    iteration_limit = settings.max_iterations_per_call
    if epochs is not None and epochs * per_epoch * runs > iteration_limit:
        raise ValueError(
            f"epochs: expected at most {iteration_limit // (per_epoch * runs)} epochs of "
            f"{per_epoch} iterations{each} (max_iterations_per_call {iteration_limit}), "
            f"got {epochs}"
        )
    unit_work = unit_iterations * examples * parameters
    if asked * unit_work * runs > budget:
        raise ValueError(
            f"{field}: expected at most {budget // (unit_work * runs)} for this network and "
            f"batch size{each} (each {unit} = {unit_work} multiply-adds; max_work_per_call "
            f"{budget}), got {asked}"
        )


@dataclass
class Trained:
    """What one call has trained so far (its own updates only)."""

    epochs: int = 0
    iterations: int = 0


def train_slices(
    trainer: Trainer,
    *,
    epochs: int | None = None,
    iterations: int | None = None,
    slice_seconds: float = SLICE_SECONDS,
    max_slice_iterations: int = MAX_SLICE_ITERATIONS,
) -> Generator[Trained, None, None]:
    """Train ``epochs`` (until the epoch counter has grown by that many) or ``iterations``,
    yielding what is done after every slice; closing the iterator stops the training.

    Only this call's own updates count: if other work trains, rebuilds or resets the trainer
    between two slices, the call still does its own ``epochs`` or ``iterations``. Stops early
    if the run diverges.
    """
    if (epochs is None) == (iterations is None):
        raise ValueError("epochs: expected exactly one of 'epochs' or 'iterations'")
    done = Trained()
    size = 1
    while trainer.status != "diverged":
        if epochs is not None:
            if done.epochs >= epochs:
                return
            to_go = epochs - done.epochs - 1
            left = trainer.iterations_to_epoch_end() + to_go * trainer.iterations_per_epoch
        else:
            assert iterations is not None
            left = iterations - done.iterations
            if left <= 0:
                return
        count = min(size, left)
        epoch, iteration = trainer.epoch, trainer.iteration
        started = time.perf_counter()
        trainer.train_iterations(count)
        elapsed = time.perf_counter() - started
        done.epochs += trainer.epoch - epoch
        done.iterations += trainer.iteration - iteration
        yield done
        fitting = int(slice_seconds * count / elapsed) if elapsed > 0 else max_slice_iterations
        size = max(1, min(fitting, count * MAX_SLICE_GROWTH, max_slice_iterations))


def train_in_slices(
    trainer: Trainer, *, epochs: int | None = None, iterations: int | None = None
) -> Trained:
    """``train_slices`` run to its end at once; what was trained."""
    done = Trained()
    for progress in train_slices(trainer, epochs=epochs, iterations=iterations):
        done = progress
    return done
