"""``GET /api/meta``: every table and bound the page shows, as this server defines them.

The page gets the same document inside its HTML (``pages.py``), so it needs no extra round
trip; a client of its own can ask for it here. Names come from the engine's registries,
bounds an operator sets from ``Settings`` (through the engine's ``Limits``), fixed bounds
from the request schema's own field constraints.
"""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

import numpy as np
from annotated_types import Ge, Gt, Le
from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import SettingsDep
from app.api.examples import json_example
from app.api.stream_messages import StreamUpdate
from app.config import Settings, app_version
from app.engine import ACTIVATIONS, DATASETS, DOMAIN, FEATURES, OPTIMIZERS, REGULARIZATIONS
from app.engine.activations import curves
from app.engine.datasets import MAX_CUSTOM_CLASSES, DatasetSpec
from app.schemas import MAX_ABS_TARGET, MetaOut, ProblemKind, SessionConfig, default_resolution
from app.services.configs import default_config, engine_limits

router = APIRouter(prefix="/api", tags=["meta"])

# The menus' choices; a link may still carry any value within the bounds.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATION_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
# Iterations trained per frame; 0 trains as many as fit in the frame's time budget.
ITERATIONS_PER_FRAME = (1, 2, 5, 10, 25, 50, 100, 250, 1000, 0)
# Epochs trained per frame. One a frame is TF Playground's pace, and the page's default.
EPOCHS_PER_FRAME = (1, 2, 5, 10)
DEFAULT_SPEED = "1_epoch"
ALL_KINDS = list(get_args(ProblemKind))
# Six decimals are far finer than a chart's pixel, and keep the page's copy small.
CURVE_DECIMALS = 6


def _range(model: type[BaseModel], name: str) -> dict[str, Any]:
    """A field's bounds as the schema states them: ``{min, max}`` (+ ``min_exclusive``)."""
    bounds: dict[str, Any] = {}
    for constraint in model.model_fields[name].metadata:
        if isinstance(constraint, Ge):
            bounds["min"] = constraint.ge
        elif isinstance(constraint, Gt):
            bounds.update(min=constraint.gt, min_exclusive=True)
        elif isinstance(constraint, Le):
            bounds["max"] = constraint.le
    return bounds


def _kind(spec: DatasetSpec) -> str | None:
    if spec.problem == "regression":
        return "regression"
    if spec.name == "custom":
        return None  # the points decide
    return "binary" if spec.classes == 2 else "multiclass"


def _optimizer(name: str, settings: Settings) -> dict[str, Any]:
    # The engine's check_rule: an optimizer driven by the step output (the perceptron) trains
    # a single layer on two classes.
    if OPTIMIZERS[name].uses_step_output:
        return {"name": name, "max_hidden_layers": 0, "kinds": ["binary"]}
    return {"name": name, "max_hidden_layers": settings.max_hidden_layers, "kinds": ALL_KINDS}


def _rounded(values: np.ndarray) -> list[float]:
    return (np.round(values, CURVE_DECIMALS) + 0.0).tolist()  # + 0.0: no "-0.0"


@cache
def activation_curves() -> dict[str, Any]:
    """f(z) and f′(z) of every activation on the engine's z grid, as the page draws them."""
    z, sampled = curves()
    return {
        "z": _rounded(z),
        "curves": {
            name: {"value": _rounded(value), "derivative": _rounded(derivative)}
            for name, (value, derivative) in sampled.items()
        },
    }


def _speed(per_frame: int, unit: str = "iteration") -> dict[str, Any]:
    # The whole speed, unit included: choosing it undoes any earlier choice of unit. Iteration
    # speeds keep the plain numbers links have always carried ("speed=10"); another unit's
    # values say it ("1_epoch"), so that no two choices share a value.
    return {
        "value": str(per_frame) if unit == "iteration" else f"{per_frame}_{unit}",
        "unit": unit,
        "per_frame": per_frame,
        "stream": {"speed": per_frame, "speed_unit": unit},
    }


def page_meta(settings: Settings) -> dict[str, Any]:
    """The document ``GET /api/meta`` answers (``MetaOut``) for ``settings``."""
    limits = engine_limits(settings)
    low, high = DOMAIN
    bounds = {
        "n_samples": {"min": limits.min_samples, "max": limits.max_samples},
        "noise": _range(SessionConfig, "noise"),
        "train_ratio": _range(SessionConfig, "train_ratio"),
        "batch_size": {"min": 1, "max": limits.max_batch_size},
        "n_classes": _range(SessionConfig, "n_classes"),
        "seed": {"min": 0, "max": limits.max_seed},
        "features": {"min": 1, "max": len(FEATURES)},
        "hidden_layers": {"min": 0, "max": limits.max_hidden_layers},
        "neurons": {"min": 1, "max": limits.max_neurons},
        "learning_rate": {"min": 0.0, "max": limits.max_learning_rate, "min_exclusive": True},
        "momentum": _range(SessionConfig, "momentum"),
        "regularization_rate": {"min": 0.0, "max": limits.max_regularization_rate},
        "custom_points": {"min": 1, "max": limits.max_custom_points},
        "custom_classes": {"min": 2, "max": MAX_CUSTOM_CLASSES},  # two classes to tell apart
        "coordinate": {"min": low, "max": high},
        "target": {"min": -MAX_ABS_TARGET, "max": MAX_ABS_TARGET},
        "edited_parameter": {
            "min": -settings.max_edited_parameter,
            "max": settings.max_edited_parameter,
        },
    }
    speeds = [_speed(n) for n in ITERATIONS_PER_FRAME if n <= settings.max_speed] + [
        _speed(n, "epoch") for n in EPOCHS_PER_FRAME if n <= settings.max_epochs_per_frame
    ]
    document = {
        "version": app_version(),
        "datasets": [
            {
                "name": spec.name,
                "problem": spec.problem,
                "kind": _kind(spec),
                "classes": spec.classes,
                "description": spec.description,
            }
            for spec in DATASETS.values()
        ],
        "features": list(FEATURES),
        "activations": list(ACTIVATIONS),
        "activation_curves": activation_curves(),
        "optimizers": [_optimizer(name, settings) for name in OPTIMIZERS],
        "regularizations": list(REGULARIZATIONS),
        "learning_rates": [r for r in LEARNING_RATES if r <= settings.max_learning_rate],
        "regularization_rates": [
            r for r in REGULARIZATION_RATES if r <= settings.max_regularization_rate
        ],
        "speeds": speeds,
        "default_speed": DEFAULT_SPEED if DEFAULT_SPEED in {s["value"] for s in speeds} else "1",
        "defaults": default_config(),
        "bounds": bounds,
        "stream": {
            "fps": {"min": 1, "max": settings.max_fps},
            "default_fps": settings.default_fps,
            "resolution": {**_range(StreamUpdate, "resolution"), "max": settings.max_resolution},
            "default_resolution": default_resolution(settings),
            "thumbnail_resolution": _range(StreamUpdate, "thumbnail_resolution"),
            "speed": {"min": 0, "max": settings.max_speed},
            "epochs_per_frame": {"min": 1, "max": settings.max_epochs_per_frame},
        },
    }
    # Through the schema, so that the page's copy and the API's answer are the same JSON.
    return MetaOut.model_validate(document).model_dump(mode="json")


@router.get(
    "/meta",
    response_model=MetaOut,
    summary="Every table and bound the page shows",
    responses=json_example(page_meta(Settings.model_construct())),  # the defaults, env aside
)
async def meta(settings: SettingsDep) -> dict[str, Any]:
    """Data sets (problem kind, class count), features, activations (and their curves f, f′
    sampled on a grid of z), optimizers (and the networks each trains), regularizations, the
    menus' rates and speeds, and every bound, in the settings in force."""
    return page_meta(settings)
