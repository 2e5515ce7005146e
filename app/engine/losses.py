"""Output units, their losses, and the weight penalties.

==========  ================  ===========================================  =================
problem     output unit       loss over a batch of n (the *data loss*)     dL/dz (per row)
==========  ================  ===========================================  =================
binary      sigmoid (1 unit)  mean(max(z,0) - z y + log(1 + e^-|z|))        (σ(z) - y) / n
multiclass  softmax (k)       mean(logsumexp(z) - z_y)                      (softmax(z) - 1_y) / n
regression  linear (1 unit)   mean((z - y)²)                               2 (z - y) / n
==========  ================  ===========================================  =================

All three are computed from the logits ``z`` (the last layer's pre-activation), which keeps them
finite for any finite ``z``: binary cross-entropy in its log-sum-exp form, softmax with the row
maximum subtracted. Penalties apply to weights only, never to biases:
``l2`` adds ½·rate·Σw² to the objective (gradient rate·w), ``l1`` adds rate·Σ|w|
(gradient rate·sign w). The loss the engine reports is the data loss, without the penalty.

Each problem is one record, ``OUTPUTS[problem]`` (an ``OutputKind``): its output unit, its
loss, the loss's gradient (plainly and as the training step's compiled calls), and the unit's
float32 form for drawing the grids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from app.engine.activations import ACTIVATIONS, GridForm, Op

ProblemKind = Literal["binary", "multiclass", "regression"]
RegularizationName = Literal["none", "l1", "l2"]
REGULARIZATIONS: tuple[str, ...] = ("none", "l1", "l2")
#: an output error compiled into the step: (scale, calls, (function, source)), see
#: ``program.output_error``
ErrorProgram = tuple[float, list[Op], tuple[Any, np.ndarray]]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = ½ tanh(z/2) + ½, a new array; exact and overflow-free."""
    return np.tanh(z * 0.5) * 0.5 + 0.5


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``z`` (n, k) as a new array, max subtracted first."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def output_activation(problem: str, z: np.ndarray) -> np.ndarray:
    """The output unit applied to logits ``z`` (n, n_outputs): probabilities or values."""
    return OUTPUTS[problem].activation(z)


def data_loss(problem: str, z: np.ndarray, y: np.ndarray) -> float:
    """Mean loss of logits ``z`` (n, n_outputs) against labels/targets ``y`` (n,).

    ``y`` holds 0/1 for binary, class indices for multiclass, values for regression.
    May return inf or nan when ``z`` is not finite; callers report that as undefined.
    """
    return float(data_losses(problem, z[None], y)[0])


def data_losses(problem: str, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``data_loss`` of each network's logits in a stack ``z`` (R, n, n_outputs): (R,).

    Every row is reduced as a single network's logits are (the same sums, in the same
    order), so row r equals ``data_loss(problem, z[r], y)`` exactly.
    """
    if len(y) == 0:
        return np.full(len(z), np.nan)
    with np.errstate(all="ignore"):
        return OUTPUTS[problem].losses(z, y)


def output_delta(problem: str, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/dz for the mean loss: (n, n_outputs), a new array."""
    return OUTPUTS[problem].gradient(z, y)


def _binary_losses(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    logits = z[..., 0]
    terms = np.maximum(logits, 0.0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
    return terms.mean(axis=-1)


def _binary_gradient(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (sigmoid(z) - y[:, None]) / len(y)


def _binary_error(z: np.ndarray, error: np.ndarray) -> ErrorProgram:
    # tanh(z/2) + (1 − 2y) = 2(σ(z) − y)
    calls: list[Op] = [(np.multiply, (z, 0.5, error)), (np.tanh, (error, error))]
    return 0.5 / z.shape[-1], calls, (np.add, error)


def _multiclass_losses(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    peak = z.max(axis=-1)
    log_sum = peak + np.log(np.exp(z - peak[..., None]).sum(axis=-1))
    return (log_sum - z[:, np.arange(len(y)), y]).mean(axis=-1)


def _multiclass_gradient(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = len(y)
    delta = softmax(z)
    delta[np.arange(n), y] -= 1.0
    return delta / n


def _multiclass_error(z: np.ndarray, error: np.ndarray) -> ErrorProgram:
    # softmax(z) − onehot(y), classes along rows
    size = z.shape[-1]
    peak = np.empty((*z.shape[:-2], 1, size))
    calls: list[Op] = [
        (np.maximum.reduce, (z, -2, None, peak, True)),
        (np.subtract, (z, peak, error)),
        (np.exp, (error, error)),
        (np.add.reduce, (error, -2, None, peak, True)),
        (np.divide, (error, peak, error)),
    ]
    return 1.0 / size, calls, (np.subtract, error)


def _regression_losses(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    residual = z[..., 0] - y
    return np.array([np.dot(row, row) for row in residual]) / len(y)


def _regression_gradient(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 2.0 * (z - y[:, None]) / len(y)


def _regression_error(z: np.ndarray, error: np.ndarray) -> ErrorProgram:
    # z − y, the mean gradient being 2(z − y)/n
    return 2.0 / z.shape[-1], [], (np.subtract, z)


def _identity(z: np.ndarray) -> np.ndarray:
    return z.copy()


def _softmax_grid(units: np.ndarray) -> None:  # classes along rows, points along columns
    units -= units.max(axis=-2, keepdims=True)  # (..., classes, points): one or a stack
    np.exp(units, out=units)
    units /= units.sum(axis=-2, keepdims=True)


@dataclass(frozen=True)
class OutputKind:
    """One problem's output unit and loss, all from the logits ``z``.

    - ``activation(z)``: logits (n, n_outputs) to probabilities or values, a new array;
    - ``losses(z, y)``: the mean loss of each network in a stack (R, n, n_outputs): (R,);
    - ``gradient(z, y)``: dL/dz of the mean loss (n, n_outputs), a new array;
    - ``error(z, error)``: the same gradient as compiled calls (``program.output_error``);
    - ``grid``: the unit's float32 in-place form for drawing (``grid_layers``).
    """

    name: ProblemKind
    unit: str
    activation: Callable[[np.ndarray], np.ndarray]
    losses: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gradient: Callable[[np.ndarray, np.ndarray], np.ndarray]
    error: Callable[[np.ndarray, np.ndarray], ErrorProgram]
    grid: GridForm


OUTPUTS: dict[str, OutputKind] = {
    kind.name: kind
    for kind in (
        OutputKind(
            "binary",
            "sigmoid",
            sigmoid,
            _binary_losses,
            _binary_gradient,
            _binary_error,
            ACTIVATIONS["sigmoid"].grid,
        ),
        OutputKind(
            "multiclass",
            "softmax",
            softmax,
            _multiclass_losses,
            _multiclass_gradient,
            _multiclass_error,
            GridForm(_softmax_grid),
        ),
        OutputKind(
            "regression",
            "linear",
            _identity,
            _regression_losses,
            _regression_gradient,
            _regression_error,
            ACTIVATIONS["linear"].grid,
        ),
    )
}


def penalty(name: str, weights: np.ndarray, rate: float) -> float:
    """The regularisation term added to the objective, for a flat array of weights."""
    if name == "l2":
        return 0.5 * rate * float(np.dot(weights, weights))
    if name == "l1":
        return rate * float(np.abs(weights).sum())
    return 0.0


def penalty_gradient(name: str, weights: np.ndarray, rate: float) -> np.ndarray:
    """d penalty / d weights: rate·w (l2), rate·sign(w) (l1), zeros (none); a new array."""
    if name == "l2":
        return rate * weights
    if name == "l1":
        return rate * np.sign(weights)
    return np.zeros_like(weights)


def perceptron_delta(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The perceptron rule's error signal (ŷ − y) / n with ŷ = step(z) = [z > 0]; new array."""
    return ((z[:, :1] > 0.0) - y[:, None]) / len(y)
