"""Compiling a training step into preallocated buffers and a list of NumPy calls.

For each batch size, ``compile_batch`` allocates every buffer a step touches once, and lays
the step out as ``(function, args)`` calls with ``out=`` targets (run by ``optimizers.run``):
no array is allocated and no Python arithmetic runs per element during training.

Units run along rows and samples along columns: hidden layer l is ``H[l]`` of shape
(n_l + 1, size) whose last row is ones, so each layer is one ``np.dot`` against its
(fan_in + 1, fan_out) parameter block (see ``network``) and every elementwise call works on
contiguous memory::

    H[l+1][:n] = f(Wb[l].T @ H[l])            forward
    G[l]       = H[l] @ delta[l+1].T           the block's whole gradient, bias row included
    delta[l]   = (W[l] @ delta[l+1]) * f'      backward, f' from the stored activations

The gradient buffer ``G`` holds the mean gradient divided by ``scale`` (a constant per problem
and batch size), which spares a division per step: for binary outputs the error signal is
computed as tanh(z/2) + (1 − 2y) = 2(σ(z) − y), so scale = 1 / (2·size); softmax − onehot
gives scale = 1 / size; regression's z − y gives scale = 2 / size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engine.activations import ACTIVATION_OPS, DERIVATIVE_OPS
from app.engine.config import TrainerConfig
from app.engine.network import Network
from app.engine.optimizers import OPTIMIZERS, Op


@dataclass
class Workspace:
    """The flat arrays every batch size shares (owned by the ``Stepper``)."""

    state: np.ndarray  # [parameters | optimizer slots ...]
    backup: np.ndarray  # ``state`` before the last update, for rolling back
    slots: list[np.ndarray]  # views of ``state``
    gradient: np.ndarray  # flat, laid out like the parameters
    gradient_blocks: list[np.ndarray]  # per-layer (fan_in + 1, fan_out) views of ``gradient``
    scratch: np.ndarray
    penalty_scratch: np.ndarray


@dataclass
class Batch:
    """Everything one step on a batch of ``size`` samples touches, plus its compiled calls."""

    size: int
    scale: float  # mean gradient = scale · gradient buffer
    units: list[np.ndarray]  # units[l]: hidden layer l's activations, (n_l, size)
    logits: np.ndarray  # the output layer's z, (n_outputs, size)
    first: np.ndarray  # where the batch's first product lands
    deltas: list[np.ndarray]  # deltas[l] = dL/dz[l] / scale, (n_l, size)
    label_op: tuple[Any, np.ndarray]  # (function, source): error = function(source, targets)
    forward: list[Op]  # after layer 0's product, up to the output error minus the labels
    backward: list[Op]  # all but layer 0's gradient product
    penalty: list[Op]  # regularisation added to the gradient buffer
    update: list[Op]  # backup, then the optimizer
    norms: list[Op] = field(default_factory=list)  # read-outs after an update (the stepper's)


def compile_batch(network: Network, config: TrainerConfig, size: int, work: Workspace) -> Batch:
    """Buffers and compiled calls for batches of ``size``.

    Units run along rows and samples along columns (``H[l]`` is (n_l + 1, size) with a
    last row of ones), so every elementwise call works on contiguous memory:
    ``H[l+1][:n] = f(Wb[l].T @ H[l])`` and ``delta[l] = (W[l] @ delta[l+1]) * f'``.
    """
    sizes = network.layer_sizes
    last = network.n_layers  # index of the output layer's units
    optimizer = OPTIMIZERS[config.optimizer]
    hidden = [np.ones((n + 1, size)) for n in sizes]  # hidden[l] for 1 <= l < last
    units = [rows[:-1] for rows in hidden]
    z = np.empty((sizes[-1], size))
    deltas = [np.empty((n, size)) for n in sizes]
    scratch = [np.empty((n, size)) for n in sizes]
    targets = [*units[:last], z]  # where each layer's product lands
    forward: list[Op] = []
    for layer in range(1, last):
        forward += ACTIVATION_OPS[network.hidden_activations[layer - 1]](units[layer], units[layer])
        forward.append((np.dot, (network.blocks[layer].T, hidden[layer], targets[layer + 1])))
    error = deltas[last]
    label_op: tuple[Any, np.ndarray]
    if optimizer.uses_step_output:  # perceptron: ŷ − y with ŷ = [z > 0]
        scale = 1.0 / size
        forward.append((np.greater, (z, 0.0, error)))
        label_op = (np.subtract, error)
    elif network.problem == "binary":  # tanh(z/2) + (1 − 2y) = 2(σ(z) − y)
        scale = 0.5 / size
        forward += [(np.multiply, (z, 0.5, error)), (np.tanh, (error, error))]
        label_op = (np.add, error)
    elif network.problem == "multiclass":  # softmax(z) − onehot(y), classes along rows
        scale = 1.0 / size
        peak = np.empty((1, size))
        forward += [
            (np.maximum.reduce, (z, 0, None, peak, True)),
            (np.subtract, (z, peak, error)),
            (np.exp, (error, error)),
            (np.add.reduce, (error, 0, None, peak, True)),
            (np.divide, (error, peak, error)),
        ]
        label_op = (np.subtract, error)
    else:  # regression: z − y, the mean gradient being 2(z − y)/n
        scale = 2.0 / size
        label_op = (np.subtract, z)
    backward: list[Op] = []
    for layer in range(last - 1, 0, -1):
        backward += [
            (np.dot, (hidden[layer], deltas[layer + 1].T, work.gradient_blocks[layer])),
            (np.dot, (network.weights(layer), deltas[layer + 1], deltas[layer])),
            *DERIVATIVE_OPS[network.hidden_activations[layer - 1]](
                units[layer], deltas[layer], scratch[layer]
            ),
        ]
    penalty: list[Op] = []
    if config.regularization != "none" and config.regularization_rate > 0.0:
        # g += rate·w (l2) or rate·sign(w) (l1), on weights only, in buffer units
        coefficients = network.weight_mask * (config.regularization_rate / scale)
        params, target = network.params, work.penalty_scratch
        if config.regularization == "l2":
            penalty.append((np.multiply, (params, coefficients, target)))
        else:
            penalty += [
                (np.sign, (params, target)),
                (np.multiply, (target, coefficients, target)),
            ]
        penalty.append((np.add, (work.gradient, target, work.gradient)))
    update: list[Op] = [(np.copyto, (work.backup, work.state))]
    update += optimizer.program(
        network.params,
        work.gradient,
        work.slots,
        work.scratch,
        config.learning_rate,
        config.momentum,
        scale,
    )
    update = with_array_scalars(update)
    return Batch(
        size=size,
        scale=scale,
        units=units,
        logits=z,
        first=targets[1],
        deltas=deltas,
        label_op=label_op,
        forward=forward,
        backward=backward,
        penalty=penalty,
        update=update,
    )


def with_array_scalars(program: list[Op]) -> list[Op]:
    """The same calls with float constants as 0-d float64 arrays.

    A ufunc converts a Python float operand on every call, which costs about as much as the
    call itself on arrays this small; a 0-d array is used as it is, with the same result.
    """
    return [
        (function, tuple(np.array(a) if type(a) is float else a for a in args))
        for function, args in program
    ]
