"""The metrics and drawings of many trainers at once: stacked passes instead of one each.

``Trainer.metrics`` evaluates its network on the training and the test set: a few dozen NumPy
calls on a few hundred points, so their fixed cost is most of its time. An engine worker
serving a class makes frames for many sessions in the same moment; ``fill_metrics`` stacks
every trainer of one shape (layer sizes, activations, output kind, sizes of the two sets) and
evaluates them together (``evaluate``, which ``Trainer.metrics`` runs on a stack of one),
then fills each trainer's metrics cache with exactly the numbers it would have computed
alone, bit for bit: a stacked ``np.matmul`` runs the same BLAS product for each network as
``Network.forward`` does, every other step is elementwise or reduces each network's own row
the same way (``tests/engine/test_evaluation.py``).
``fill_drawings`` does the same for the grids a frame draws (``grids.draw_many``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.engine.activations import ACTIVATIONS
from app.engine.grids import draw_many
from app.engine.losses import OUTPUTS

if TYPE_CHECKING:
    from app.engine.trainer import Trainer

# Output kinds whose loss takes a stack of label rows as it takes one (``_binary_losses`` is
# elementwise, then a mean per row); the others are reduced network by network.
STACKED_LABELS = frozenset({"binary"})

Metric = tuple[float | None, float | None]  # (loss, accuracy), as Trainer._evaluate gives
#: at most this many networks drawn in one stack (its buffers: K x units x R² floats)
MAX_DRAWN_TOGETHER = 16


def prepare_frames(requests: Sequence[tuple[Trainer, int, int]]) -> None:
    """For each (trainer, resolution, thumbnail resolution): its metrics, its boundary at
    the resolution and every unit's grid at the thumbnails', made together and kept for the
    frame that reads them next (``frames.encode_frame``)."""
    fill_metrics([trainer for trainer, _, _ in requests])
    grids: dict[tuple[int, bool], list[Trainer]] = {}
    for trainer, resolution, thumbnail_resolution in requests:
        grids.setdefault((resolution, False), []).append(trainer)
        grids.setdefault((thumbnail_resolution, True), []).append(trainer)
    for (resolution, neurons), trainers in grids.items():
        fill_drawings(trainers, resolution, neurons)


def fill_drawings(trainers: Sequence[Trainer], resolution: int, neurons: bool) -> None:
    """Draw each trainer's network at ``resolution`` (with every unit's grid if ``neurons``),
    stacking those of one shape and features, for the next ``grids`` call of that kind."""
    groups: dict[tuple[object, ...], list[Trainer]] = {}
    for trainer in dict.fromkeys(trainers):  # each once, in order
        network = trainer.network
        key = (
            tuple(network.layer_sizes),
            tuple(network.hidden_activations),
            network.problem,
            tuple(trainer.config.features),
        )
        groups.setdefault(key, []).append(trainer)
    for group in groups.values():
        if len(group) == 1:
            continue  # drawn when asked, as ever
        grid = group[0].grid_features(resolution)
        for start in range(0, len(group), MAX_DRAWN_TOGETHER):
            chunk = group[start : start + MAX_DRAWN_TOGETHER]
            drawings = draw_many([trainer.network for trainer in chunk], grid, neurons=neurons)
            for trainer, drawing in zip(chunk, drawings, strict=True):
                trainer.adopt_drawing(resolution, neurons, drawing)


def fill_metrics(trainers: Sequence[Trainer]) -> None:
    """Fill the metrics cache of every trainer that has none, stacking those that match."""
    groups: dict[tuple[object, ...], list[Trainer]] = {}
    for trainer in trainers:
        if not trainer.metrics_cached:
            groups.setdefault(_stack_key(trainer), []).append(trainer)
    for key, group in groups.items():
        if len(group) == 1 or key[0] is None:
            for trainer in group:
                trainer.metrics()
            continue
        train = evaluate(group, [t.features_train for t in group], [t.y_train for t in group])
        test = evaluate(group, [t.features_test for t in group], [t.y_test for t in group])
        for trainer, train_metric, test_metric in zip(group, train, test, strict=True):
            if not trainer.metrics_cached:  # the same trainer may come twice
                trainer.adopt_metrics(train_metric, test_metric)


def _stack_key(trainer: Trainer) -> tuple[object, ...]:
    if not (len(trainer.y_train) and len(trainer.y_test)):
        return (None, id(trainer))  # an empty set has no metrics: evaluated alone
    network = trainer.network
    return (
        tuple(network.layer_sizes),
        tuple(network.hidden_activations),
        trainer.problem,
        len(trainer.y_train),
        len(trainer.y_test),
        trainer.features_train.dtype,
        trainer.y_train.dtype,
    )


def evaluate(
    group: Sequence[Trainer], features: Sequence[np.ndarray], labels: Sequence[np.ndarray]
) -> list[Metric]:
    """(loss, accuracy) of each trainer (all of one shape) on its own non-empty features and
    labels, stacked; accuracy is count / n, the very float np.mean of the booleans gives."""
    networks = [trainer.network for trainer in group]
    first = networks[0]
    problem = group[0].problem
    y = np.array(labels)  # (K, n); np.array copies a list of equal arrays faster than stack
    params = np.array([network.params for network in networks])  # (K, parameters)
    with np.errstate(all="ignore"):
        a = np.array(features)  # (K, n, features): Network.forward's layers, one per network
        for layer, (fan_in, fan_out) in enumerate(first.shapes):
            start = first.offsets[layer]
            block = params[:, start : start + (fan_in + 1) * fan_out]
            block = block.reshape(-1, fan_in + 1, fan_out)  # per network: W rows, then b
            z = np.matmul(a, block[:, :-1]) + block[:, -1:]
            if layer < first.n_layers - 1:
                ACTIVATIONS[first.hidden_activations[layer]].forward(z, z)
            a = z
        logits = a  # (K, n, outputs)
        if problem in STACKED_LABELS:
            losses = OUTPUTS[problem].losses(logits, y)
        else:
            losses = np.array(
                [OUTPUTS[problem].losses(z[None], row)[0] for z, row in zip(logits, y, strict=True)]
            )
    n = y.shape[1]
    accuracies: list[float | None] = [None] * len(group)
    if problem == "binary":
        right = np.count_nonzero((logits[..., 0] > 0.0) == (y == 1), axis=1)
        accuracies = [int(count) / n for count in right]
    elif problem == "multiclass":
        right = np.count_nonzero(np.argmax(logits, axis=2) == y, axis=1)
        accuracies = [int(count) / n for count in right]
    return [
        (loss if math.isfinite(loss) else None, accuracy)
        for loss, accuracy in zip(losses.tolist(), accuracies, strict=True)
    ]
