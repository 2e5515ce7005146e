"""``fill_metrics`` fills each trainer's metrics with exactly what ``Trainer.metrics`` gives."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine import Trainer, TrainerConfig
from app.engine.evaluation import fill_metrics

CASES: list[dict[str, Any]] = [
    {"dataset": "spiral", "hidden_layers": (8, 8)},
    {"dataset": "xor", "hidden_layers": (4,), "activation": "relu"},
    {"dataset": "circles", "hidden_layers": (), "activation": "sigmoid"},
    {"dataset": "blobs", "hidden_layers": (5, 3)},  # multiclass
    {"dataset": "plane", "hidden_layers": (3,)},  # regression
    {"dataset": "moons", "hidden_layers": (6,), "activation": "leaky_relu", "train_ratio": 0.3},
]


def trainers(case: dict[str, Any], count: int) -> list[Trainer]:
    made = []
    for seed in range(count):
        trainer = Trainer(TrainerConfig(**{**case, "seed": seed}))
        trainer.train_iterations(7 * seed)
        made.append(trainer)
    return made


@pytest.mark.parametrize("case", CASES, ids=lambda case: str(case["dataset"]))
def test_stacked_metrics_are_those_of_each_trainer_alone_bit_for_bit(case: dict[str, Any]) -> None:
    stacked, alone = trainers(case, 5), trainers(case, 5)
    fill_metrics(stacked)
    assert all(trainer.metrics_cached for trainer in stacked)
    for mine, twin in zip(stacked, alone, strict=True):
        assert mine.metrics() == twin.metrics()  # floats compared exactly


def test_trainers_of_different_shapes_and_a_repeated_one_are_each_filled_right() -> None:
    mixed = [trainer for case in CASES for trainer in trainers(case, 2)]
    twins = [trainer for case in CASES for trainer in trainers(case, 2)]
    fill_metrics([*mixed, mixed[0], mixed[3]])
    assert [trainer.metrics() for trainer in mixed] == [trainer.metrics() for trainer in twins]


def test_a_trainer_whose_metrics_are_cached_is_left_as_it_is() -> None:
    first, second = trainers(CASES[0], 2)
    cached = first.metrics()
    first.adopt_metrics((1.0, 0.5), (2.0, 0.25))  # not what its network gives: kept anyway
    fill_metrics([first, second])
    assert first.metrics() == {
        "train_loss": 1.0,
        "test_loss": 2.0,
        "train_accuracy": 0.5,
        "test_accuracy": 0.25,
    }
    assert cached != first.metrics()
