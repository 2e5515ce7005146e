"""A learning-rate sweep: stacked runs equal separate trainers, bit for bit."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from app.engine import Trainer, TrainerConfig
from app.engine.sweep import SweepRun, sweep

RATES = [1e-4, 0.03, 0.3, 3.0, 10.0]


def alone(config: TrainerConfig, rate: float, epochs: int) -> dict[str, Any]:
    """What a plain trainer with ``rate`` reports, epoch by epoch, until it diverges."""
    trainer = Trainer(replace(config, learning_rate=rate))
    train_loss, test_loss = [], []
    for _ in range(epochs):
        trainer.train_epochs(1)
        if trainer.status == "diverged":
            break
        metrics = trainer.metrics()
        train_loss.append(metrics["train_loss"])
        test_loss.append(metrics["test_loss"])
    return {
        "learning_rate": rate,
        "train_loss": train_loss,
        "test_loss": test_loss,
        "status": trainer.status,
        "diverged_at": trainer.diverged_at,
    }


def as_dict(run: SweepRun) -> dict[str, Any]:
    return {
        "learning_rate": run.learning_rate,
        "train_loss": run.train_loss,
        "test_loss": run.test_loss,
        "status": run.status,
        "diverged_at": run.diverged_at,
    }


CUSTOM_10 = (
    tuple((float(i % 7) - 3, float(i % 5) - 2) for i in range(40)),
    tuple(float(i % 10) for i in range(40)),
)
CONFIGS = {
    "circles sgd": TrainerConfig(),
    "spiral 8x6 relu adam l2": TrainerConfig(
        dataset="spiral", hidden_layers=(8,) * 6, activation="relu", optimizer="adam",
        regularization="l2", regularization_rate=0.001,
    ),
    "xor leaky momentum l1, partial batches": TrainerConfig(
        dataset="xor", hidden_layers=(5, 3), activation="leaky_relu", optimizer="momentum",
        regularization="l1", regularization_rate=0.01, batch_size=7,
    ),
    "spiral3 sigmoid batch 1": TrainerConfig(
        dataset="spiral3", hidden_layers=(6,), activation="sigmoid", batch_size=1, n_samples=100
    ),
    "ten classes batch 1": TrainerConfig(
        dataset="custom", points=CUSTOM_10, problem="classification", hidden_layers=(5,),
        batch_size=1,
    ),
    "regression, per-layer activations, adam": TrainerConfig(
        dataset="multi_gaussian", hidden_layers=(3, 4, 5),
        layer_activations=("relu", "sigmoid", "leaky_relu"), optimizer="adam", batch_size=32,
    ),
    "plane relu batch 1 (diverges)": TrainerConfig(
        dataset="plane", hidden_layers=(8, 8, 8), activation="relu", batch_size=1, n_samples=100
    ),
    "no hidden layer, no test set": TrainerConfig(
        dataset="gaussian", hidden_layers=(), train_ratio=1.0
    ),
    "perceptron (one after another)": TrainerConfig(
        dataset="and", hidden_layers=(), optimizer="perceptron"
    ),
}  # fmt: skip


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_each_rate_equals_a_separate_trainer_exactly(config: TrainerConfig) -> None:
    epochs = 25
    runs = sweep(Trainer(config), RATES, epochs)
    assert [as_dict(run) for run in runs] == [alone(config, rate, epochs) for rate in RATES]


def test_the_cases_above_reach_every_outcome() -> None:
    statuses = {
        run.status for config in CONFIGS.values() for run in sweep(Trainer(config), RATES, 25)
    }
    assert statuses == {"ready", "unstable", "diverged"}


def test_results_keep_the_order_given() -> None:
    config = TrainerConfig(dataset="moons", hidden_layers=(4,))
    rates = [0.3, 1e-3, 3.0, 0.03, 0.3]
    runs = sweep(Trainer(config), rates, 5)
    assert [run.learning_rate for run in runs] == rates
    by_rate = {run.learning_rate: run.train_loss for run in sweep(Trainer(config), [0.03, 3.0], 5)}
    assert runs[3].train_loss == by_rate[0.03] and runs[2].train_loss == by_rate[3.0]
    assert runs[0].train_loss == runs[4].train_loss


def test_too_large_a_rate_is_flagged_and_a_moderate_one_is_not() -> None:
    runs = sweep(Trainer(TrainerConfig(activation="tanh")), [1e-4, 0.03, 10.0], 40)
    slow, moderate, large = runs
    assert slow.status == moderate.status == "ready"
    assert large.status in {"unstable", "diverged"}
    assert moderate.train_loss[-1] < slow.train_loss[-1]
    assert len(slow.train_loss) == len(moderate.train_loss) == 40


def test_a_diverged_curve_stops_where_it_diverged_and_stays_finite() -> None:
    config = CONFIGS["plane relu batch 1 (diverges)"]
    runs = sweep(Trainer(config), [1e-3, 10.0], 10)
    kept, lost = runs
    assert lost.status == "diverged" and lost.diverged_at is not None
    epoch, _ = lost.diverged_at
    # epochs completed before it: all of them if an update blew up, less the last if the
    # loss at that last epoch's end did
    assert len(lost.train_loss) == len(lost.test_loss) in {epoch, epoch - 1}
    assert epoch < 10
    assert kept.status == "ready" and len(kept.train_loss) == 10
    for run in runs:
        assert all(math.isfinite(loss) for loss in run.train_loss)
        assert all(loss is not None and math.isfinite(loss) for loss in run.test_loss)


def test_the_template_trainer_is_left_as_it_was() -> None:
    trainer = Trainer(TrainerConfig(optimizer="adam"))
    before = trainer.export_state()
    sweep(trainer, [0.01, 0.1], 3)
    assert trainer.export_state() == before
    trainer.train_epochs(2)
    fresh = Trainer(TrainerConfig(optimizer="adam"))
    fresh.train_epochs(2)
    assert trainer.metrics() == fresh.metrics()


def test_an_edited_start_is_the_start_of_every_run() -> None:
    config = TrainerConfig(hidden_layers=(3,))
    trainer = Trainer(config)
    trainer.set_weight(0, 1, 2, 0.5)
    (run,) = sweep(trainer, [0.1], 4)
    reference = Trainer(replace(config, learning_rate=0.1))
    reference.set_weight(0, 1, 2, 0.5)
    reference.train_epochs(4)
    assert run.train_loss[-1] == reference.metrics()["train_loss"]
    assert np.isfinite(run.train_loss).all()


def test_zero_epochs_train_nothing() -> None:
    (run,) = sweep(Trainer(TrainerConfig()), [0.1], 0)
    assert run.train_loss == run.test_loss == [] and run.status == "ready"


@pytest.mark.parametrize(
    ("rates", "field"),
    [
        ([], "learning_rates"),
        ([0.1, 0.0], r"learning_rates\[1\]"),
        ([-1.0], r"learning_rates\[0\]"),
        ([0.1, 0.2, float("nan")], r"learning_rates\[2\]"),
        ([float("inf")], r"learning_rates\[0\]"),
        ([11.0], r"learning_rates\[0\]"),
        ([True], r"learning_rates\[0\]"),
        ("0.1", "learning_rates"),
    ],
)
def test_bad_rates_name_the_rate(rates: Any, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: expected .+, got "):
        sweep(Trainer(TrainerConfig()), rates, 1)


def test_a_trained_template_is_refused() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_iterations(1)
    with pytest.raises(ValueError, match="^trainer: expected one not trained yet"):
        sweep(trainer, [0.1], 1)
