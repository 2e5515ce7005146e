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
"""

from __future__ import annotations

from typing import Literal

import numpy as np

ProblemKind = Literal["binary", "multiclass", "regression"]
RegularizationName = Literal["none", "l1", "l2"]
REGULARIZATIONS: tuple[str, ...] = ("none", "l1", "l2")


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
    if problem == "binary":
        return sigmoid(z)
    if problem == "multiclass":
        return softmax(z)
    return z.copy()


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
        if problem == "binary":
            logits = z[..., 0]
            terms = np.maximum(logits, 0.0) - logits * y + np.log1p(np.exp(-np.abs(logits)))
            return terms.mean(axis=-1)
        if problem == "multiclass":
            peak = z.max(axis=-1)
            log_sum = peak + np.log(np.exp(z - peak[..., None]).sum(axis=-1))
            return (log_sum - z[:, np.arange(len(y)), y]).mean(axis=-1)
        residual = z[..., 0] - y
        return np.array([np.dot(row, row) for row in residual]) / len(y)


def output_delta(problem: str, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/dz for the mean loss: (n, n_outputs), a new array."""
    n = len(y)
    if problem == "binary":
        return (sigmoid(z) - y[:, None]) / n
    if problem == "multiclass":
        delta = softmax(z)
        delta[np.arange(n), y] -= 1.0
        return delta / n
    return 2.0 * (z - y[:, None]) / n


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
