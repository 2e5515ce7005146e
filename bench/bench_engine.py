"""Engine speed, side by side: one SGD step vs PyTorch (CPU, eager, 1 thread) and scikit-learn.

Run:  .venv/bin/python bench/bench_engine.py            (installs torch==2.13.0 and
scikit-learn into the running interpreter's environment if they are missing)

With ``OPENBLAS_NUM_THREADS=1`` the grid products stay on one core: on a busy 2-core machine
OpenBLAS's second thread otherwise turns a 30 µs product into milliseconds now and then.

Prints, for each playground net: the engine's time per SGD step inside ``train_iterations``,
a straightforward NumPy MLP's, PyTorch's and scikit-learn MLPClassifier's (batches inside its
own ``fit`` loop), and the ratios; then NumPy calls per step × the measured cost of one call
against the actual step; the decision-boundary grid with every neuron's output and the floor
beneath it (``bench_grids.py``, also runnable alone); and the memory a default session holds.
Every figure is the best of several interleaved rounds, so that all frameworks see the same
machine load.
"""

from __future__ import annotations

import gc
import importlib
import json
import math
import os
import subprocess
import sys
import time
import timeit
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_grids import print_grid_figures  # noqa: E402  (this file's folder)

from app.engine import Trainer, TrainerConfig  # noqa: E402
from app.engine.optimizers import run  # noqa: E402

# torch only as this exact version: it is on local disk, any other downloads gigabytes
REQUIREMENTS = {"torch": "torch==2.13.0", "sklearn": "scikit-learn"}
ROUNDS = 7
SIX_FEATURES = ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1")
NETS: dict[str, TrainerConfig] = {
    "2-4-2-1 tanh, batch 10": TrainerConfig(hidden_layers=(4, 2), batch_size=10),
    "2-8x6-1 relu, batch 10": TrainerConfig(
        hidden_layers=(8,) * 6, activation="relu", batch_size=10
    ),
    "2-8-8-1 tanh, batch 1": TrainerConfig(hidden_layers=(8, 8), batch_size=1),
    "6-8-8-1 tanh, batch 30": TrainerConfig(
        hidden_layers=(8, 8), batch_size=30, features=SIX_FEATURES
    ),
}


def ensure(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        print(f"installing {REQUIREMENTS[module]} ...", flush=True)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", REQUIREMENTS[module]]
        subprocess.run(pip, check=True)
        return importlib.import_module(module)


def best(measure: Callable[[], float], rounds: int = 7) -> float:
    return min(measure() for _ in range(rounds))


# ---------------------------------------------------------------------- engine
def engine_step(config: TrainerConfig, steps: int) -> Callable[[], float]:
    trainer = Trainer(config)
    trainer.train_iterations(200)

    def measure() -> float:
        start = time.perf_counter()
        trainer.train_iterations(steps)
        return (time.perf_counter() - start) / steps

    return measure


def plain_numpy_step(config: TrainerConfig, steps: int) -> Callable[[], float]:
    """A straightforward NumPy MLP step: allocate per step, plain expressions (for reference)."""
    trainer = Trainer(config)
    network, rng = trainer.network, np.random.default_rng(0)
    X, y, size = trainer.features_train, trainer.y_train, config.batch_size
    rate = config.learning_rate

    def measure() -> float:
        start = time.perf_counter()
        done = 0
        while done < steps:
            order = rng.permutation(len(y))
            for first in range(0, len(y), size):
                batch = order[first : first + size]
                _, gradient = network.gradient(X[batch], y[batch])
                network.params -= rate * gradient
                done += 1
        return (time.perf_counter() - start) / done

    return measure


# ---------------------------------------------------------------------- PyTorch
def torch_step(config: TrainerConfig, steps: int) -> Callable[[], float]:
    torch = ensure("torch")
    torch.set_num_threads(1)
    trainer = Trainer(config)
    layers: list[Any] = []
    sizes = trainer.layer_sizes
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(fan_in, fan_out, dtype=torch.float64))
        if layer < len(sizes) - 2:
            layers.append(torch.nn.Tanh() if config.activation == "tanh" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    loss_function = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=config.learning_rate)
    X = torch.tensor(trainer.features_train)
    y = torch.tensor(trainer.y_train, dtype=torch.float64)[:, None]
    size = config.batch_size

    def measure() -> float:
        start = time.perf_counter()
        done = 0
        while done < steps:
            order = torch.randperm(len(y))
            X_epoch, y_epoch = X[order], y[order]
            for first in range(0, len(y), size):
                optimizer.zero_grad()
                loss = loss_function(
                    model(X_epoch[first : first + size]), y_epoch[first : first + size]
                )
                loss.backward()
                optimizer.step()
                done += 1
        return (time.perf_counter() - start) / done

    return measure


def torch_gradient_parity() -> float:
    """Largest relative difference between the engine's batch gradient and autograd's."""
    torch = ensure("torch")
    worst = 0.0
    for activation in ("tanh", "relu", "sigmoid"):
        trainer = Trainer(TrainerConfig(hidden_layers=(8, 8), activation=activation, seed=3))
        trainer.stepper.shuffle(trainer.rng)
        engine = trainer.stepper.batch_gradient()
        size = trainer.config.batch_size
        X = torch.tensor(trainer.stepper.permuted_inputs[:size, :-1])
        y = torch.tensor(trainer.y_train[trainer.stepper.order[:size]], dtype=torch.float64)
        weights = [torch.tensor(w, requires_grad=True) for w in trainer.weights()]
        biases = [torch.tensor(b, requires_grad=True) for b in trainer.biases()]
        function = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[activation]
        a = X
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            a = a @ w + b
            if layer < len(weights) - 1:
                a = function(a)
        torch.nn.functional.binary_cross_entropy_with_logits(a[:, 0], y).backward()
        reference = np.concatenate(
            [
                np.vstack([w.grad.numpy(), b.grad.numpy()[None]]).ravel()
                for w, b in zip(weights, biases, strict=True)
            ]
        )
        worst = max(worst, float(np.abs(engine - reference).max() / np.abs(reference).max()))
    return worst


# ---------------------------------------------------------------------- scikit-learn
def sklearn_step(config: TrainerConfig, epochs: int) -> Callable[[], float]:
    ensure("sklearn")
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    trainer = Trainer(config)
    X, y = trainer.features_train, trainer.y_train
    batches = epochs * math.ceil(len(y) / config.batch_size)

    def measure() -> float:
        model = MLPClassifier(
            hidden_layer_sizes=config.hidden_layers,
            activation=config.activation,
            solver="sgd",
            batch_size=config.batch_size,
            learning_rate_init=config.learning_rate,
            momentum=0.0,
            nesterovs_momentum=False,
            alpha=0.0,
            max_iter=epochs,
            tol=0.0,
            n_iter_no_change=epochs + 1,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            model.fit(X, y)
            elapsed = time.perf_counter() - start
        assert model.n_iter_ == epochs
        return elapsed / batches

    return measure


# ---------------------------------------------------------------------- call accounting
def call_floor() -> float:
    """Cost of one cheap NumPy call issued the way the engine issues them (a compiled list)."""
    a, b, c = np.zeros((4, 10)), np.zeros((4, 10)), np.zeros((4, 10))
    program: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [(np.add, (a, b, c))] * 1000
    return best(lambda: timeit.timeit(lambda: run(program), number=20) / 20000, rounds=15)


def step_calls(config: TrainerConfig) -> tuple[float, float]:
    """NumPy calls per step, and the sum of their costs each timed alone (µs)."""
    trainer = Trainer(config)
    trainer.train_iterations(50)
    stepper = trainer.stepper
    batch, program = stepper._entry(0)
    state, ones = stepper.state, stepper.ones
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
        *program,
        *batch.update,
        (np.dot, (state, ones)),  # the finiteness check
    ]
    alone = 0.0
    for function, args in calls:

        def once(f: Callable[..., Any] = function, a: tuple[Any, ...] = args) -> float:
            return timeit.timeit(lambda: f(*a), number=2000) / 2000

        alone += best(once)
    per_epoch = 3  # a permutation and two np.take at the start of every epoch
    return len(calls) + per_epoch / trainer.iterations_per_epoch, alone * 1e6


# ---------------------------------------------------------------------- memory
def session_bytes() -> tuple[int, int]:
    """NumPy bytes held by a default session after training and drawing, and its export's."""
    trainer = Trainer(TrainerConfig())
    trainer.train_epochs(2)
    trainer.boundary(100)
    trainer.neuron_grids(24)
    seen: set[int] = set()
    total = 0
    stack: list[Any] = [trainer]
    visited: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in visited:
            continue
        visited.add(id(item))
        if isinstance(item, np.ndarray):
            base = item if item.base is None else item.base
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            if id(base) not in seen and isinstance(base, np.ndarray):
                seen.add(id(base))
                total += base.nbytes
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif hasattr(item, "__dict__") and type(item).__module__.startswith("app."):
            stack.extend(vars(item).values())
    return total, len(json.dumps(trainer.export_state()))


def main() -> None:
    ensure("torch")
    ensure("sklearn")
    import sklearn
    import torch

    print(f"numpy {np.__version__}, torch {torch.__version__}, scikit-learn {sklearn.__version__}")
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(
        f"python {sys.version.split()[0]}; OPENBLAS_NUM_THREADS={threads}; cores {os.cpu_count()}"
    )
    print(f"best of {ROUNDS} interleaved rounds\n")
    parity = torch_gradient_parity()
    print(f"gradient parity with torch autograd (max relative difference): {parity:.1e}")
    floor = call_floor() * 1e6
    print(f"one cheap NumPy call (np.add on 4x10, out=, via the step's loop): {floor:.2f} µs\n")
    print("SGD step, µs (engine: inside train_iterations; sklearn: per batch inside fit)")
    print(
        f"{'net':24} {'engine':>7} {'plain':>7} {'torch':>7} {'sklearn':>7} {'torch/':>7}"
        f" {'skl/':>6} {'plain/':>6} {'calls':>6} {'calls x':>8} {'eng/':>6} {'Σ calls':>8}"
        f" {'eng/':>6}"
    )
    print(
        f"{'':24} {'':>7} {'':>7} {'':>7} {'':>7} {'engine':>7} {'engine':>6} {'engine':>6}"
        f" {'':>6} {'floor':>8} {'that':>6} {'alone':>8} {'that':>6}"
    )
    for name, config in NETS.items():
        measures = {
            "engine": engine_step(config, 4000),
            "plain": plain_numpy_step(config, 1000),
            "torch": torch_step(config, 400),
            "sklearn": sklearn_step(config, 20 if config.batch_size > 1 else 4),
        }
        results = {key: math.inf for key in measures}
        for _ in range(ROUNDS):
            for key, measure in measures.items():
                gc.collect()
                results[key] = min(results[key], measure())
        us = {key: value * 1e6 for key, value in results.items()}
        calls, alone = step_calls(config)
        engine = us["engine"]
        ratios = [us[key] / engine for key in ("torch", "sklearn", "plain")]
        print(
            f"{name:24} {engine:7.1f} {us['plain']:7.1f} {us['torch']:7.1f} {us['sklearn']:7.1f}"
            f" {ratios[0]:7.1f} {ratios[1]:6.1f} {ratios[2]:6.1f}"
            f" {calls:6.1f} {calls * floor:8.1f} {engine / (calls * floor):6.2f} {alone:8.1f}"
            f" {engine / alone:6.2f}"
        )
    print("bar: torch/engine >= 15, skl/engine >= 8, engine within 1.2x of calls x per-call cost\n")
    print_grid_figures()
    held, exported = session_bytes()
    print("\ndefault session (2-4-2-1, 500 points, grid features for 100 and 24), bar: << 1 MB")
    print(f"  NumPy arrays held: {held / 1024:.1f} KiB")
    print(f"  export_state as JSON: {exported / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
