"""Optimizers: one interface that turns a gradient into a parameter update.

Every optimizer compiles, once, a short *program*: a list of ``(function, args)`` NumPy calls
that update ``params`` in place from the gradient buffer, using ``slots`` (its own state, e.g.
velocities) and ``scratch``, all preallocated float64 arrays owned by the caller. Running the
program is ``for function, args in program: function(*args)``; no array is allocated.

The gradient buffer may hold the gradient times a known factor (the fast path skips a
division per step); ``scale`` converts it: g = scale · buffer. ``learning_rate`` is a float,
or a column (R, 1) of rates for parameters stacked R rows deep (``sweep_step``), each row
then updated as alone.

=========  ============================================================================
sgd        w ← w − lr·g
momentum   v ← μ·v − lr·g;  w ← w + v                       (Polyak's heavy ball)
adam       m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  t ← t + 1
           w ← w − lr·m̂ / (sqrt(v̂) + ε),  m̂ = m/(1−β1ᵗ),  v̂ = v/(1−β2ᵗ)
           (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1)
perceptron w ← w + lr·mean((y − ŷ)·x), ŷ = step(z) (Rosenblatt 1958); the update is sgd's,
           the difference is in the error signal (see ``losses.perceptron_delta``)
=========  ============================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.engine.activations import Op

OptimizerName = Literal["sgd", "momentum", "adam", "perceptron"]

ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPSILON = 1e-8


def run(program: list[Op]) -> None:
    """Execute a compiled program of NumPy calls."""
    for function, args in program:
        function(*args)


@dataclass(frozen=True)
class Sgd:
    """Plain stochastic gradient descent; no state."""

    name: str = "sgd"
    uses_step_output: bool = False

    def slot_sizes(self, n_parameters: int) -> list[int]:
        return []

    def program(
        self,
        params: np.ndarray,
        gradient: np.ndarray,
        slots: list[np.ndarray],
        scratch: np.ndarray,
        learning_rate: float | np.ndarray,
        momentum: float,
        scale: float,
    ) -> list[Op]:
        return [
            (np.multiply, (gradient, learning_rate * scale, scratch)),
            (np.subtract, (params, scratch, params)),
        ]


@dataclass(frozen=True)
class Momentum:
    """SGD with a velocity: the classic heavy-ball momentum, coefficient μ."""

    name: str = "momentum"
    uses_step_output: bool = False

    def slot_sizes(self, n_parameters: int) -> list[int]:
        return [n_parameters]

    def program(
        self,
        params: np.ndarray,
        gradient: np.ndarray,
        slots: list[np.ndarray],
        scratch: np.ndarray,
        learning_rate: float | np.ndarray,
        momentum: float,
        scale: float,
    ) -> list[Op]:
        (velocity,) = slots
        return [
            (np.multiply, (velocity, momentum, velocity)),
            (np.multiply, (gradient, learning_rate * scale, scratch)),
            (np.subtract, (velocity, scratch, velocity)),
            (np.add, (params, velocity, params)),
        ]


@dataclass(frozen=True)
class Adam:
    """Adam with bias correction by the step count ``t`` (kept in a one-element slot)."""

    name: str = "adam"
    uses_step_output: bool = False

    def slot_sizes(self, n_parameters: int) -> list[int]:
        return [n_parameters, n_parameters, 1]

    def program(
        self,
        params: np.ndarray,
        gradient: np.ndarray,
        slots: list[np.ndarray],
        scratch: np.ndarray,
        learning_rate: float | np.ndarray,
        momentum: float,
        scale: float,
    ) -> list[Op]:
        first, second, step = slots
        # what changes every step: lr / (1 − β1ᵗ) (one per row for a column of rates) and
        # 1 / sqrt(1 − β2ᵗ); every row of stacked parameters has taken the same steps
        rate = np.zeros(np.shape(learning_rate) or (1,))
        correction = np.zeros(1)
        g = np.empty_like(scratch)

        def advance() -> None:
            step[...] += 1.0
            t = step.flat[0]
            rate[...] = learning_rate / (1.0 - ADAM_BETA1**t)
            correction[0] = 1.0 / math.sqrt(1.0 - ADAM_BETA2**t)

        return [
            (np.multiply, (gradient, scale, g)),
            (np.subtract, (g, first, scratch)),
            (np.multiply, (scratch, 1.0 - ADAM_BETA1, scratch)),
            (np.add, (first, scratch, first)),
            (np.multiply, (g, g, scratch)),
            (np.subtract, (scratch, second, scratch)),
            (np.multiply, (scratch, 1.0 - ADAM_BETA2, scratch)),
            (np.add, (second, scratch, second)),
            (advance, ()),
            (np.sqrt, (second, scratch)),
            (np.multiply, (scratch, correction, scratch)),
            (np.add, (scratch, ADAM_EPSILON, scratch)),
            (np.divide, (first, scratch, scratch)),
            (np.multiply, (scratch, rate, scratch)),
            (np.subtract, (params, scratch, params)),
        ]


@dataclass(frozen=True)
class Perceptron(Sgd):
    """Rosenblatt's rule: sgd's update driven by the step output's error (y − ŷ)."""

    name: str = "perceptron"
    uses_step_output: bool = True


Optimizer = Sgd | Momentum | Adam

OPTIMIZERS: dict[str, Optimizer] = {
    "sgd": Sgd(),
    "momentum": Momentum(),
    "adam": Adam(),
    "perceptron": Perceptron(),
}
