"""A learning-rate sweep, stacked against separate trainers: how much faster, same numbers.

Run:  OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_sweep.py

For each case (a network, a number of rates, a number of epochs) it times
``app.engine.sweep.sweep`` — every rate at once, on stacked weights — against one plain
``Trainer`` per rate, trained an epoch at a time with its losses read at every epoch end
(what the sweep returns), and against the same trainers trained without reading anything
(the least separate runs can cost). Every figure is the best of several interleaved rounds,
so both sides see the same machine load; the last column says whether every rate's curves
came out identical, bit for bit.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine import Trainer, TrainerConfig  # noqa: E402
from app.engine.sweep import sweep  # noqa: E402

ROUNDS = 5
CIRCLES = TrainerConfig()  # 2-4-2-1 tanh, batch 10, 250 training points
SPIRAL = TrainerConfig(dataset="spiral", hidden_layers=(8,) * 6, activation="relu")
CASES: list[tuple[str, TrainerConfig, int, int]] = [
    ("circles 2-4-2-1 tanh", CIRCLES, 5, 100),
    ("circles 2-4-2-1 tanh", CIRCLES, 10, 100),
    ("spiral 2-8x6-1 relu", SPIRAL, 5, 50),
    ("spiral 2-8x6-1 relu", SPIRAL, 10, 50),
    ("spiral 2-8x6-1 relu, adam", replace(SPIRAL, optimizer="adam"), 10, 50),
]


def rates_for(count: int) -> list[float]:
    """Rates from crawling to brisk, none large enough to diverge (which would shrink the
    stack and flatter it)."""
    return [float(rate) for rate in np.geomspace(1e-3, 0.1, count)]


def stacked(config: TrainerConfig, rates: list[float], epochs: int) -> list[list[float]]:
    return [run.train_loss for run in sweep(Trainer(config), rates, epochs)]


def separate(config: TrainerConfig, rates: list[float], epochs: int) -> list[list[float]]:
    curves = []
    for rate in rates:
        trainer = Trainer(replace(config, learning_rate=rate))
        curve = []
        for _ in range(epochs):
            trainer.train_epochs(1)
            loss = trainer.metrics()["train_loss"]
            assert loss is not None
            curve.append(loss)
        curves.append(curve)
    return curves


def separate_training_only(config: TrainerConfig, rates: list[float], epochs: int) -> None:
    for rate in rates:
        Trainer(replace(config, learning_rate=rate)).train_epochs(epochs)


def timed(function: Callable[[TrainerConfig, list[float], int], object], *case: Any) -> float:
    start = time.perf_counter()
    function(*case)
    return time.perf_counter() - start


def main() -> None:
    print(
        f"{'case':<28}{'rates':>6}{'epochs':>7}{'stacked':>10}{'separate':>10}"
        f"{'speed-up':>10}{'train only':>12}{'speed-up':>10}  identical"
    )
    for name, config, count, epochs in CASES:
        rates = rates_for(count)
        identical = stacked(config, rates, epochs) == separate(config, rates, epochs)
        sides = {"stacked": stacked, "separate": separate, "train only": separate_training_only}
        times: dict[str, list[float]] = {key: [] for key in sides}
        for _ in range(ROUNDS):
            for key, function in sides.items():
                times[key].append(timed(function, config, rates, epochs))
        best = {key: min(values) for key, values in times.items()}
        print(
            f"{name:<28}{count:>6}{epochs:>7}{best['stacked'] * 1e3:>8.0f}ms"
            f"{best['separate'] * 1e3:>8.0f}ms{best['separate'] / best['stacked']:>9.1f}x"
            f"{best['train only'] * 1e3:>10.0f}ms{best['train only'] / best['stacked']:>9.1f}x"
            f"  {'yes' if identical else 'NO'}"
        )


if __name__ == "__main__":
    main()
