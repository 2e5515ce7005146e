"""A trainer's data: generated (or validated custom) points, the split, and their features."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from app.engine.config import Limits, TrainerConfig
from app.engine.datasets import DATASETS, make_dataset, split_train_test, validate_points
from app.engine.features import make_features

Problem = Literal["binary", "multiclass", "regression"]


@dataclass(frozen=True)
class TrainingData:
    """Raw coordinates (n, 2), labels (int classes or float values) and features (n, k)."""

    config: TrainerConfig  # as given, with custom points normalised and their problem set
    problem: Problem
    n_classes: int | None
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    features_train: np.ndarray
    features_test: np.ndarray


def build_data(config: TrainerConfig, limits: Limits) -> TrainingData:
    """Generate (or validate) the points from ``data_seed``, split them, compute features."""
    rng = np.random.default_rng(config.data_seed)
    if config.dataset == "custom":
        assert config.points is not None
        kind = config.problem or guess_problem(config.points[1])
        X, y = validate_points(
            config.points[0], config.points[1], kind, max_points=limits.max_custom_points
        )
        points = (tuple((float(a), float(b)) for a, b in X), tuple(y.tolist()))
        config = replace(config, points=points, problem=kind)
        classes = int(y.max()) + 1 if kind == "classification" else None
    else:
        spec = DATASETS[config.dataset]
        X, y = make_dataset(
            config.dataset, config.n_samples, config.noise, rng, n_classes=config.n_classes
        )
        classes = spec.classes if spec.classes is not None else config.n_classes
        classes = classes if spec.problem == "classification" else None
    X_train, y_train, X_test, y_test = split_train_test(X, y, config.train_ratio, rng)
    problem: Problem = (
        "regression" if classes is None else "binary" if classes == 2 else "multiclass"
    )
    return TrainingData(
        config=config,
        problem=problem,
        n_classes=classes,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        features_train=make_features(X_train, config.features),
        features_test=make_features(X_test, config.features),
    )


def guess_problem(labels: Any) -> str:
    """Custom points without a stated problem: integer labels mean classification."""
    try:
        integral = all(float(v) == int(v) for v in labels)
    except (TypeError, ValueError, OverflowError):
        return "classification"  # validate_points then names the bad label
    return "classification" if integral else "regression"
