"""Training in slices: exactly one call's result, stopped by closing, own updates only; and
the work one call may ask for."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from app.config import Settings
from app.engine import Trainer, TrainerConfig
from app.services import training
from app.services.session import Session
from app.services.training import (
    Trained,
    check_work,
    parameter_count,
    train_in_slices,
    train_slices,
)

# 61 training points in batches of 7: every epoch ends with a short batch (9 iterations).
ODD = {"n_samples": 122, "batch_size": 7, "hidden_layers": (5, 3)}
BIG = {"n_samples": 2000, "train_ratio": 1.0, "hidden_layers": (32,) * 8, "batch_size": 2000}
DIVERGING = {"dataset": "plane", "learning_rate": 10.0, "activation": "relu",
             "hidden_layers": (8, 8, 8), "batch_size": 1}  # fmt: skip


def odd_trainer(**changes: Any) -> Trainer:
    return Trainer(TrainerConfig(**{**ODD, **changes}))


def same_run(a: Trainer, b: Trainer) -> bool:
    return (
        (a.epoch, a.iteration, a.status) == (b.epoch, b.iteration, b.status)
        and all(np.array_equal(x, y) for x, y in zip(a.weights(), b.weights(), strict=True))
        and all(np.array_equal(x, y) for x, y in zip(a.biases(), b.biases(), strict=True))
        and a.rng.bit_generator.state == b.rng.bit_generator.state
        and a.metrics() == b.metrics()
    )


def run_out(slices: Any) -> tuple[Trained, int]:
    """Run the slices to their end: what they trained and how many there were."""
    done, count = Trained(), 0
    for progress in slices:
        done, count = progress, count + 1
    return done, count


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("slice_size", [1, 2, 9, 100_000])
def test_epochs_in_slices_are_one_train_epochs_call(optimizer: str, slice_size: int) -> None:
    sliced, whole = odd_trainer(optimizer=optimizer), odd_trainer(optimizer=optimizer)
    for trainer in (sliced, whole):
        trainer.train_iterations(3)  # start mid-epoch: the first epoch is a partial pass
    done, _ = run_out(train_slices(sliced, epochs=4, max_slice_iterations=slice_size))
    whole.train_epochs(4)
    assert sliced.epoch == 4 and sliced.iteration == 3 + 6 + 3 * 9
    assert done == Trained(epochs=4, iterations=6 + 3 * 9)
    assert same_run(sliced, whole)


@pytest.mark.parametrize("slice_size", [1, 4, 100])
def test_iterations_in_slices_are_one_train_iterations_call(slice_size: int) -> None:
    sliced, whole = odd_trainer(optimizer="adam"), odd_trainer(optimizer="adam")
    done, slices = run_out(train_slices(sliced, iterations=40, max_slice_iterations=slice_size))
    whole.train_iterations(40)
    assert done == Trained(epochs=4, iterations=40) and sliced.iteration == 40
    assert same_run(sliced, whole)
    if slice_size == 1:
        assert slices == 40


@pytest.mark.parametrize("slice_seconds", [1e-6, 1e-4, 1.0])
def test_slices_sized_by_time_give_the_same_run_whatever_their_size(slice_seconds: float) -> None:
    sliced, whole = odd_trainer(), odd_trainer()
    run_out(train_slices(sliced, epochs=30, slice_seconds=slice_seconds))
    whole.train_epochs(30)
    assert same_run(sliced, whole)
    at_once = odd_trainer()
    assert train_in_slices(at_once, iterations=100) == Trained(epochs=11, iterations=100)
    whole.reset()
    whole.train_iterations(100)
    assert same_run(at_once, whole)


def test_a_session_trains_in_slices_as_its_trainer_would() -> None:
    session = Session.create(dict(ODD), Settings())
    twin = odd_trainer()
    assert session.train(epochs=3) == Trained(epochs=3, iterations=27)
    twin.train_epochs(3)
    assert same_run(session.trainer, twin) and session.changed


def test_slices_grow_gently_into_the_time_they_may_take(monkeypatch: pytest.MonkeyPatch) -> None:
    # Time passes only as the trainer trains, COST an update: the sizes are the same on
    # every machine. The first slice is one update; each next one fits the slice's time
    # by the speed measured, growing at most eightfold, and the last is what is left.
    cost = 2.0**-12
    trainer = odd_trainer()
    clock = {"now": 0.0}
    sizes: list[int] = []
    train_iterations = trainer.train_iterations

    def timed(count: int) -> None:
        sizes.append(count)
        train_iterations(count)
        clock["now"] += count * cost

    monkeypatch.setattr(trainer, "train_iterations", timed)
    monkeypatch.setattr(training, "time", SimpleNamespace(perf_counter=lambda: clock["now"]))
    done, _ = run_out(train_slices(trainer, iterations=300, slice_seconds=64 * cost))
    assert sizes == [1, 8, 64, 64, 64, 64, 35] and done.iterations == 300
    sizes.clear()
    run_out(train_slices(trainer, iterations=300, slice_seconds=1.0, max_slice_iterations=50))
    assert sizes == [1, 8, 50, 50, 50, 50, 50, 41]


def test_closing_the_slices_stops_the_training() -> None:
    trainer = odd_trainer()
    slices = train_slices(trainer, iterations=1000, max_slice_iterations=1)
    for _ in range(5):
        done = next(slices)
    slices.close()
    assert done == Trained(epochs=0, iterations=5) and trainer.iteration == 5
    assert next(slices, None) is None
    assert trainer.iteration == 5


def test_a_session_checks_the_work_before_slicing_and_closed_slices_leave_it_changed() -> None:
    session = Session.create(dict(BIG), Settings())
    with pytest.raises(ValueError, match="^epochs: expected at most 66"):
        session.train_slices(epochs=1000, slice_seconds=0.005)  # before any slice is taken
    assert session.trainer.iteration == 0 and not session.changed
    slices = session.train_slices(iterations=10, slice_seconds=0.005)
    next(slices)
    slices.close()
    assert session.trainer.iteration == 1 and session.changed


def test_only_the_calls_own_iterations_count() -> None:
    trainer = odd_trainer()
    slices = train_slices(trainer, iterations=40, max_slice_iterations=3)
    turns = 0
    for _ in slices:
        trainer.train_iterations(2)  # between two slices another job trains the session
        turns += 1
    assert trainer.iteration == 40 + 2 * turns


def test_only_the_calls_own_updates_end_its_epochs() -> None:
    trainer = odd_trainer()
    slices = train_slices(trainer, epochs=1, max_slice_iterations=1)
    next(slices)
    trainer.train_iterations(9)  # another job trains a whole epoch: it is not the call's
    done, _ = run_out(slices)
    # From iteration 10 the call's own updates end an epoch at 18: 1 + 8 of them.
    assert done == Trained(epochs=1, iterations=9) and (trainer.epoch, trainer.iteration) == (2, 18)


def test_a_reset_between_slices_does_not_cut_the_call_short() -> None:
    trainer = odd_trainer()
    slices = train_slices(trainer, epochs=2, max_slice_iterations=1)
    for _ in range(3):
        next(slices)
    trainer.reset()  # counters back to 0: the call still trains two epochs of its own
    done, _ = run_out(slices)
    assert (trainer.epoch, trainer.iteration) == (2, 18)
    assert done == Trained(epochs=2, iterations=3 + 18)


@pytest.mark.parametrize("slice_size", [2, 100_000])
def test_a_diverging_run_stops_the_slices(slice_size: int) -> None:
    trainer = Trainer(TrainerConfig(**DIVERGING))  # type: ignore[arg-type]
    done, _ = run_out(train_slices(trainer, epochs=5, max_slice_iterations=slice_size))
    assert trainer.status == "diverged" and trainer.epoch == 0
    assert done.epochs == 0 and done.iterations == trainer.iteration
    assert run_out(train_slices(trainer, epochs=5)) == (Trained(), 0)  # nothing more to do


def test_asking_for_both_or_neither_is_an_error() -> None:
    trainer = odd_trainer()
    for asked in ({}, {"epochs": 1, "iterations": 1}):
        with pytest.raises(ValueError, match="^epochs: expected exactly one"):
            next(train_slices(trainer, **asked))
    assert trainer.iteration == 0


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
    trainer = odd_trainer()
    arguments = {"epochs": None, "iterations": None, **request_}
    with pytest.raises(ValueError, match=f"^{message}"):
        check_work(trainer, Settings(**limits), **arguments)  # type: ignore[arg-type]
