"""Bounds (and a default) the settings in force decide: marked on the fields, written into the
OpenAPI document.

A field whose real bound is an operator's setting keeps an absolute cap for validation
(``le=MAX_NEURONS``) and carries a mark naming that bound,
``json_schema_extra=settings_bound(maximum="max_neurons")``; the services check the setting.
``apply_settings_bounds`` writes each marked keyword's value, computed from the settings,
over the cap in a JSON Schema or OpenAPI document, so the document says what the server
enforces: an app created with ``Settings(max_resolution=50)`` advertises 50.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from app.config import Settings
from app.engine import FEATURES
from app.engine.datasets import MAX_CUSTOM_CLASSES

SETTINGS_BOUND = "x-settings-bound"
DEFAULT_RESOLUTION = 100  # a boundary's cells per side when the query does not say

_AS_SET = (
    "max_hidden_layers",
    "max_neurons",
    "max_samples",
    "max_custom_points",
    "max_learning_rate",
    "max_regularization_rate",
    "max_resolution",
    "max_epochs_per_call",
    "max_iterations_per_call",
    "max_predict_points",
    "max_name_length",
)

# Each bound as a function of the settings: most are one setting as it stands; a model
# document's are the largest network those settings let a session build.
SETTINGS_BOUNDS: dict[str, Callable[[Settings], int | float]] = {
    **{name: attrgetter(name) for name in _AS_SET},
    "max_model_layers": lambda settings: settings.max_hidden_layers + 1,  # hidden + output
    "max_layer_sizes": lambda settings: settings.max_hidden_layers + 2,  # input, hidden, output
    # The widest layer: hidden (neurons), input (one unit per feature) or output (classes).
    "max_layer_width": lambda settings: max(
        settings.max_neurons, len(FEATURES), MAX_CUSTOM_CLASSES
    ),
    "default_resolution": lambda settings: default_resolution(settings),
}


def default_resolution(settings: Settings) -> int:
    """The boundary's resolution when none is asked for: 100, or less if the server allows less."""
    return min(DEFAULT_RESOLUTION, settings.max_resolution)


def settings_bound(**keywords: str) -> dict[str, Any]:
    """``json_schema_extra`` marking JSON Schema ``keywords`` (e.g. ``maximum``, ``maxItems``)
    whose value is the named entry of ``SETTINGS_BOUNDS``."""
    unknown = sorted(set(keywords.values()) - SETTINGS_BOUNDS.keys())
    if unknown:
        raise ValueError(f"settings_bound: expected names from SETTINGS_BOUNDS, got {unknown}")
    return {SETTINGS_BOUND: keywords}


def apply_settings_bounds(document: Any, settings: Settings) -> None:
    """Replace every mark in ``document`` (modified in place) by the bound it names."""
    if isinstance(document, dict):
        marks = document.pop(SETTINGS_BOUND, {})
        for keyword, name in marks.items():
            document[keyword] = SETTINGS_BOUNDS[name](settings)
        children: Any = document.values()
    elif isinstance(document, list):
        children = document
    else:
        return
    for child in children:
        apply_settings_bounds(child, settings)
