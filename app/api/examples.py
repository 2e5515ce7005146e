"""Examples shown in the OpenAPI document (``/docs``): request bodies and a few responses.

Each request example is a complete body that the endpoint accepts as it stands (a test sends
every one); Swagger UI offers them in a drop-down.
"""

from __future__ import annotations

from typing import Any

from fastapi.openapi.models import Example

from app.schemas import SPIRAL_CONFIG
from app.services.configs import default_config

CREATE_SESSION: dict[str, Example] = {
    "defaults": {"summary": "Every field defaulted: circles, 2-4-2-1 tanh", "value": {}},
    "spiral": {"summary": "A deeper network on the spiral", "value": SPIRAL_CONFIG},
    "custom": {
        "summary": "Your own points (labels as JSON integers: classification)",
        "value": {
            "dataset": "custom",
            "points": {"x": [[-3, -3], [3, 3], [-3, 3], [3, -3]], "y": [0, 0, 1, 1]},
            "features": ["x1", "x2", "x1_x2"],
            "hidden_layers": [],
        },
    },
    "regression": {
        "summary": "Your own points as a regression",
        "value": {
            "dataset": "custom",
            "problem": "regression",
            "points": {"x": [[-4, 0], [0, 0], [4, 0], [2, 2]], "y": [-1.5, 0.0, 1.5, 0.75]},
        },
    },
}

UPDATE_SESSION: dict[str, Example] = {
    "live": {
        "summary": "Applied live, weights kept",
        "value": {"learning_rate": 0.1, "batch_size": 20, "optimizer": "adam"},
    },
    "rebuild": {"summary": "Rebuilds the network", "value": {"hidden_layers": [6, 6]}},
}

TRAIN_SESSION: dict[str, Example] = {
    "epochs": {"summary": "Ten passes over the training set", "value": {"epochs": 10}},
    "iterations": {"summary": "One mini-batch update", "value": {"iterations": 1}},
}

PREDICT: dict[str, Example] = {
    "points": {"summary": "Two points", "value": {"points": [[0, 0], [3, -2]]}},
}

MODEL_CONFIG: dict[str, Any] = {**default_config(), "hidden_layers": [2]}
MODEL_DOCUMENT: dict[str, Any] = {
    "format": "nn-playground.model/1",
    "config": MODEL_CONFIG,
    "problem": "binary",
    "layer_sizes": [2, 2, 1],
    "layers": [
        {"weights": [[0.8, -0.4], [0.3, 0.9]], "biases": [0.0, 0.1]},
        {"weights": [[1.2], [-0.7]], "biases": [-0.2]},
    ],
}

PUT_MODEL: dict[str, Example] = {
    "model": {
        "summary": "A 2-2-1 network (fan_in x fan_out weights per layer)",
        "value": MODEL_DOCUMENT,
    },
}

TRAIN_ONCE: dict[str, Example] = {
    "xor": {
        "summary": "Fifty epochs on xor",
        "value": {"config": {"dataset": "xor", "hidden_layers": [4]}, "epochs": 50},
    },
    "defaults": {"summary": "The default network, one epoch", "value": {"epochs": 1}},
}

SWEEP: dict[str, Example] = {
    "three rates": {
        "summary": "Too small, about right, too large: tanh on circles",
        "value": {
            "config": {"dataset": "circles", "activation": "tanh"},
            "learning_rates": [0.0001, 0.03, 10],
            "epochs": 10,
        },
    },
    "adam": {
        "summary": "Adam on the spiral, four rates",
        "value": {
            "config": SPIRAL_CONFIG | {"optimizer": "adam"},
            "learning_rates": [0.001, 0.003, 0.01, 0.03],
            "epochs": 10,
        },
    },
}

STATE: dict[str, Any] = {
    "status": "ready",
    "epoch": 10,
    "iteration": 250,
    "iterations_per_epoch": 25,
    "train_loss": 0.094,
    "test_loss": 0.101,
    "train_accuracy": 0.988,
    "test_accuracy": 0.984,
    "diverged_at": None,
}
SESSION: dict[str, Any] = {
    "id": "oK3v2Qe0yVJ1H8mXz4Yh7bqP5nWc6tRa",
    "config": default_config(),
    "state": STATE,
}

TRAIN_ONCE_RESULT: dict[str, Any] = {
    "config": MODEL_CONFIG,
    "state": {**STATE, "epoch": 2, "iteration": 50},
    "history": [
        {
            "epoch": 1,
            "status": "ready",
            "train_loss": 0.61,
            "test_loss": 0.63,
            "train_accuracy": 0.7,
            "test_accuracy": 0.68,
        },
        {
            "epoch": 2,
            "status": "ready",
            "train_loss": 0.094,
            "test_loss": 0.101,
            "train_accuracy": 0.988,
            "test_accuracy": 0.984,
        },
    ],  # fmt: skip
    "model": MODEL_DOCUMENT,
}


SWEEP_RESULT: dict[str, Any] = {
    "results": [
        {"learning_rate": 0.0001, "train_loss": [0.6931, 0.6930], "test_loss": [0.6932, 0.6931],
         "status": "ready", "diverged_at": None},
        {"learning_rate": 0.03, "train_loss": [0.62, 0.41], "test_loss": [0.63, 0.43],
         "status": "ready", "diverged_at": None},
        {"learning_rate": 10, "train_loss": [3.1], "test_loss": [3.4], "status": "diverged",
         "diverged_at": [1, 37]},
    ],
}  # fmt: skip


def json_example(value: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses={status: …}`` showing ``value`` as the JSON answer."""
    return {status: {"content": {"application/json": {"example": value}}}}
