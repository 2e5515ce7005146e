"""Two-dimensional data sets on the square [-6, 6]², modelled on TensorFlow Playground.

Every generator has one signature::

    generate(n_samples, noise, rng) -> (X, y)

``X`` is float64 of shape (n_samples, 2), every point inside ``DOMAIN`` squared (clipped).
``y`` has shape (n_samples,): int64 class labels 0..k-1 for classification, float64 targets
in [-1, 1] for regression. ``noise`` lies in [0, 0.5]; each set's ``description`` says what
it does there. Every random draw comes from the ``rng`` passed in, so a seed fixes the data.
``blobs`` also takes ``n_classes``; call any set through ``make_dataset``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeGuard

import numpy as np

DOMAIN = (-6.0, 6.0)
MIN_SAMPLES = 4
MAX_SAMPLES = 100_000
MAX_NOISE = 0.5
BLOB_CLASSES = (3, 6)
MAX_CUSTOM_CLASSES = 10
GATE_CORNER = 4.0  # truth-table bit 0 sits at -4, bit 1 at +4

ProblemName = Literal["classification", "regression"]
DatasetName = Literal[
    "circles", "xor", "gaussian", "spiral", "moons", "and", "or", "xor_gate",
    "spiral3", "blobs", "plane", "multi_gaussian", "custom",
]  # fmt: skip

Data = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class DatasetSpec:
    """A registered data set: its name, problem kind, class count and generator."""

    name: str
    problem: ProblemName
    classes: int | None  # None: variable (blobs), regression, or custom
    description: str
    generate: Callable[..., Data]


def _is_number(value: object) -> TypeGuard[float | np.integer | np.floating]:
    """A real Python or NumPy number, not a bool."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _check_int(field: str, value: object, low: int, high: int) -> int:
    if (
        not isinstance(value, int | np.integer)
        or isinstance(value, bool)
        or not low <= value <= high
    ):
        raise ValueError(f"{field}: expected an integer in [{low}, {high}], got {value!r}")
    return int(value)


def _check_real(field: str, value: object, low: float, high: float) -> float:
    # NaN fails the range test, so it is rejected along with everything out of range.
    if not _is_number(value) or not low <= float(value) <= high:
        raise ValueError(f"{field}: expected a number in [{low:g}, {high:g}], got {value!r}")
    return float(value)


def _check_args(n_samples: object, noise: object) -> tuple[int, float]:
    n = _check_int("n_samples", n_samples, MIN_SAMPLES, MAX_SAMPLES)
    return n, _check_real("noise", noise, 0.0, MAX_NOISE)


def _labels(n_samples: int, n_groups: int) -> np.ndarray:
    """Labels 0..n_groups-1 in blocks as equal as possible (the first groups take the rest)."""
    counts = [n_samples // n_groups + (i < n_samples % n_groups) for i in range(n_groups)]
    return np.repeat(np.arange(n_groups, dtype=np.int64), counts)


def _finish(X: np.ndarray, y: np.ndarray) -> Data:
    X = np.ascontiguousarray(np.clip(X, *DOMAIN), dtype=np.float64)
    return X, y


def _polar(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.column_stack((radius * np.sin(angle), radius * np.cos(angle)))


def circles(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Class 1 in a disc of radius 2.5, class 0 in a ring 3.5..5 (half each)."""
    n, noise = _check_args(n_samples, noise)
    y_drawn = _labels(n, 2)[::-1]  # first half inside
    radius = np.where(y_drawn == 1, rng.uniform(0.0, 2.5, n), rng.uniform(3.5, 5.0, n))
    X = _polar(radius, rng.uniform(0.0, 2 * math.pi, n))
    # As in TF Playground, noise moves the point used for labelling, not the point itself.
    probe = X + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    y = (np.hypot(probe[:, 0], probe[:, 1]) < 2.5).astype(np.int64)
    return _finish(X, y)


def xor(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Uniform points in the four quadrants, kept 0.3 off the axes; class 1 where signs differ."""
    n, noise = _check_args(n_samples, noise)
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    probe = X + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    y = (probe[:, 0] * probe[:, 1] < 0).astype(np.int64)
    return _finish(X, y)


def gaussian(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Two Gaussian blobs: class 1 around (2, 2), class 0 around (-2, -2)."""
    n, noise = _check_args(n_samples, noise)
    y = _labels(n, 2)
    centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
    std = math.sqrt(0.5 + 7.0 * noise)  # variance 0.5 .. 4 as noise goes 0 .. 0.5
    X = centres[y] + rng.normal(0.0, std, (n, 2))
    return _finish(X, y)


def _spiral_arms(n_samples: int, noise: float, rng: np.random.Generator, arms: int) -> Data:
    n, noise = _check_args(n_samples, noise)
    y = _labels(n, arms)
    along = rng.uniform(0.0, 1.0, n)  # position along the arm, centre 0 .. tip 1
    # 1.75 turns out to radius 5; arm k is rotated by 2πk / arms.
    angle = 1.75 * 2 * math.pi * along + 2 * math.pi * y / arms
    X = _polar(5.0 * along, angle) + rng.uniform(-1.0, 1.0, (n, 2)) * noise
    return _finish(X, y)


def spiral(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Two interleaved spiral arms, one per class."""
    return _spiral_arms(n_samples, noise, rng, arms=2)


def spiral3(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Three interleaved spiral arms, classes 0, 1, 2."""
    return _spiral_arms(n_samples, noise, rng, arms=3)


def moons(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Two interleaving half circles (scikit-learn's make_moons, scaled by 3.5 and centred)."""
    n, noise = _check_args(n_samples, noise)
    y = _labels(n, 2)
    t = rng.uniform(0.0, math.pi, n)
    upper = np.column_stack((np.cos(t), np.sin(t)))
    lower = np.column_stack((1.0 - np.cos(t), 0.5 - np.sin(t)))
    unit = np.where(y[:, None] == 0, upper, lower)
    X = (unit - [0.5, 0.25]) * 3.5 + rng.normal(0.0, 3.5 * noise, (n, 2))
    return _finish(X, y)


def _gate(
    n_samples: int, noise: float, rng: np.random.Generator, rule: Callable[..., np.ndarray]
) -> Data:
    n, noise = _check_args(n_samples, noise)
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])[_labels(n, 4)]
    X = (2.0 * bits - 1.0) * GATE_CORNER
    if n > 4:
        X += rng.normal(0.0, 0.25 + 2.0 * noise, (n, 2))
    y = rule(bits[:, 0], bits[:, 1]).astype(np.int64)
    return _finish(X, y)


def and_gate(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Truth table of AND on the corners (±4, ±4): class 1 only at (4, 4)."""
    return _gate(n_samples, noise, rng, np.logical_and)


def or_gate(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Truth table of OR on the corners (±4, ±4): class 0 only at (-4, -4)."""
    return _gate(n_samples, noise, rng, np.logical_or)


def xor_gate(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Truth table of XOR on the corners (±4, ±4): class 1 where the bits differ."""
    return _gate(n_samples, noise, rng, np.logical_xor)


def blobs(n_samples: int, noise: float, rng: np.random.Generator, *, n_classes: int = 4) -> Data:
    """``n_classes`` Gaussian blobs (3..6) centred on a circle of radius 4, one per class."""
    n, noise = _check_args(n_samples, noise)
    k = _check_int("n_classes", n_classes, *BLOB_CLASSES)
    y = _labels(n, k)
    angles = math.pi / 2 + 2 * math.pi * np.arange(k) / k
    centres = 4.0 * np.column_stack((np.cos(angles), np.sin(angles)))
    X = centres[y] + rng.normal(0.0, 0.5 + 2.0 * noise, (n, 2))
    return _finish(X, y)


def plane(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Uniform points; target (x1 + x2) / 12, a tilted plane from -1 to 1."""
    n, noise = _check_args(n_samples, noise)
    X = rng.uniform(*DOMAIN, (n, 2))
    probe = np.clip(X + rng.uniform(-6.0, 6.0, (n, 2)) * noise, *DOMAIN)
    y = (probe[:, 0] + probe[:, 1]) / 12.0
    return _finish(X, y)


# (centre x, centre y, sign) of TF Playground's six bumps
_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def multi_gaussian(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """Uniform points; target = the strongest of six ±1 cones of radius 2 (TF Playground)."""
    n, noise = _check_args(n_samples, noise)
    X = rng.uniform(*DOMAIN, (n, 2))
    probe = X + rng.uniform(-6.0, 6.0, (n, 2)) * noise
    distance = np.hypot(probe[:, :1] - _BUMPS[:, 0], probe[:, 1:] - _BUMPS[:, 1])  # (n, 6)
    heights = _BUMPS[:, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(heights), axis=1)
    y = heights[np.arange(n), strongest] + 0.0  # + 0.0 turns -0.0 into 0.0
    return _finish(X, y)


def custom(n_samples: int, noise: float, rng: np.random.Generator) -> Data:
    """The custom set has no generator: its points come from the caller."""
    raise ValueError("points: the custom data set needs points supplied by the caller")


_LABEL_NOISE = "noise shifts the point used for labelling by up to ±{} × noise per axis"
_GATE_NOISE = "corner equally often; jitter std = 0.25 + 2 × noise (none at exactly 4 points)"
# fmt: off
_TABLE: list[tuple[str, ProblemName, int | None, Callable[..., Data], str]] = [
    ("circles", "classification", 2, circles,
     f"A disc (class 1) inside a ring; {_LABEL_NOISE.format(5)}, flipping labels near the edge."),
    ("xor", "classification", 2, xor,
     f"Quadrants, class 1 where x1 and x2 differ in sign; {_LABEL_NOISE.format(5)}."),
    ("gaussian", "classification", 2, gaussian,
     "Two Gaussian blobs at (2, 2) and (-2, -2); noise widens them: variance = 0.5 + 7 × noise."),
    ("spiral", "classification", 2, spiral,
     "Two spiral arms; noise jitters each point uniformly by up to ±noise per axis."),
    ("moons", "classification", 2, moons,
     "Two interleaving half moons; noise adds Gaussian jitter with std = 3.5 × noise."),
    ("and", "classification", 2, and_gate,
     f"AND truth table on the corners (±4, ±4), each {_GATE_NOISE}."),
    ("or", "classification", 2, or_gate,
     f"OR truth table on the corners (±4, ±4), each {_GATE_NOISE}."),
    ("xor_gate", "classification", 2, xor_gate,
     f"XOR truth table on the corners (±4, ±4), each {_GATE_NOISE}."),
    ("spiral3", "classification", 3, spiral3,
     "Three spiral arms; noise jitters each point uniformly by up to ±noise per axis."),
    ("blobs", "classification", None, blobs,
     "3 to 6 Gaussian blobs on a circle of radius 4; noise widens them: std = 0.5 + 2 × noise."),
    ("plane", "regression", None, plane,
     f"Target (x1 + x2) / 12, from -1 to 1; {_LABEL_NOISE.format(6)}."),
    ("multi_gaussian", "regression", None, multi_gaussian,
     f"Target the strongest of six ±1 cones of radius 2; {_LABEL_NOISE.format(6)}."),
    ("custom", "classification", None, custom,
     "Points supplied by the caller, with class labels or regression targets; noise is unused."),
]
# fmt: on
DATASETS: dict[str, DatasetSpec] = {
    name: DatasetSpec(name, problem, classes, description, generate)
    for name, problem, classes, generate, description in _TABLE
}


def make_dataset(
    name: str, n_samples: int, noise: float, rng: np.random.Generator, *, n_classes: int = 4
) -> Data:
    """Generate data set ``name``; ``n_classes`` (3..6) is used by ``blobs`` only.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64, inside ``DOMAIN``²
    y : ndarray of shape (n_samples,), int64 labels or float64 targets
    """
    spec = DATASETS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ValueError(f"dataset: expected one of {', '.join(DATASETS)}, got {name!r}")
    k = _check_int("n_classes", n_classes, *BLOB_CLASSES)
    if spec.generate is blobs:
        return blobs(n_samples, noise, rng, n_classes=k)
    return spec.generate(n_samples, noise, rng)


def split_train_test(
    X: np.ndarray, y: np.ndarray, train_ratio: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``rng`` and split: round(n × train_ratio) points (at least 1) train.

    Returns ``(X_train, y_train, X_test, y_test)``, new arrays; the test arrays are empty,
    of shapes (0, 2) and (0,), when every point trains.
    """
    ratio = _check_real("train_ratio", train_ratio, 0.1, 1.0)
    n = len(X)
    if n < 1 or len(y) != n:
        raise ValueError(f"X, y: expected n >= 1 points and n labels, got {n} and {len(y)}")
    n_train = min(n, max(1, math.floor(n * ratio + 0.5)))
    order = rng.permutation(n)
    train, test = order[:n_train], order[n_train:]
    return X[train], y[train], X[test], y[test]


def validate_points(
    points_x: Sequence[object] | np.ndarray,
    points_y: Sequence[object] | np.ndarray,
    problem: str,
    *,
    max_points: int,
) -> Data:
    """Check caller-supplied points and return them as ``(X, y)`` arrays.

    ``points_x`` holds (x1, x2) pairs inside the domain; ``points_y`` one label per point:
    classification -> integer classes 0..9 with at least two distinct classes (the class count
    is max label + 1), regression -> finite numbers. Raises ValueError naming the first bad
    entry, e.g. ``points.x[3]: expected two finite numbers inside [-6, 6], got [7, 1]``.
    """
    if problem not in ("classification", "regression"):
        raise ValueError(f"problem: expected 'classification' or 'regression', got {problem!r}")
    n = len(points_x)
    if not 1 <= n <= max_points:
        raise ValueError(f"points.x: expected 1 to {max_points} points, got {n}")
    if len(points_y) != n:
        raise ValueError(f"points.y: expected {n} labels (one per point), got {len(points_y)}")
    low, high = DOMAIN
    coordinates: list[float] = []
    for i, point in enumerate(points_x):
        pair = list(point) if isinstance(point, Sequence | np.ndarray) else []
        if len(pair) != 2 or not all(_is_number(c) and low <= c <= high for c in pair):
            raise ValueError(
                f"points.x[{i}]: expected two finite numbers inside [{low:g}, {high:g}], "
                f"got {point!r}"
            )
        coordinates += (float(c) for c in pair)
    X = np.array(coordinates, dtype=np.float64).reshape(n, 2)
    top = MAX_CUSTOM_CLASSES - 1
    expected = "a finite number" if problem == "regression" else f"an integer class label 0..{top}"
    labels: list[float] = []
    for i, label in enumerate(points_y):
        ok = _is_number(label) and math.isfinite(label)
        if ok and problem == "classification":
            ok = label == int(label) and 0 <= label <= top
        if not ok:
            raise ValueError(f"points.y[{i}]: expected {expected}, got {label!r}")
        labels.append(float(label))
    if problem == "regression":
        return X, np.array(labels, dtype=np.float64)
    y = np.array(labels, dtype=np.int64)
    if len(np.unique(y)) < 2:
        raise ValueError(f"points.y: expected at least two distinct class labels, got only {y[0]}")
    return X, y
