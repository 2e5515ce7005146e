"""The configuration as the API sees it (a plain dict) and as the engine takes it.

The API form uses lists and ``points = {"x": [[x1, x2], ...], "y": [...]}``; the engine's
``TrainerConfig`` uses tuples and ``points = ((x pairs), (labels))``. This module converts
between them, merges a partial update into a complete config, and turns the limits an
operator configured in ``Settings`` into the engine's ``Limits`` (the schemas only hold
absolute caps; the engine checks these).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from app.config import Settings
from app.engine import Limits, TrainerConfig

CONFIG_FIELDS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(TrainerConfig))
# Fields whose null is a value ("no override", "no points", "derive it"), not "unchanged".
NULLABLE_FIELDS = frozenset({"layer_activations", "points", "problem"})
CUSTOM_ONLY_FIELDS = ("points", "problem")


def default_config() -> dict[str, Any]:
    """The complete default configuration, in API form."""
    return config_to_dict(TrainerConfig())


def config_to_dict(config: TrainerConfig) -> dict[str, Any]:
    """``TrainerConfig`` -> API form (lists, points as ``{"x", "y"}``)."""
    values: dict[str, Any] = {name: getattr(config, name) for name in CONFIG_FIELDS}
    values["features"] = list(config.features)
    values["hidden_layers"] = list(config.hidden_layers)
    if config.layer_activations is not None:
        values["layer_activations"] = list(config.layer_activations)
    if config.points is not None:
        points_x, points_y = config.points
        values["points"] = {"x": [list(point) for point in points_x], "y": list(points_y)}
    return values


def label_problem(labels: Any) -> str:
    """The problem custom points pose when the config does not say: classification if every
    label is a JSON integer (``1``, not ``1.0``), else regression."""
    integers = all(isinstance(label, int) and not isinstance(label, bool) for label in labels)
    return "classification" if integers else "regression"


def dict_to_config(values: dict[str, Any]) -> TrainerConfig:
    """API form -> ``TrainerConfig``; unknown keys raise ValueError naming them.

    Custom points without a ``problem`` get the one their labels' JSON types say
    (``label_problem``).
    """
    unknown = sorted(set(values) - set(CONFIG_FIELDS))
    if unknown:
        raise ValueError(f"{unknown[0]}: expected one of {', '.join(CONFIG_FIELDS)}")
    fields = dict(values)
    for name in ("features", "hidden_layers"):
        if name in fields:
            fields[name] = tuple(fields[name])
    if fields.get("layer_activations") is not None:
        fields["layer_activations"] = tuple(fields["layer_activations"])
    points = fields.get("points")
    if points is not None:
        fields["points"] = (tuple(tuple(point) for point in points["x"]), tuple(points["y"]))
        if fields.get("problem") is None:
            fields["problem"] = label_problem(points["y"])
    return TrainerConfig(**fields)


def merge_config(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``changes`` (any subset of fields) to the complete config ``current``.

    A null leaves a field unchanged, except for ``NULLABLE_FIELDS``, where it clears it.
    Leaving the ``custom`` data set drops its points and problem.
    """
    merged = dict(current)
    for name, value in changes.items():
        if name not in CONFIG_FIELDS:
            raise ValueError(f"{name}: expected one of {', '.join(CONFIG_FIELDS)}")
        if value is not None or name in NULLABLE_FIELDS:
            merged[name] = value
    if "points" in changes and "problem" not in changes:
        merged["problem"] = None  # new points: derive the problem from their labels again
    if merged["dataset"] != "custom":
        for name in CUSTOM_ONLY_FIELDS:
            if changes.get(name) is not None:
                raise ValueError(f"{name}: expected null unless dataset is 'custom'")
            merged[name] = None
    elif merged["points"] is None:
        raise ValueError("points: expected {'x': [[x1, x2], ...], 'y': [...]} for 'custom'")
    return merged


def engine_limits(settings: Settings) -> Limits:
    """The engine's bounds, taken from the operator's settings."""
    return Limits(
        max_hidden_layers=settings.max_hidden_layers,
        max_neurons=settings.max_neurons,
        max_samples=settings.max_samples,
        max_custom_points=settings.max_custom_points,
        max_resolution=settings.max_resolution,
        max_predict_points=settings.max_predict_points,
        max_learning_rate=settings.max_learning_rate,
        max_regularization_rate=settings.max_regularization_rate,
        max_batch_size=settings.max_samples,
        max_parameter_value=settings.max_edited_parameter,
    )
