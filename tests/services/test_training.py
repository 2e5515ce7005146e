"""Training in slices: exactly one call's result, the lock free between slices, work bounds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from app.config import Settings
from app.engine import Trainer, TrainerConfig
from app.services.locks import FairLock
from app.services.training import (
    check_work,
    parameter_count,
    train_in_slices,
)

# 61 training points in batches of 7: every epoch ends with a short batch.
ODD = {"n_samples": 122, "batch_size": 7, "hidden_layers": (5, 3)}
BIG = {"n_samples": 2000, "train_ratio": 1.0, "hidden_layers": (32,) * 8, "batch_size": 2000}
PATIENCE = 30.0  # seconds; only a broken implementation makes a test wait this long


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"waited {PATIENCE} s for {what}"
        time.sleep(0.0005)


def same_run(a: Trainer, b: Trainer) -> bool:
    return (
        (a.epoch, a.iteration, a.status) == (b.epoch, b.iteration, b.status)
        and all(np.array_equal(x, y) for x, y in zip(a.weights(), b.weights(), strict=True))
        and all(np.array_equal(x, y) for x, y in zip(a.biases(), b.biases(), strict=True))
        and a.rng.bit_generator.state == b.rng.bit_generator.state
        and a.metrics() == b.metrics()
    )


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("slice_size", [1, 2, 9])
def test_epochs_in_slices_are_one_train_epochs_call(optimizer: str, slice_size: int) -> None:
    config = TrainerConfig(**ODD, optimizer=optimizer)  # type: ignore[arg-type]
    sliced, whole = Trainer(config), Trainer(config)
    for trainer in (sliced, whole):
        trainer.train_iterations(3)  # start mid-epoch: the first epoch is a partial pass
    train_in_slices(sliced, FairLock(), epochs=4, max_slice_iterations=slice_size)
    whole.train_epochs(4)
    assert sliced.epoch == 4 and sliced.iteration == 3 + 6 + 3 * 9
    assert same_run(sliced, whole)


@pytest.mark.parametrize("slice_size", [1, 4, 100])
def test_iterations_in_slices_are_one_train_iterations_call(slice_size: int) -> None:
    config = TrainerConfig(**ODD, optimizer="adam")  # type: ignore[arg-type]
    sliced, whole = Trainer(config), Trainer(config)
    train_in_slices(sliced, FairLock(), iterations=40, max_slice_iterations=slice_size)
    whole.train_iterations(40)
    assert sliced.iteration == 40
    assert same_run(sliced, whole)


def test_slices_are_sized_by_time_and_the_result_does_not_depend_on_it() -> None:
    config = TrainerConfig(**ODD)  # type: ignore[arg-type]
    sliced, whole = Trainer(config), Trainer(config)
    train_in_slices(sliced, FairLock(), epochs=30, slice_seconds=1e-4)
    whole.train_epochs(30)
    assert same_run(sliced, whole)


def test_iterations_to_epoch_end_counts_the_short_last_batch() -> None:
    trainer = Trainer(TrainerConfig(**ODD))  # type: ignore[arg-type]
    assert trainer.iterations_to_epoch_end() == trainer.iterations_per_epoch == 9
    trainer.train_iterations(8)
    assert trainer.iterations_to_epoch_end() == 1
    trainer.train_iterations(1)
    assert trainer.epoch == 1 and trainer.iterations_to_epoch_end() == 9


def test_a_diverging_run_stops_in_slices_too() -> None:
    config = TrainerConfig(dataset="plane", learning_rate=10.0, activation="relu",
                           hidden_layers=(8, 8, 8), batch_size=1)  # fmt: skip
    trainer = Trainer(config)
    train_in_slices(trainer, FairLock(), epochs=5, max_slice_iterations=2)
    assert trainer.status == "diverged" and trainer.epoch == 0


def test_the_lock_is_free_between_slices_and_only_this_calls_updates_count() -> None:
    trainer = Trainer(TrainerConfig(**ODD))  # type: ignore[arg-type]
    lock = FairLock()
    seen: list[int] = []
    finished = threading.Event()

    def train() -> None:
        train_in_slices(trainer, lock, iterations=1800, max_slice_iterations=1)
        finished.set()

    thread = threading.Thread(target=train)
    with lock:  # the call starts queued behind this thread, whatever the scheduling
        thread.start()
        wait_until(lambda: lock.waiting == 1, "the call to ask for the lock")
    while not finished.is_set() and len(seen) < 20:
        with lock:  # meanwhile another thread trains too (as a playing stream does)
            seen.append(trainer.epoch)
            trainer.train_iterations(1)
    thread.join(PATIENCE)
    # The lock came free before the call ended: a waiter has it at the next of the call's
    # 1800 one-update slices, so its 20 turns came long before the call's 200 epochs.
    assert len(seen) == 20 and seen[-1] < 200
    assert trainer.iteration == 1800 + 20  # the call's own 1800 updates, and the other 20


def test_a_thread_refused_during_a_slice_gets_its_turn_before_the_next_slice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trainer = Trainer(TrainerConfig(**ODD))  # type: ignore[arg-type]
    lock = FairLock()
    refused = threading.Event()
    holding_back = True
    train_iterations = trainer.train_iterations

    def train_until_refused(count: int) -> None:
        # Each slice lasts until the other thread has been refused during it: a try can never
        # find the lock free by luck, only by the call waiting for it after such a slice.
        refused.clear()
        if holding_back:
            refused.wait(PATIENCE)
        train_iterations(count)

    monkeypatch.setattr(trainer, "train_iterations", train_until_refused)
    thread = threading.Thread(
        target=train_in_slices,
        args=(trainer, lock),
        kwargs={"iterations": 200, "max_slice_iterations": 1},  # 200 slices
    )
    thread.start()
    turns, tries = [], 0
    deadline = time.monotonic() + PATIENCE
    while len(turns) < 3 and time.monotonic() < deadline:
        tries += 1
        if lock.acquire(blocking=False):  # only tries, as the stream's worker does
            turns.append(trainer.iteration)
            lock.release()
        else:
            refused.set()
        time.sleep(0.001)
    holding_back = False
    refused.set()
    thread.join(PATIENCE)
    assert len(turns) == 3, f"3 turns expected in {PATIENCE} s, got {len(turns)} in {tries} tries"
    assert turns[-1] < 200, f"the turns came only once the call had ended: {turns}"
    assert turns == sorted(turns) and trainer.iteration == 200


def test_parameter_count() -> None:
    assert parameter_count([2, 4, 2, 1]) == 2 * 4 + 4 + 4 * 2 + 2 + 2 + 1
    assert parameter_count([3]) == 0


def test_the_default_network_may_train_1000_epochs_the_largest_may_not() -> None:
    settings = Settings()
    check_work(Trainer(TrainerConfig()), settings, epochs=1000, iterations=None)
    big = Trainer(TrainerConfig(**BIG))  # type: ignore[arg-type]
    most = settings.max_work_per_call // (2000 * parameter_count(big.layer_sizes))
    check_work(big, settings, epochs=most, iterations=None)
    with pytest.raises(ValueError) as error:
        check_work(big, settings, epochs=1000, iterations=None)
    message = str(error.value)
    assert message.startswith(f"epochs: expected at most {most} for this network")
    assert "1 iterations x 2000 examples x 7521 parameters" in message
    assert message.endswith("got 1000") and "max_work_per_call 1000000000" in message
    with pytest.raises(ValueError, match=r"^iterations: expected at most 66 for this network"):
        check_work(big, settings, epochs=None, iterations=67)


@pytest.mark.parametrize(
    ("limits", "request_", "message"),
    [
        ({"max_epochs_per_call": 5}, {"epochs": 6}, "epochs: expected at most 5 per call, got 6"),
        ({"max_iterations_per_call": 5}, {"iterations": 6}, "iterations: expected at most 5"),
        ({"max_iterations_per_call": 20}, {"epochs": 3}, "epochs: expected at most 2 epochs of 9"),
        ({"max_work_per_call": 100}, {"iterations": 1}, "iterations: expected at most 0 for"),
        ({}, {"epochs": None, "iterations": None}, "epochs: expected exactly one"),
    ],
)
def test_work_limits_name_the_field(
    limits: dict[str, int], request_: dict[str, Any], message: str
) -> None:
    trainer = Trainer(TrainerConfig(**ODD))  # type: ignore[arg-type]
    arguments = {"epochs": None, "iterations": None, **request_}
    with pytest.raises(ValueError, match=f"^{message}"):
        check_work(trainer, Settings(**limits), **arguments)  # type: ignore[arg-type]
