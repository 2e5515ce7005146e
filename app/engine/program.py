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
from app.engine.losses import OUTPUTS
from app.engine.network import Network
from app.engine.optimizers import OPTIMIZERS, Op


@dataclass
class Workspace:
    """The flat arrays every batch size shares (owned by the ``Stepper``).

    Stacked (``sweep_step``), every array has a leading axis of R rows, one network each.
    """

    state: np.ndarray  # [parameters | optimizer slots ...]
    backup: np.ndarray  # ``state`` before the last update, for rolling back
    params: np.ndarray  # the parameters: a view of ``state``
    blocks: list[np.ndarray]  # per-layer (fan_in + 1, fan_out) views of ``params``
    slots: list[np.ndarray]  # views of ``state``
    gradient: np.ndarray  # flat, laid out like the parameters
    gradient_blocks: list[np.ndarray]  # per-layer (fan_in + 1, fan_out) views of ``gradient``
    scratch: np.ndarray
    penalty_scratch: np.ndarray

    @property
    def stacked(self) -> bool:
        return self.state.ndim == 2


def make_workspace(network: Network, state: np.ndarray, slot_sizes: list[int]) -> Workspace:
    """The workspace over ``state``: (n_state,) or, stacked, (R, n_state), each row
    [parameters | one slot per ``slot_sizes`` entry]; gradient and scratch zeroed alike."""
    n = network.n_parameters
    lead = state.shape[:-1]
    params = state[..., :n]
    slots, start = [], n
    for size in slot_sizes:
        slots.append(state[..., start : start + size])
        start += size
    gradient = np.zeros((*lead, n))
    return Workspace(
        state=state,
        backup=np.empty_like(state),
        params=params,
        blocks=layer_blocks(params, network),
        slots=slots,
        gradient=gradient,
        gradient_blocks=layer_blocks(gradient, network),
        scratch=np.empty((*lead, n)),
        penalty_scratch=np.empty((*lead, n)),
    )


def layer_blocks(flat: np.ndarray, network: Network) -> list[np.ndarray]:
    """Views (..., fan_in + 1, fan_out) of each layer's block in ``flat`` (..., n)."""
    blocks = []
    for (fan_in, fan_out), start, stop in zip(
        network.shapes, network.offsets[:-1], network.offsets[1:], strict=True
    ):
        block = flat[..., start:stop].reshape(*flat.shape[:-1], fan_in + 1, fan_out)
        assert np.shares_memory(block, flat)  # a view, or the updates would be lost
        blocks.append(block)
    return blocks


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


def compile_batch(
    network: Network,
    config: TrainerConfig,
    size: int,
    work: Workspace,
    learning_rate: float | np.ndarray | None = None,
) -> Batch:
    """Buffers and compiled calls for batches of ``size``.

    Units run along rows and samples along columns (``H[l]`` is (n_l + 1, size) with a
    last row of ones), so every elementwise call works on contiguous memory:
    ``H[l+1][:n] = f(Wb[l].T @ H[l])`` and ``delta[l] = (W[l] @ delta[l+1]) * f'``.
    A stacked ``work`` gives every buffer a leading axis of rows, the products become
    ``np.matmul`` (the same BLAS product per row), and ``learning_rate`` is then a column
    (R, 1); otherwise it defaults to ``config.learning_rate``.
    """
    sizes = network.layer_sizes
    last = network.n_layers  # index of the output layer's units
    optimizer = OPTIMIZERS[config.optimizer]
    lead, product = work.state.shape[:-1], matrix_product(work)
    hidden = [np.ones((*lead, n + 1, size)) for n in sizes]  # hidden[l] for 1 <= l < last
    units = [rows[..., :-1, :] for rows in hidden]
    z = np.empty((*lead, sizes[-1], size))
    deltas = [np.empty((*lead, n, size)) for n in sizes]
    scratch = [np.empty((*lead, n, size)) for n in sizes]
    targets = [*units[:last], z]  # where each layer's product lands
    forward: list[Op] = []
    for layer in range(1, last):
        forward += ACTIVATION_OPS[network.hidden_activations[layer - 1]](units[layer], units[layer])
        forward.append(
            (product, (transposed(work.blocks[layer]), hidden[layer], targets[layer + 1]))
        )
    error = deltas[last]
    label_op: tuple[Any, np.ndarray]
    if optimizer.uses_step_output:  # perceptron: ŷ − y with ŷ = [z > 0]
        scale = 1.0 / size
        forward.append((np.greater, (z, 0.0, error)))
        label_op = (np.subtract, error)
    else:
        scale, calls, label_op = output_error(network.problem, z, error)
        forward += calls
    backward: list[Op] = []
    for layer in range(last - 1, 0, -1):
        backward += [
            (product, (hidden[layer], transposed(deltas[layer + 1]), work.gradient_blocks[layer])),
            (product, (work.blocks[layer][..., :-1, :], deltas[layer + 1], deltas[layer])),
            *DERIVATIVE_OPS[network.hidden_activations[layer - 1]](
                units[layer], deltas[layer], scratch[layer]
            ),
        ]
    penalty = penalty_program(
        config, network.weight_mask, scale, work.params, work.gradient, work.penalty_scratch
    )
    update: list[Op] = [(np.copyto, (work.backup, work.state))]
    update += optimizer.program(
        work.params,
        work.gradient,
        work.slots,
        work.scratch,
        config.learning_rate if learning_rate is None else learning_rate,
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


def batch_program(
    batch: Batch, work: Workspace, inputs: np.ndarray, targets: np.ndarray
) -> list[Op]:
    """The gradient calls of one batch: ``inputs`` (size, k + 1) with a last column of ones,
    ``targets`` (size, n_outputs) what the output error subtracts; both shared by stacked rows."""
    product = matrix_product(work)
    label_function, label_source = batch.label_op
    program: list[Op] = [
        (product, (transposed(work.blocks[0]), inputs.T, batch.first)),
        *batch.forward,
        (label_function, (label_source, targets.T, batch.deltas[-1])),
        *batch.backward,
        (product, (inputs.T, transposed(batch.deltas[1]), work.gradient_blocks[0])),
        *batch.penalty,
    ]
    return with_array_scalars(program)


def matrix_product(work: Workspace) -> Any:
    """``np.dot`` for one network; ``np.matmul`` (the same product, row by row) for a stack."""
    return np.matmul if work.stacked else np.dot


def transposed(matrices: np.ndarray) -> np.ndarray:
    """The (view of the) transpose of a matrix, or of each matrix of a stack."""
    return matrices.swapaxes(-1, -2)


def output_error(
    problem: str, z: np.ndarray, error: np.ndarray
) -> tuple[float, list[Op], tuple[Any, np.ndarray]]:
    """The output error's calls for logits ``z`` (..., n_outputs, size), written to ``error``.

    Returns ``(scale, calls, (function, source))``: after the calls, ``function(source,
    targets, error)`` subtracts the targets, and the mean gradient is ``scale`` times what
    the error propagates to. Classes run along axis -2, so a leading axis of stacked rows
    (``sweep_step``) changes nothing.
    """
    return OUTPUTS[problem].error(z, error)


def penalty_program(
    config: TrainerConfig,
    weight_mask: np.ndarray,
    scale: float,
    params: np.ndarray,
    gradient: np.ndarray,
    target: np.ndarray,
) -> list[Op]:
    """g += rate·w (l2) or rate·sign(w) (l1), on weights only, in buffer units (``target`` is
    scratch); no calls without a penalty. ``params`` may be stacked rows (R, n)."""
    if config.regularization == "none" or config.regularization_rate <= 0.0:
        return []
    coefficients = weight_mask * (config.regularization_rate / scale)
    if config.regularization == "l2":
        calls: list[Op] = [(np.multiply, (params, coefficients, target))]
    else:
        calls = [(np.sign, (params, target)), (np.multiply, (target, coefficients, target))]
    return [*calls, (np.add, (gradient, target, gradient))]


def with_array_scalars(program: list[Op]) -> list[Op]:
    """The same calls with float constants as 0-d float64 arrays.

    A ufunc converts a Python float operand on every call, which costs about as much as the
    call itself on arrays this small; a 0-d array is used as it is, with the same result.
    """
    return [
        (function, tuple(np.array(a) if type(a) is float else a for a in args))
        for function, args in program
    ]
