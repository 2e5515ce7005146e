"""Hidden-layer activations, as name -> function tables.

``ACTIVATIONS[name](z, out)`` writes ``a = f(z)`` into ``out`` (which may be ``z`` itself).
``DERIVATIVES[name](a, delta, scratch)`` multiplies ``delta`` in place by ``f'(z)``, written
from the activation's *output* ``a`` so the pre-activation need not be kept:

==========  =========================  ===============================
name        f(z)                       f'(z) from a = f(z)
==========  =========================  ===============================
relu        max(z, 0)                  1 if a > 0 else 0
leaky_relu  max(z, 0.1 z)              1 if a > 0 else 0.1
tanh        tanh z                     1 - a²
sigmoid     1 / (1 + e^-z)             a (1 - a)
linear      z                          1
==========  =========================  ===============================

Each entry is built from an *op builder* (``ACTIVATION_OPS``, ``DERIVATIVE_OPS``) that returns
the NumPy calls as ``(function, args)`` pairs, so the training step can compile them into its
program once (see ``optimizers.run``). All of them work in place on arrays the caller owns
(``out``, ``delta``, ``scratch`` are modified) and in any float dtype. The sigmoid is
evaluated as ½ tanh(z/2) + ½, which never overflows.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Literal

import numpy as np

ActivationName = Literal["relu", "leaky_relu", "tanh", "sigmoid", "linear"]
LEAKY_SLOPE = 0.1

Op = tuple[Callable[..., Any], tuple[Any, ...]]


def _relu(z: np.ndarray, out: np.ndarray) -> list[Op]:
    # np.maximum takes ``out`` by keyword only
    return [(partial(np.maximum, out=out), (z, 0.0))]


def _leaky_relu(z: np.ndarray, out: np.ndarray) -> list[Op]:
    if out is z:  # in place: scale the negative entries only
        negative = np.empty(z.shape, dtype=bool)
        return [
            (np.less, (z, 0.0, negative)),
            (partial(np.multiply, out=z, where=negative), (z, LEAKY_SLOPE)),
        ]
    # max(z, 0.1 z) is z for z >= 0 and 0.1 z below, as the slope is < 1
    return [(np.multiply, (z, LEAKY_SLOPE, out)), (partial(np.maximum, out=out), (z, out))]


def _tanh(z: np.ndarray, out: np.ndarray) -> list[Op]:
    return [(np.tanh, (z, out))]


def _sigmoid(z: np.ndarray, out: np.ndarray) -> list[Op]:
    return [
        (np.multiply, (z, 0.5, out)),
        (np.tanh, (out, out)),
        (np.multiply, (out, 0.5, out)),
        (np.add, (out, 0.5, out)),
    ]


def _linear(z: np.ndarray, out: np.ndarray) -> list[Op]:
    return [] if out is z else [(np.copyto, (out, z))]


def _relu_derivative(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> list[Op]:
    return [(np.greater, (a, 0.0, scratch)), (np.multiply, (delta, scratch, delta))]


def _leaky_relu_derivative(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> list[Op]:
    # f' = 0.1 + 0.9 [a > 0]
    return [
        (np.greater, (a, 0.0, scratch)),
        (np.multiply, (scratch, 1.0 - LEAKY_SLOPE, scratch)),
        (np.add, (scratch, LEAKY_SLOPE, scratch)),
        (np.multiply, (delta, scratch, delta)),
    ]


def _tanh_derivative(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> list[Op]:
    return [
        (np.multiply, (a, a, scratch)),
        (np.subtract, (1.0, scratch, scratch)),
        (np.multiply, (delta, scratch, delta)),
    ]


def _sigmoid_derivative(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> list[Op]:
    return [
        (np.subtract, (1.0, a, scratch)),
        (np.multiply, (scratch, a, scratch)),
        (np.multiply, (delta, scratch, delta)),
    ]


def _linear_derivative(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> list[Op]:
    return []


ACTIVATION_OPS: dict[str, Callable[[np.ndarray, np.ndarray], list[Op]]] = {
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "linear": _linear,
}

DERIVATIVE_OPS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], list[Op]]] = {
    "relu": _relu_derivative,
    "leaky_relu": _leaky_relu_derivative,
    "tanh": _tanh_derivative,
    "sigmoid": _sigmoid_derivative,
    "linear": _linear_derivative,
}


def _activation(name: str) -> Callable[[np.ndarray, np.ndarray], None]:
    build = ACTIVATION_OPS[name]

    def activation(z: np.ndarray, out: np.ndarray) -> None:
        for function, args in build(z, out):
            function(*args)

    activation.__name__ = name
    return activation


def _derivative(name: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], None]:
    build = DERIVATIVE_OPS[name]

    def derivative(a: np.ndarray, delta: np.ndarray, scratch: np.ndarray) -> None:
        for function, args in build(a, delta, scratch):
            function(*args)

    derivative.__name__ = f"{name}_derivative"
    return derivative


ACTIVATIONS: dict[str, Callable[[np.ndarray, np.ndarray], None]] = {
    name: _activation(name) for name in ACTIVATION_OPS
}
DERIVATIVES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], None]] = {
    name: _derivative(name) for name in DERIVATIVE_OPS
}

#: Initialisation family matched to each activation (see ``Network.init_parameters``).
INIT_SCHEME: dict[str, Literal["he", "glorot"]] = {
    "relu": "he",
    "leaky_relu": "he",
    "tanh": "glorot",
    "sigmoid": "glorot",
    "linear": "glorot",
}
