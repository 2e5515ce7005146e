"""``fill_metrics`` and ``fill_drawings`` give each trainer exactly what it computes alone."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from app.engine import Trainer, TrainerConfig
from app.engine.evaluation import fill_drawings, fill_metrics

FIVE = ("x1", "x2", "x1_sq", "x2_sq", "sin_x1")

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
        # ... and the training loss is Network.loss's, which judges the run's stability
        loss = twin.network.loss(twin.features_train, twin.y_train)
        assert mine.metrics()["train_loss"] == (loss if math.isfinite(loss) else None)


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


DRAWN: list[dict[str, Any]] = [
    *CASES,
    {"dataset": "xor", "hidden_layers": (5,), "features": ("x1", "x2", "x1_x2")},  # mixes x, y
    {"dataset": "spiral", "hidden_layers": (6, 4), "activation": "sigmoid", "features": FIVE},
]


@pytest.mark.parametrize("case", DRAWN, ids=lambda case: str(case["dataset"]))
@pytest.mark.parametrize(("resolution", "neurons"), [(100, False), (24, True), (7, True)])
def test_stacked_drawings_are_those_of_each_trainer_alone_bit_for_bit(
    case: dict[str, Any], resolution: int, neurons: bool
) -> None:
    stacked, alone = trainers(case, 4), trainers(case, 4)
    fill_drawings(stacked, resolution, neurons)
    for mine, twin in zip(stacked, alone, strict=True):
        assert_same(
            mine.grids(resolution, neurons=neurons), twin.grids(resolution, neurons=neurons)
        )
        assert (resolution, neurons) not in mine._drawings  # a drawing made ahead serves once


def test_a_network_that_cannot_be_drawn_with_the_others_is_drawn_alone_and_right() -> None:
    stacked, alone = trainers(CASES[0], 3), trainers(CASES[0], 3)
    for trainer in (stacked[1], alone[1]):  # exps of its separable first layer would overflow
        trainer.load_parameters(
            [200.0 * w for w in trainer.weights()], [200.0 * b for b in trainer.biases()]
        )
    fill_drawings(stacked, 100, False)
    for mine, twin in zip(stacked, alone, strict=True):
        assert_same(mine.grids(100, neurons=False), twin.grids(100, neurons=False))


def test_training_after_a_drawing_was_made_ahead_makes_it_stale() -> None:
    first, second = trainers(CASES[0], 2)
    fill_drawings([first, second], 100, False)
    first.train_iterations(1)
    twin = trainers(CASES[0], 1)[0]
    twin.train_iterations(1)
    assert_same(first.grids(100, neurons=False), twin.grids(100, neurons=False))


def assert_same(drawing: Any, expected: Any) -> None:
    (boundary, grids), (expected_boundary, expected_grids) = drawing, expected
    assert boundary.keys() == expected_boundary.keys()
    for name in boundary:
        np.testing.assert_array_equal(boundary[name], expected_boundary[name], strict=True)
    assert len(grids) == len(expected_grids)
    for mine, theirs in zip(grids, expected_grids, strict=True):
        np.testing.assert_array_equal(mine, theirs, strict=True)
