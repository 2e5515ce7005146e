"""Training asked for by one call: what it may cost, and running it in slices.

A call's work is bounded three ways by the settings: epochs, iterations, and multiply-adds,
counted as iterations x examples per batch x network parameters (a forward and a backward
pass cost a small multiple of that). An error names the field asked for and what is allowed.

The training runs in slices of about ``SLICE_SECONDS``, each under the session's lock, which
is released between slices, so a stream playing the same session gets its turn within a
slice: a thread waiting for the lock gets it at the next slice boundary (``FairLock``), and
one that only tried it and was refused is waited for, up to ``COURTESY_SECONDS``, before
the next slice. Slices compose exactly: ``epochs=k`` in slices leaves the same weights, counters,
optimizer state and rng as one ``Trainer.train_epochs(k)``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from app.config import Settings
from app.engine import Trainer
from app.services.locks import FairLock

SLICE_SECONDS = 0.005
MAX_SLICE_ITERATIONS = 100_000
MAX_SLICE_GROWTH = 8  # the first slices measure the speed; grow into the estimate gently
# Longer than a refused thread takes to try again (the stream retries after ~5 ms).
COURTESY_SECONDS = 0.025


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


def train_in_slices(
    trainer: Trainer,
    lock: FairLock,
    *,
    epochs: int | None = None,
    iterations: int | None = None,
    slice_seconds: float = SLICE_SECONDS,
    max_slice_iterations: int = MAX_SLICE_ITERATIONS,
) -> None:
    """Train ``epochs`` (until the epoch counter has grown by that many) or ``iterations``.

    Only this call's own updates count: if another thread trains, rebuilds or resets the
    trainer between two slices, the call still does its own ``epochs`` or ``iterations``.
    Stops early if the run diverges. Call it without holding ``lock``.
    """
    if (epochs is None) == (iterations is None):
        raise ValueError("epochs: expected exactly one of 'epochs' or 'iterations'")
    done_epochs = done_iterations = 0
    size = 1
    while True:
        with lock:
            refusals = lock.refusals
            if trainer.status == "diverged":
                return
            if epochs is not None:
                if done_epochs >= epochs:
                    return
                to_go = epochs - done_epochs - 1
                left = trainer.iterations_to_epoch_end() + to_go * trainer.iterations_per_epoch
            else:
                assert iterations is not None
                left = iterations - done_iterations
                if left <= 0:
                    return
            count = min(size, left)
            epoch, iteration = trainer.epoch, trainer.iteration
            started = time.perf_counter()
            trainer.train_iterations(count)
            elapsed = time.perf_counter() - started
            done_epochs += trainer.epoch - epoch
            done_iterations += trainer.iteration - iteration
            refused, turn = lock.refusals != refusals, lock.turns
        if refused:
            lock.wait_for_turn(turn, COURTESY_SECONDS)
        fitting = int(slice_seconds * count / elapsed) if elapsed > 0 else max_slice_iterations
        size = max(1, min(fitting, count * MAX_SLICE_GROWTH, max_slice_iterations))
