import math
from typing import get_args

import numpy as np
import pytest

from app.engine.datasets import (
    DATASETS,
    DOMAIN,
    DatasetName,
    ProblemName,
    make_dataset,
    split_train_test,
    validate_points,
)

GENERATED = [name for name in DATASETS if name != "custom"]
CLASSIFICATION = [n for n in GENERATED if DATASETS[n].problem == "classification"]
REGRESSION = [n for n in GENERATED if DATASETS[n].problem == "regression"]
GATES = {"and": np.logical_and, "or": np.logical_or, "xor_gate": np.logical_xor}


def generate(
    name: str, n: int = 200, noise: float = 0.0, seed: int = 0, **kw: int
) -> tuple[np.ndarray, np.ndarray]:
    return make_dataset(name, n, noise, np.random.default_rng(seed), **kw)


def test_registry_agrees_with_literal() -> None:
    assert set(DATASETS) == set(get_args(DatasetName))
    for name, spec in DATASETS.items():
        assert spec.name == name
        assert spec.problem in get_args(ProblemName)
        assert "noise" in spec.description


def test_class_counts_declared() -> None:
    assert {n: DATASETS[n].classes for n in DATASETS if DATASETS[n].classes != 2} == {
        "spiral3": 3,
        "blobs": None,
        "plane": None,
        "multi_gaussian": None,
        "custom": None,
    }
    assert set(REGRESSION) == {"plane", "multi_gaussian"}


@pytest.mark.parametrize("noise", [0.0, 0.25, 0.5])
@pytest.mark.parametrize("name", GENERATED)
def test_shapes_dtypes_domain_labels(name: str, noise: float) -> None:
    X, y = generate(name, 301, noise)
    assert X.shape == (301, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (301,)
    assert X.min() >= DOMAIN[0] and X.max() <= DOMAIN[1]
    spec = DATASETS[name]
    if spec.problem == "classification":
        assert y.dtype == np.int64
        assert set(np.unique(y)) == set(range(spec.classes or 4))
    else:
        assert y.dtype == np.float64
        assert np.all(np.isfinite(y)) and np.all(np.abs(y) <= 1.0)
        assert y.std() > 0.1


@pytest.mark.parametrize("name", GENERATED)
def test_deterministic_per_seed(name: str) -> None:
    X1, y1 = generate(name, 50, 0.1, seed=7)
    X2, y2 = generate(name, 50, 0.1, seed=7)
    X3, _ = generate(name, 50, 0.1, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", GENERATED)
def test_noise_changes_the_data(name: str) -> None:
    X0, y0 = generate(name, 300, 0.0, seed=3)
    X1, y1 = generate(name, 300, 0.5, seed=3)
    assert not (np.array_equal(X0, X1) and np.array_equal(y0, y1))


@pytest.mark.parametrize("noise", [-0.1, 0.7, math.nan, math.inf, True, "0.1", None])
def test_noise_bounds(noise: object) -> None:
    with pytest.raises(ValueError, match=r"^noise: expected a number in \[0, 0.5\], got "):
        make_dataset("circles", 100, noise, np.random.default_rng(0))  # type: ignore[arg-type]


def test_noise_message_is_exact() -> None:
    with pytest.raises(ValueError) as info:
        generate("spiral", 100, 0.7)
    assert str(info.value) == "noise: expected a number in [0, 0.5], got 0.7"


@pytest.mark.parametrize("n_samples", [0, 3, 100_001, 10.0, True, "100"])
def test_n_samples_bounds(n_samples: object) -> None:
    with pytest.raises(ValueError, match=r"^n_samples: expected an integer in \[4, 100000\]"):
        make_dataset("xor", n_samples, 0.0, np.random.default_rng(0))  # type: ignore[arg-type]


def test_numpy_integers_accepted() -> None:
    n_samples, noise = np.int64(20), np.float64(0.1)
    X, _ = make_dataset("moons", n_samples, noise, np.random.default_rng(0))  # type: ignore[arg-type]
    assert X.shape == (20, 2)


def test_unknown_dataset_and_custom() -> None:
    with pytest.raises(ValueError, match=r"^dataset: expected one of circles, .*got 'ring'"):
        generate("ring")
    with pytest.raises(ValueError, match=r"^points: "):
        generate("custom")


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_blobs_classes(k: int) -> None:
    X, y = generate("blobs", 60 * k + 1, 0.0, n_classes=k)
    counts = np.bincount(y)
    assert len(counts) == k and counts.max() - counts.min() <= 1
    # noise 0: blobs are tight, so every point sits nearest its own blob's mean
    means = np.array([X[y == c].mean(axis=0) for c in range(k)])
    nearest = np.argmin(np.linalg.norm(X[:, None, :] - means, axis=2), axis=1)
    np.testing.assert_array_equal(nearest, y)


@pytest.mark.parametrize("k", [2, 7, 4.0])
def test_blobs_class_bounds(k: object) -> None:
    with pytest.raises(ValueError, match=r"^n_classes: expected an integer in \[3, 6\]"):
        generate("blobs", n_classes=k)  # type: ignore[arg-type]


@pytest.mark.parametrize("noise", [0.0, 0.2])
@pytest.mark.parametrize("n", [5, 7, 400, 401, 1003])
@pytest.mark.parametrize("name", list(GATES))
def test_gates_balanced_corners_and_truth_table(name: str, n: int, noise: float) -> None:
    X, y = generate(name, n, noise)
    bits = (X > 0).astype(int)  # jitter is small next to the corners at ±4
    corner = 2 * bits[:, 0] + bits[:, 1]
    counts = np.bincount(corner, minlength=4)
    assert counts.sum() == n and counts.max() - counts.min() <= 1
    if n % 4 == 0:
        assert np.all(counts == n // 4)
    np.testing.assert_array_equal(y, GATES[name](bits[:, 0], bits[:, 1]).astype(int))
    assert np.unique(X, axis=0).shape[0] == n  # jittered, so no two points coincide
    assert np.all(np.abs(np.abs(X) - 4.0) < 3.0)


@pytest.mark.parametrize("noise", [0.0, 0.5])
@pytest.mark.parametrize("name", list(GATES))
def test_gates_four_points_are_the_exact_corners(name: str, noise: float) -> None:
    X, y = generate(name, 4, noise)
    assert sorted(map(tuple, X.tolist())) == [(-4, -4), (-4, 4), (4, -4), (4, 4)]
    expected = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor_gate": [0, 1, 1, 0]}[name]
    order = np.lexsort((X[:, 1], X[:, 0]))
    assert y[order].tolist() == expected


def test_circles_geometry() -> None:
    X, y = generate("circles", 500, 0.0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.all(radius[y == 1] < 2.5)
    assert np.all((radius[y == 0] >= 3.5) & (radius[y == 0] <= 5.0))
    assert np.bincount(y).tolist() == [250, 250]
    _, y_noisy = generate("circles", 500, 0.5)
    assert 0 < np.mean(y_noisy != y) < 0.5  # same points, some labels flipped by noise


def test_xor_quadrants() -> None:
    X, y = generate("xor", 500, 0.0)
    assert np.all(np.abs(X) >= 0.3) and np.all(np.abs(X) <= 5.3)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_gaussian_centres_and_spread() -> None:
    X, y = generate("gaussian", 2000, 0.0)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.1)
    np.testing.assert_allclose(X[y == 1].var(axis=0), [0.5, 0.5], rtol=0.15)
    X_wide, y_wide = generate("gaussian", 2000, 0.2)
    np.testing.assert_allclose(X_wide[y_wide == 1].var(axis=0), [1.9, 1.9], rtol=0.15)


@pytest.mark.parametrize(("name", "arms"), [("spiral", 2), ("spiral3", 3)])
def test_spiral_arms(name: str, arms: int) -> None:
    X, y = generate(name, 600, 0.0)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() <= 5.0 and radius.max() > 4.5
    assert np.bincount(y).tolist() == [600 // arms] * arms
    # arm k follows angle = 1.75·2π·r/5 + 2πk/arms (angle measured from the x2 axis)
    angle = np.arctan2(X[:, 0], X[:, 1])
    expected = 1.75 * 2 * np.pi * radius / 5 + 2 * np.pi * y / arms
    np.testing.assert_allclose(np.cos(angle - expected), 1.0, atol=1e-9)


def test_moons_shape() -> None:
    X, y = generate("moons", 400, 0.0)
    upper = X[y == 0] / 3.5 + [0.5, 0.25]  # back to scikit-learn's unit moons
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    lower = X[y == 1] / 3.5 + [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)


def test_plane_target() -> None:
    X, y = generate("plane", 300, 0.0)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 12)


def _tf_multi_gaussian_label(x: float, y: float) -> float:
    """TF Playground's regressGaussian label, point by point."""
    label = 0.0
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    for cx, cy, sign in bumps:
        candidate = sign * min(1.0, max(0.0, 1 - math.dist((x, y), (cx, cy)) / 2))
        label = candidate if abs(candidate) > abs(label) else label
    return label


def test_multi_gaussian_target_matches_reference() -> None:
    X, y = generate("multi_gaussian", 300, 0.0)
    expected = [_tf_multi_gaussian_label(a, b) for a, b in X.tolist()]
    np.testing.assert_allclose(y, expected, atol=1e-12)
    assert (y > 0.5).any() and (y < -0.5).any() and (y == 0).any()


@pytest.mark.parametrize(
    ("n", "ratio", "n_train"), [(10, 0.5, 5), (10, 0.1, 1), (10, 1.0, 10), (3, 0.1, 1), (7, 0.5, 4)]
)
def test_split_sizes(n: int, ratio: float, n_train: int) -> None:
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    y = np.arange(n)
    X_train, y_train, X_test, y_test = split_train_test(X, y, ratio, np.random.default_rng(0))
    assert X_train.shape == (n_train, 2) and y_train.shape == (n_train,)
    assert X_test.shape == (n - n_train, 2) and y_test.shape == (n - n_train,)
    # labels travel with their points, and together the parts are the whole set
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    assert sorted([*y_train.tolist(), *y_test.tolist()]) == list(range(n))


def test_split_shuffles_deterministically() -> None:
    X, y = generate("circles", 200)
    first = split_train_test(X, y, 0.5, np.random.default_rng(1))
    again = split_train_test(X, y, 0.5, np.random.default_rng(1))
    other = split_train_test(X, y, 0.5, np.random.default_rng(2))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert 0.35 < first[1].mean() < 0.65  # shuffled: both classes in the training part


@pytest.mark.parametrize("ratio", [0.05, 0.0, 1.01, math.nan, "0.5"])
def test_split_ratio_bounds(ratio: object) -> None:
    X, y = generate("xor", 20)
    with pytest.raises(ValueError, match=r"^train_ratio: expected a number in \[0.1, 1\]"):
        split_train_test(X, y, ratio, np.random.default_rng(0))  # type: ignore[arg-type]


POINTS = [[0.0, 0.0], [1.0, -2.0], [-6, 6], [5.5, 3.25]]


def test_validate_points_classification() -> None:
    X, y = validate_points(POINTS, [0, 1, 1.0, 3], "classification", max_points=10)
    assert X.dtype == np.float64 and X.shape == (4, 2)
    np.testing.assert_array_equal(X, POINTS)
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 1, 3]


def test_validate_points_regression_and_arrays() -> None:
    X, y = validate_points(
        np.array(POINTS), np.array([0.5, -2.0, 3, 0]), "regression", max_points=4
    )
    assert X.shape == (4, 2) and y.dtype == np.float64 and y.tolist() == [0.5, -2.0, 3.0, 0.0]


@pytest.mark.parametrize(
    ("bad_point", "shown"),
    [
        ([7.0, 1.0], "[7.0, 1.0]"),
        ([0.0, -6.5], "[0.0, -6.5]"),
        ([math.nan, 0.0], "[nan, 0.0]"),
        ([0.0, math.inf], "[0.0, inf]"),
        ([1.0, 2.0, 3.0], "[1.0, 2.0, 3.0]"),
        ([1.0], "[1.0]"),
        (["1", 2.0], "['1', 2.0]"),
        ([True, 0.0], "[True, 0.0]"),
        (1.5, "1.5"),
        (None, "None"),
    ],
)
def test_validate_points_bad_coordinates(bad_point: object, shown: str) -> None:
    points = [*POINTS[:3], bad_point]
    with pytest.raises(ValueError) as info:
        validate_points(points, [0, 1, 0, 1], "classification", max_points=10)
    assert str(info.value) == (
        f"points.x[3]: expected two finite numbers inside [-6, 6], got {shown}"
    )


@pytest.mark.parametrize("bad_label", [1.5, -1, 10, math.nan, True, "1", None])
def test_validate_points_bad_class_labels(bad_label: object) -> None:
    with pytest.raises(ValueError) as info:
        validate_points(POINTS, [0, 1, bad_label, 1], "classification", max_points=10)
    assert str(info.value) == (
        f"points.y[2]: expected an integer class label 0..9, got {bad_label!r}"
    )


@pytest.mark.parametrize("bad_target", [math.nan, -math.inf, "0.5", None, False])
def test_validate_points_bad_regression_targets(bad_target: object) -> None:
    with pytest.raises(ValueError) as info:
        validate_points(POINTS, [0.0, bad_target, 1, 2], "regression", max_points=10)
    assert str(info.value) == f"points.y[1]: expected a finite number, got {bad_target!r}"


def test_validate_points_needs_two_classes() -> None:
    with pytest.raises(ValueError, match=r"^points.y: expected at least two distinct class"):
        validate_points(POINTS, [2, 2, 2, 2], "classification", max_points=10)
    X, y = validate_points(POINTS, [2, 2, 2, 2], "regression", max_points=10)
    assert y.tolist() == [2.0] * 4


def test_validate_points_counts_and_problem() -> None:
    with pytest.raises(ValueError, match=r"^points.x: expected 1 to 3 points, got 4"):
        validate_points(POINTS, [0, 1, 0, 1], "classification", max_points=3)
    with pytest.raises(ValueError, match=r"^points.x: expected 1 to 10 points, got 0"):
        validate_points([], [], "classification", max_points=10)
    with pytest.raises(ValueError, match=r"^points.y: expected 4 labels \(one per point\), got 3"):
        validate_points(POINTS, [0, 1, 0], "classification", max_points=10)
    with pytest.raises(ValueError, match=r"^problem: expected 'classification' or 'regression'"):
        validate_points(POINTS, [0, 1, 0, 1], "binary", max_points=10)
