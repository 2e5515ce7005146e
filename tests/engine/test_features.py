import math
from typing import get_args

import numpy as np
import pytest

from app.engine.features import (
    FEATURES,
    FeatureName,
    check_feature_names,
    make_features,
    make_features_columns,
)

# points chosen so every formula has a value known by hand
X_RAW = np.array([[0.0, 0.0], [1.0, 2.0], [-3.0, 0.5], [math.pi / 2, -math.pi / 6], [6.0, -6.0]])
EXPECTED = {
    "x1": [0.0, 1.0, -3.0, math.pi / 2, 6.0],
    "x2": [0.0, 2.0, 0.5, -math.pi / 6, -6.0],
    "x1_sq": [0.0, 1.0, 9.0, math.pi**2 / 4, 36.0],
    "x2_sq": [0.0, 4.0, 0.25, math.pi**2 / 36, 36.0],
    "x1_x2": [0.0, 2.0, -1.5, -(math.pi**2) / 12, -36.0],
    "sin_x1": [0.0, 0.8414709848078965, -0.1411200080598672, 1.0, -0.27941549819892586],
    "sin_x2": [0.0, 0.9092974268256817, 0.479425538604203, -0.5, 0.27941549819892586],
}


def test_registry_agrees_with_literal() -> None:
    assert list(FEATURES) == list(get_args(FeatureName))
    assert set(EXPECTED) == set(FEATURES)


@pytest.mark.parametrize("name", list(FEATURES))
def test_formula(name: str) -> None:
    column = FEATURES[name](X_RAW)
    assert column.shape == (5,)
    np.testing.assert_allclose(column, EXPECTED[name], rtol=1e-15, atol=1e-15)


def test_make_features_keeps_the_given_order() -> None:
    names = ["sin_x2", "x1", "x1_x2"]
    features = make_features(X_RAW, names)
    assert features.shape == (5, 3) and features.dtype == np.float64
    np.testing.assert_allclose(features, np.column_stack([EXPECTED[n] for n in names]))


def test_make_features_every_name_at_once() -> None:
    features = make_features(X_RAW, list(FEATURES))
    np.testing.assert_allclose(features, np.column_stack([EXPECTED[n] for n in FEATURES]))


def test_raw_coordinates_are_not_normalised() -> None:
    np.testing.assert_array_equal(make_features(X_RAW, ("x2", "x1")), X_RAW[:, ::-1])


def test_make_features_writes_into_out() -> None:
    out = np.full((5, 2), np.nan)
    result = make_features(X_RAW, ["x1_sq", "x2"], out=out)
    assert result is out
    np.testing.assert_allclose(out, np.column_stack([EXPECTED["x1_sq"], EXPECTED["x2"]]))
    with pytest.raises(ValueError, match=r"^out: expected an array of shape \(5, 2\)"):
        make_features(X_RAW, ["x1_sq", "x2"], out=np.empty((5, 3)))


def test_make_features_dtype() -> None:
    features = make_features(X_RAW, ["x1", "sin_x1"], dtype=np.float32)
    assert features.dtype == np.float32
    np.testing.assert_allclose(features[:, 1], EXPECTED["sin_x1"], rtol=1e-6, atol=1e-7)


def test_columns_layout_is_the_transpose() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-6, 6, (257, 2))
    names = ["x1", "x2", "x1_x2", "sin_x1", "x2_sq"]
    columns = make_features_columns(X, names)
    assert columns.shape == (5, 257) and columns.dtype == np.float32
    assert columns.flags.c_contiguous
    np.testing.assert_allclose(columns, make_features(X, names).T, rtol=1e-6, atol=1e-6)
    exact = make_features_columns(X, names, dtype=np.float64)
    np.testing.assert_array_equal(exact, make_features(X, names).T)


def test_empty_set_of_points() -> None:
    assert make_features(np.empty((0, 2)), ["x1", "x2"]).shape == (0, 2)
    assert make_features_columns(np.empty((0, 2)), ["x1"]).shape == (1, 0)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ([], r"^features: expected at least one feature, got none$"),
        (["x1", "x3"], r"^features: expected names from x1, x2, .*, got 'x3'$"),
        (["x1", "x2", "x1"], r"^features: expected each feature at most once, got 'x1' twice$"),
        ("x1", r"^features: expected a list of feature names, got 'x1'$"),
    ],
)
def test_bad_feature_names(names: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_feature_names(names)
    with pytest.raises(ValueError, match=message):
        make_features(X_RAW, names)
    with pytest.raises(ValueError, match=message):
        make_features_columns(X_RAW, names)


@pytest.mark.parametrize("shape", [(4,), (4, 3), (2, 2, 2)])
def test_bad_point_shape(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"^X: expected raw points of shape \(n, 2\)"):
        make_features(np.zeros(shape), ["x1"])


def test_check_feature_names_returns_a_tuple() -> None:
    assert check_feature_names(["x1_x2", "x1"]) == ("x1_x2", "x1")
