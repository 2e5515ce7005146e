"""The model document: a network's config plus every weight and bias, as plain data.

```
{"format": "nn-playground.model/1", "config": {...}, "problem": "binary",
 "layer_sizes": [2, 4, 2, 1],
 "layers": [{"weights": [[...]] (fan_in x fan_out), "biases": [...]}, ...]}
```

Loading checks the document against the network its config builds: layer count, every
shape, and (through the engine) finiteness, naming the first offending entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.engine import Trainer
from app.services.errors import NotFinite

MODEL_FORMAT = "nn-playground.model/1"


def export_model(trainer: Trainer, config: dict[str, Any]) -> dict[str, Any]:
    """The document for ``trainer``, whose API-form config is ``config``."""
    layers = []
    for weights, biases in zip(trainer.weights(), trainer.biases(), strict=True):
        if not (np.all(np.isfinite(weights)) and np.all(np.isfinite(biases))):
            raise NotFinite(
                "layers: the weights are not finite (the session has diverged); "
                "reset the session or change its configuration"
            )
        layers.append({"weights": weights.tolist(), "biases": biases.tolist()})
    return {
        "format": MODEL_FORMAT,
        "config": config,
        "problem": trainer.problem,
        "layer_sizes": [int(size) for size in trainer.layer_sizes],
        "layers": layers,
    }


def parse_layers(
    document: dict[str, Any], trainer: Trainer
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The document's weights and biases as arrays shaped for ``trainer``'s network.

    Raises ValueError("layers[1].weights: expected 4 x 2, got 3 x 2") and the like.
    """
    sizes = [int(size) for size in trainer.layer_sizes]
    claimed = document.get("layer_sizes")
    if claimed is not None and list(claimed) != sizes:
        raise ValueError(f"layer_sizes: expected {sizes} for this config, got {list(claimed)}")
    if document.get("problem") not in (None, trainer.problem):
        raise ValueError(
            f"problem: expected {trainer.problem!r} for this config, got {document['problem']!r}"
        )
    layers = document["layers"]
    if len(layers) != len(sizes) - 1:
        raise ValueError(f"layers: expected {len(sizes) - 1} layers, got {len(layers)}")
    weights, biases = [], []
    for index, layer in enumerate(layers):
        fan_in, fan_out = sizes[index], sizes[index + 1]
        rows = layer["weights"]
        if len(rows) != fan_in or any(len(row) != fan_out for row in rows):
            got = f"{len(rows)} x {'/'.join(sorted({str(len(row)) for row in rows})) or 0}"
            raise ValueError(
                f"layers[{index}].weights: expected {fan_in} x {fan_out} (fan_in x fan_out), "
                f"got {got}"
            )
        if len(layer["biases"]) != fan_out:
            raise ValueError(
                f"layers[{index}].biases: expected {fan_out} numbers, got {len(layer['biases'])}"
            )
        weights.append(np.asarray(rows, dtype=np.float64).reshape(fan_in, fan_out))
        biases.append(np.asarray(layer["biases"], dtype=np.float64))
    return weights, biases
