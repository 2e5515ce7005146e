"""Drawing speed: the decision boundary with every neuron's output, and the floor beneath it.

Run:  OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_grids.py   (also run by bench_engine.py)

Prints, for 2-8-8-1 nets with tanh, relu and sigmoid hidden units: ``Trainer.grids(100)``
(the 100 x 100 boundary with every neuron's output, the bar), ``boundary(100)`` alone and
``neuron_grids(24)`` (the stream's thumbnails), each the best of interleaved rounds so that all
see the same machine load. Then, for the tanh net, every large NumPy operation its grid cannot
do without, each timed alone in the shape it runs in: their sum is a floor that no ordering
of these calls beats, whatever the Python around them costs.
"""

from __future__ import annotations

import os
import sys
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engine import Trainer, TrainerConfig  # noqa: E402
from app.engine.grid_layers import exp_form, from_denominator  # noqa: E402
from app.engine.grids import shared_grid_features  # noqa: E402

RESOLUTION = 100
ROUNDS = 15
BAR = 150.0  # µs, grids(100) of a 2-8-8-1 net


def simd() -> str:
    """The CPU features NumPy found, e.g. "AVX2 FMA3 (no AVX512F)"."""
    core = getattr(np, "_core", None) or np.core  # NumPy 2 renamed np.core
    features: dict[str, bool] = core._multiarray_umath.__cpu_features__
    wanted = ("AVX2", "FMA3", "AVX512F", "AVX512_SKX")
    found = " ".join(name for name in wanted if features.get(name))
    missing = " ".join(name for name in wanted if not features.get(name))
    return f"{found} (no {missing})" if missing else found


def interleaved(measures: dict[str, Callable[[], object]], number: int) -> dict[str, float]:
    """Best µs per call of each measure over ROUNDS rounds, one round of every measure each."""
    results = dict.fromkeys(measures, float("inf"))
    for _ in range(ROUNDS):
        for label, function in measures.items():
            seconds = timeit.timeit(function, number=number) / number
            results[label] = min(results[label], seconds * 1e6)
    return results


def trained(activation: str) -> Trainer:
    trainer = Trainer(TrainerConfig(hidden_layers=(8, 8), activation=activation))
    trainer.train_iterations(50)
    trainer.grids(RESOLUTION)
    trainer.neuron_grids(24)
    return trainer


def grid_times() -> dict[str, float]:
    measures: dict[str, Callable[[], object]] = {}
    for activation in ("tanh", "relu", "sigmoid"):
        trainer = trained(activation)
        measures[f"{activation:8} grids(100): boundary + every neuron"] = partial(
            trainer.grids, RESOLUTION
        )
        measures[f"{activation:8} boundary(100) alone"] = partial(trainer.boundary, RESOLUTION)
        measures[f"{activation:8} neuron_grids(24), the stream's thumbnails"] = partial(
            trainer.neuron_grids, 24
        )
    columns = shared_grid_features(RESOLUTION, trainer.config.features).columns
    rows = np.ascontiguousarray(columns[:-1].T, dtype=np.float64)
    measures["sigmoid  float64 forward, points as rows (for reference)"] = partial(
        trainer.network.forward, rows
    )
    return interleaved(measures, number=50)


def floor_times() -> tuple[dict[str, float], dict[str, float]]:
    """The large operations of a 2-8-8-1 tanh grid at 100 x 100, each timed alone (µs).

    Returns the operations its fastest exact evaluation cannot avoid, and alternatives.
    """
    trainer = trained("tanh")
    grid = shared_grid_features(RESOLUTION, trainer.config.features)
    r, n = RESOLUTION, RESOLUTION**2
    _, first, second, _ = [layer.reshape(-1, n) for layer in trainer.neuron_grids(r)]
    ones = np.ones((1, n), dtype=np.float32)
    below = [grid.columns, np.vstack([first, ones]), np.vstack([second, ones])]
    scale = [2.0, 1.0, -1.0]  # the separable tanh's exponent, tanh's grid form, the sigmoid's
    weights = [
        np.ascontiguousarray(s * block.T, dtype=np.float32)
        for s, block in zip(scale, trainer.network.blocks, strict=True)
    ]
    z = [np.dot(w, h) for w, h in zip(weights, below, strict=True)]
    out = [np.empty_like(values) for values in z]
    rng = np.random.default_rng(0)
    left = rng.uniform(0.1, 10.0, (8, r, 2)).astype(np.float32)  # [e^{2B(y)}, 1] per unit
    right = rng.uniform(0.1, 10.0, (8, 2, r)).astype(np.float32)  # [e^{2A(x)}; 1]
    left[:, :, 1], right[:, 1] = 1.0, 1.0
    # the cheapest tanh found, though not exact: the nearest of 70 667 table entries, with
    # the index's scale and offset folded into the weights (so not timed here)
    step, reach = 1.5e-4, 5.3
    table = np.tanh(np.arange(-reach, reach + step, step)).astype(np.float32)
    positions = z[1] / 2 / step + (reach / step + 0.5)
    index = np.empty(positions.shape, dtype=np.int32)

    def layer(h: int, activation: str) -> Callable[[], None]:
        def run() -> None:
            np.matmul(weights[h], below[h], out=out[h])
            exp_form(activation, out[h])

        return run

    def separable() -> None:
        np.matmul(left, right, out=out[0].reshape(8, r, r))
        from_denominator("tanh", out[0])

    def table_tanh() -> None:
        np.copyto(index, positions, casting="unsafe")
        np.take(table, index, out=out[1], mode="clip")

    needed = interleaved(
        {
            "layer 1, separable: 8 GEMMs (100x2 @ 2x100) + 2 passes": separable,
            "layer 2: matmul 8x9 @ 9x10^4 + float32 np.tanh": layer(1, "tanh"),
            "output: matmul 1x9 @ 9x10^4 + sigmoid exp form": layer(2, "sigmoid"),
        },
        number=100,
    )
    parts = interleaved(
        {
            "layer 2's matmul 8x9 @ 9x10^4 alone": lambda: np.matmul(
                weights[1], below[1], out=out[1]
            ),
            "layer 2's np.exp alone (8x10^4, into another array)": lambda: np.exp(z[1], out=out[1]),
            "the exp form instead of np.tanh (exp + 3 passes, 8x10^4)": partial(
                exp_form, "sigmoid", out[1]
            ),
            "table lookup instead (int32 index + np.take; not exact)": table_tanh,
            "layer 1 without separability: 8x3 @ 3x10^4 + np.tanh": layer(0, "tanh"),
        },
        number=100,
    )
    return needed, parts


def print_grid_figures() -> None:
    print(f"NumPy {np.__version__} on this CPU: {simd()}; load {os.getloadavg()[0]:.2f}")
    print(f"2-8-8-1, best of {ROUNDS} interleaved rounds (bar: grids(100) <= {BAR:.0f} µs)")
    for label, us in grid_times().items():
        print(f"  {label:58} {us:8.1f} µs")
    needed, parts = floor_times()
    print("floor of the tanh grid at 100 x 100: its large operations, each timed alone")
    for label, us in needed.items():
        print(f"  {label:58} {us:8.1f} µs")
    total = sum(needed.values())
    print(f"  {'sum: no arrangement of these calls is faster':58} {total:8.1f} µs")
    for label, us in parts.items():
        print(f"  {label:58} {us:8.1f} µs")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    print_grid_figures()
