"""The check language on hand-made observations: tests, combinators, stretches."""

from __future__ import annotations

from typing import Any

import pytest

from app.lessons import CheckError, Observation, holds, parse_check
from app.lessons.checks import Stretches, followed


def seen(
    *, epoch: int = 0, iteration: int = 0, run: int = 0, norms: Any = None, **fields: Any
) -> Observation:
    metrics = {"train_loss": 0.5, "test_loss": None, "train_accuracy": 0.9, "test_accuracy": None}
    metrics.update({k: fields.pop(k) for k in list(fields) if k in metrics})
    config = {"dataset": "and", "features": ("x1", "x2"), "learning_rate": 0.03, **fields}
    counts = {"hidden_layers": 2, "hidden_neurons": 6, "hidden_sizes": ((4, "relu"), (2, "tanh"))}
    return Observation(
        config=config,
        state={"status": "ready", "epoch": epoch, "iteration": iteration},
        metrics=metrics,
        counts=counts,
        epoch_gradient_norms=norms,
        run=run,
    )


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ({"field": "dataset", "eq": "and"}, True),
        ({"field": "dataset", "ne": "and"}, False),
        ({"field": "dataset", "in": ["or", "and"]}, True),
        ({"field": "features", "contains": "x2"}, True),
        ({"field": "features", "eq": ["x1", "x2"]}, True),
        ({"field": "learning_rate", "gt": 0.01, "lt": 0.1}, True),
        ({"field": "learning_rate", "gt": 0.01, "lt": 0.02}, False),
        ({"metric": "test_accuracy", "lte": 1.0}, False),  # undefined fails every test
        ({"metric": "test_accuracy", "ne": 0.5}, False),
        ({"count": "hidden_layers", "activation": "relu", "eq": 1}, True),
        ({"count": "hidden_neurons", "activation": ["relu", "tanh"], "eq": 6}, True),
        ({"gradient_ratio": [0, -1], "lt": 0.01}, False),  # no epoch trained
        ({"any": [{"state": "epoch", "gte": 1}, {"state": "status", "eq": "ready"}]}, True),
        ({"not": {"state": "status", "eq": "ready"}}, False),
        ([{"state": "epoch", "eq": 0}, {"state": "iteration", "eq": 0}], True),
    ],
)
def test_conditions(check: Any, expected: bool) -> None:
    assert holds(parse_check(check), seen(), Stretches()) is expected


def test_gradient_ratio_reads_the_epoch_means() -> None:
    check = parse_check({"gradient_ratio": [0, -1], "lt": 0.01})
    assert holds(check, seen(norms=(0.001, 0.5, 0.2)), Stretches())
    assert not holds(check, seen(norms=(0.01, 0.5, 0.2)), Stretches())
    assert not holds(check, seen(norms=(0.001, 0.0)), Stretches())  # no gradient at the top


def test_stretches_begin_go_on_and_end() -> None:
    slow = {"field": "learning_rate", "lte": 0.0001}
    check = parse_check(
        [
            {"epochs_while": slow, "gte": 5},
            {"metric": "train_loss", "since": slow, "gt": 0.9},
        ]
    )
    stretches = Stretches(tuple(followed(check)))

    def at(**kwargs: Any) -> bool:
        observation = seen(**kwargs)
        stretches.update(observation)
        return holds(check, observation, stretches)

    assert not at(epoch=2, iteration=20, learning_rate=0.0001, train_loss=0.8)  # begins
    assert not at(epoch=6, iteration=60, learning_rate=0.0001, train_loss=0.5)  # fell too far
    assert at(epoch=7, iteration=70, learning_rate=0.0001, train_loss=0.75)
    assert not at(epoch=8, iteration=80, learning_rate=0.03, train_loss=0.75)  # ends
    assert not at(epoch=12, iteration=120, learning_rate=0.0001, train_loss=0.75)  # anew
    assert at(epoch=17, iteration=170, learning_rate=0.0001, train_loss=0.75)
    assert not at(epoch=17, iteration=170, run=1, learning_rate=0.0001, train_loss=0.75)


@pytest.mark.parametrize(
    ("check", "path"),
    [
        ({}, "check"),
        ([], "check"),
        ("dataset", "check"),
        ({"field": "dataset"}, "check"),
        ({"field": "dataset", "metric": "train_loss", "eq": 1}, "check"),
        ({"field": "points", "eq": 1}, "check.field"),
        ({"field": "dataset", "eq": "nand"}, "check.eq"),
        ({"field": "dataset", "gte": 1}, "check.gte"),
        ({"field": "learning_rate", "contains": 1}, "check.contains"),
        ({"field": "learning_rate", "eq": True}, "check.eq"),
        ({"field": "learning_rate", "in": []}, "check.in"),
        ({"state": "epoch", "gte": 1, "since": {"state": "epoch", "gte": 0}}, "check.since"),
        ({"all": [{"state": "epoch", "gte": 1}], "eq": 1}, "check.eq"),
        ({"not": [{"state": "epoch", "gte": 1}]}, "check.not"),
        ([{"state": "epoch", "gte": 1}, {"state": "epochs", "gte": 1}], "check[1].state"),
        ({"gradient_ratio": [0, 1.5], "lt": 1}, "check.gradient_ratio"),
        ({"count": "hidden_layers", "activation": "swish", "eq": 1}, "check.activation[0]"),
    ],
)
def test_bad_checks_name_the_path(check: Any, path: str) -> None:
    with pytest.raises(CheckError) as caught:
        parse_check(check)
    assert str(caught.value).startswith(f"{path}: expected"), str(caught.value)


def test_nesting_is_bounded() -> None:
    check: dict[str, Any] = {"state": "epoch", "gte": 0}
    for _ in range(12):
        check = {"not": check}
    with pytest.raises(CheckError, match="nested at most"):
        parse_check(check)
