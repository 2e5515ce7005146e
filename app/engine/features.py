"""Input features: fixed functions of the raw coordinates (x1, x2), with no normalisation.

========  ===========
name      formula
========  ===========
x1        x1
x2        x2
x1_sq     x1²
x2_sq     x2²
x1_x2     x1 · x2
sin_x1    sin(x1)
sin_x2    sin(x2)
========  ===========

Each entry of ``FEATURES`` maps raw points ``X`` of shape (n, 2) to one column of shape (n,).
``make_features`` stacks any non-empty selection of them, in the order given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from numpy.typing import DTypeLike

FeatureName = Literal["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]


def x1(X: np.ndarray) -> np.ndarray:
    """First coordinate, shape (n,)."""
    return X[:, 0]


def x2(X: np.ndarray) -> np.ndarray:
    """Second coordinate, shape (n,)."""
    return X[:, 1]


def x1_sq(X: np.ndarray) -> np.ndarray:
    """x1², shape (n,)."""
    return np.square(X[:, 0])


def x2_sq(X: np.ndarray) -> np.ndarray:
    """x2², shape (n,)."""
    return np.square(X[:, 1])


def x1_x2(X: np.ndarray) -> np.ndarray:
    """x1 · x2, shape (n,)."""
    return X[:, 0] * X[:, 1]


def sin_x1(X: np.ndarray) -> np.ndarray:
    """sin(x1), shape (n,)."""
    return np.sin(X[:, 0])


def sin_x2(X: np.ndarray) -> np.ndarray:
    """sin(x2), shape (n,)."""
    return np.sin(X[:, 1])


FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": x1,
    "x2": x2,
    "x1_sq": x1_sq,
    "x2_sq": x2_sq,
    "x1_x2": x1_x2,
    "sin_x1": sin_x1,
    "sin_x2": sin_x2,
}


def check_feature_names(names: Sequence[str]) -> tuple[str, ...]:
    """Return ``names`` as a tuple; raise ValueError naming "features" if any is wrong.

    A selection must be non-empty, use only names from ``FEATURES`` and name each at most once.
    """
    if isinstance(names, str):
        raise ValueError(f"features: expected a list of feature names, got {names!r}")
    selected = tuple(names)
    if not selected:
        raise ValueError("features: expected at least one feature, got none")
    for name in selected:
        if name not in FEATURES:
            raise ValueError(f"features: expected names from {', '.join(FEATURES)}, got {name!r}")
    if len(set(selected)) != len(selected):
        repeated = next(name for name in selected if selected.count(name) > 1)
        raise ValueError(f"features: expected each feature at most once, got {repeated!r} twice")
    return selected


def _check_points(X_raw: np.ndarray) -> np.ndarray:
    X = np.asarray(X_raw)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X: expected raw points of shape (n, 2), got shape {X.shape}")
    return X


def make_features(
    X_raw: np.ndarray,
    names: Sequence[str],
    out: np.ndarray | None = None,
    dtype: DTypeLike = np.float64,
) -> np.ndarray:
    """Feature matrix of raw points, one column per name, in the order of ``names``.

    Parameters
    ----------
    X_raw : ndarray of shape (n, 2)
        Raw coordinates (x1, x2).
    names : sequence of feature names from ``FEATURES``
    out : ndarray of shape (n, len(names)), optional
        Written in place and returned when given (its dtype wins over ``dtype``).
    dtype : dtype of the new array when ``out`` is None.

    Returns
    -------
    features : ndarray of shape (n, len(names))
    """
    selected = check_feature_names(names)
    X = _check_points(X_raw)
    shape = (X.shape[0], len(selected))
    if out is None:
        out = np.empty(shape, dtype=dtype)
    elif out.shape != shape:
        raise ValueError(f"out: expected an array of shape {shape}, got shape {out.shape}")
    for column, name in enumerate(selected):
        out[:, column] = FEATURES[name](X)
    return out


def make_features_columns(
    X_raw: np.ndarray, names: Sequence[str], dtype: DTypeLike = np.float32
) -> np.ndarray:
    """Features with points as columns: shape (len(names), n), C-contiguous.

    The transposed layout of ``make_features``, for evaluating a network on a whole grid
    as ``W.T @ features`` with long contiguous rows (faster in float32).
    """
    selected = check_feature_names(names)
    X = _check_points(X_raw)
    out = np.empty((len(selected), X.shape[0]), dtype=dtype)
    for row, name in enumerate(selected):
        out[row] = FEATURES[name](X)
    return out
