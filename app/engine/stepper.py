"""The training step, compiled into preallocated NumPy calls.

For each batch size the stepper allocates every buffer a step needs once, and lays a step out
as a list of ``(function, args)`` NumPy calls with ``out=`` targets (see ``optimizers.run``):
no array is allocated and no Python arithmetic runs per element. Inputs carry a column of
ones, so each layer is one ``np.dot`` against its (fan_in + 1, fan_out) parameter block
(``network``), and one ``np.dot`` gives a block's whole gradient.

At the start of every epoch the training set is permuted once into a buffer; batch ``i`` is
then a contiguous slice of it, so a step gathers nothing.

The gradient buffer holds the mean gradient divided by ``scale`` (a constant per problem and
batch size), which spares a division per step: e.g. for binary outputs the error signal is
computed as tanh(z/2) + (1 − 2y) = 2(σ(z) − y), so scale = 1 / (2·n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.engine.activations import ACTIVATION_OPS, DERIVATIVE_OPS
from app.engine.config import TrainerConfig
from app.engine.network import Network
from app.engine.optimizers import OPTIMIZERS, Op, run

MAX_CACHED_BATCHES = 256
LARGEST = np.finfo(np.float64).max


@dataclass
class _Buffers:
    """Everything one step on a batch of ``size`` rows touches, plus its compiled calls."""

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


class Stepper:
    """Mini-batch updates of ``network`` on a training set, with the optimizer's state.

    Owns one flat float64 ``state`` array: [parameters | optimizer slots ...]; the network's
    parameters are bound to its head. ``cursor`` is the position in the current epoch's order.
    """

    def __init__(
        self, network: Network, features: np.ndarray, y: np.ndarray, config: TrainerConfig
    ) -> None:
        self.network = network
        self.config = config
        self.cursor = 0
        self.order_ready = False
        self.order = np.arange(len(y))
        self.last_size = 0  # batch size of the last update; 0 before any
        self.shown: tuple[list[float], list[float]] | None = None  # imported display values
        self._allocate_state(keep_slots=False)
        self.set_data(features, y)

    # ---------------------------------------------------------------- setup
    def _allocate_state(self, keep_slots: bool) -> None:
        n = self.network.n_parameters
        sizes = OPTIMIZERS[self.config.optimizer].slot_sizes(n)
        old_slots = getattr(self, "slots", [])
        self.state = np.zeros(n + sum(sizes))
        self.backup = np.empty_like(self.state)
        self.ones = np.ones_like(self.state)
        self.network.bind(self.state[:n])
        self.slots = []
        start = n
        for size in sizes:
            self.slots.append(self.state[start : start + size])
            start += size
        if keep_slots:
            for new, old in zip(self.slots, old_slots, strict=False):
                np.copyto(new, old)
        self.gradient = np.zeros(n)
        self.blocks = [
            self.gradient[a:b].reshape(fan_in + 1, fan_out)
            for (fan_in, fan_out), a, b in zip(
                self.network.shapes,
                self.network.offsets[:-1],
                self.network.offsets[1:],
                strict=True,
            )
        ]
        self.scratch = np.empty(n)
        self.penalty_scratch = np.empty(n)

    def set_data(self, features: np.ndarray, y: np.ndarray) -> None:
        """New training data (same config); the next step starts a fresh epoch."""
        n, k = features.shape
        self.n_train = n
        self.inputs = np.ones((n, k + 1))
        self.inputs[:, :k] = features
        self.labels = y
        self.permuted_inputs = np.ones((n, k + 1))
        self.targets = self._targets(y)
        self.permuted_targets = np.empty_like(self.targets)
        self.cursor = 0
        self.order_ready = False
        self.order = np.arange(n)
        self._compile()

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """What the output error subtracts, one row per sample (see the module docstring)."""
        problem = self.network.problem
        if OPTIMIZERS[self.config.optimizer].uses_step_output:
            return y.astype(np.float64)[:, None].copy()
        if problem == "binary":
            return (1.0 - 2.0 * y.astype(np.float64))[:, None].copy()
        if problem == "multiclass":
            onehot = np.zeros((len(y), self.network.layer_sizes[-1]))
            onehot[np.arange(len(y)), y] = 1.0
            return onehot
        return y.astype(np.float64)[:, None].copy()

    def reconfigure(self, config: TrainerConfig, reset_slots: bool) -> None:
        """Apply live settings (learning rate, batch size, optimizer, …); weights are kept."""
        rule_changed = (
            OPTIMIZERS[config.optimizer].uses_step_output
            != OPTIMIZERS[self.config.optimizer].uses_step_output
        )
        self.config = config
        if reset_slots:
            self._allocate_state(keep_slots=False)
        if rule_changed:
            self.targets = self._targets(self.labels)
            if self.order_ready:
                np.take(self.targets, self.order, axis=0, out=self.permuted_targets)
        self._compile()

    def _compile(self) -> None:
        self._buffers: dict[int, _Buffers] = {}
        self._entries: dict[int, tuple[_Buffers, list[Op]]] = {}

    # ---------------------------------------------------------------- stepping
    def shuffle(self, rng: np.random.Generator) -> None:
        """Draw this epoch's order from ``rng`` and permute the data into place."""
        self.apply_order(rng.permutation(self.n_train))

    def apply_order(self, order: np.ndarray) -> None:
        self.order = order
        np.take(self.inputs, order, axis=0, out=self.permuted_inputs)
        np.take(self.targets, order, axis=0, out=self.permuted_targets)
        self.order_ready = True

    def train(
        self, max_steps: int, max_epochs: int, rng: np.random.Generator
    ) -> tuple[int, int, bool]:
        """Update until ``max_steps`` updates or ``max_epochs`` completed passes.

        Returns (updates done, epochs completed, diverged). An update that leaves any
        parameter or optimizer value non-finite is undone, and training stops there.
        """
        steps = epochs = 0
        state, backup, ones, entries = self.state, self.backup, self.ones, self._entries
        n_train, dot, isfinite = self.n_train, np.dot, math.isfinite
        start = self.cursor
        while steps < max_steps and epochs < max_epochs:
            if start == 0 and not self.order_ready:
                self.shuffle(rng)
            entry = entries.get(start)
            if entry is None:
                entry = self._entry(start)
            buffers, program = entry
            for function, args in program:
                function(*args)
            for function, args in buffers.update:
                function(*args)
            self.last_size = buffers.size
            self.shown = None
            if not isfinite(dot(state, ones)):  # Σ is inf or nan iff some value is
                np.copyto(state, backup)
                return steps, epochs, True
            steps += 1
            start += buffers.size
            if start >= n_train:
                start = 0
                self.order_ready = False
                epochs += 1
            self.cursor = start
        return steps, epochs, False

    def batch_gradient(self) -> np.ndarray:
        """The mean gradient (with penalty) on the batch at ``cursor``; parameters untouched."""
        buffers, program = self._entry(self.cursor)
        run(program)
        return self.gradient * buffers.scale

    def _entry(self, start: int) -> tuple[_Buffers, list[Op]]:
        """The batch at ``start``: its buffers and its gradient program (cached)."""
        size = min(self.config.batch_size, self.n_train - start)
        buffers = self._buffers.get(size)
        if buffers is None:
            buffers = self._buffers[size] = self._make_buffers(size)
        batch = self.permuted_inputs[start : start + size]  # (size, k + 1), rows contiguous
        labels = self.permuted_targets[start : start + size].T  # (n_outputs, size)
        label_function, label_source = buffers.label_op
        program: list[Op] = [
            (np.dot, (self.network.blocks[0].T, batch.T, buffers.first)),
            *buffers.forward,
            (label_function, (label_source, labels, buffers.deltas[-1])),
            *buffers.backward,
            (np.dot, (batch.T, buffers.deltas[1].T, self.blocks[0])),
            *buffers.penalty,
        ]
        entry = (buffers, _with_array_scalars(program))
        if len(self._entries) < MAX_CACHED_BATCHES:
            self._entries[start] = entry
        return entry

    def _make_buffers(self, size: int) -> _Buffers:
        """Buffers and compiled calls for batches of ``size``.

        Units run along rows and samples along columns (``H[l]`` is (n_l + 1, size) with a
        last row of ones), so every elementwise call works on contiguous memory:
        ``H[l+1][:n] = f(Wb[l].T @ H[l])`` and ``delta[l] = (W[l] @ delta[l+1]) * f'``.
        """
        network, config = self.network, self.config
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
            forward += ACTIVATION_OPS[network.hidden_activations[layer - 1]](
                units[layer], units[layer]
            )
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
                (np.dot, (hidden[layer], deltas[layer + 1].T, self.blocks[layer])),
                (np.dot, (network.weights(layer), deltas[layer + 1], deltas[layer])),
                *DERIVATIVE_OPS[network.hidden_activations[layer - 1]](
                    units[layer], deltas[layer], scratch[layer]
                ),
            ]
        penalty: list[Op] = []
        if config.regularization != "none" and config.regularization_rate > 0.0:
            # g += rate·w (l2) or rate·sign(w) (l1), on weights only, in buffer units
            coefficients = network.weight_mask * (config.regularization_rate / scale)
            params, target = network.params, self.penalty_scratch
            if config.regularization == "l2":
                penalty.append((np.multiply, (params, coefficients, target)))
            else:
                penalty += [
                    (np.sign, (params, target)),
                    (np.multiply, (target, coefficients, target)),
                ]
            penalty.append((np.add, (self.gradient, target, self.gradient)))
        update: list[Op] = [(np.copyto, (self.backup, self.state))]
        update += optimizer.program(
            network.params,
            self.gradient,
            self.slots,
            self.scratch,
            config.learning_rate,
            config.momentum,
            scale,
        )
        update = _with_array_scalars(update)
        return _Buffers(
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

    # ---------------------------------------------------------------- reading
    def gradient_norms(self) -> list[float]:
        """Frobenius norm of each weight layer's gradient in the last update (zeros before)."""
        if self.shown is not None:
            return list(self.shown[0])
        if not self.last_size:
            return [0.0] * self.network.n_layers
        scale = self._buffers_for_last().scale
        with np.errstate(all="ignore"):
            norms = [float(np.linalg.norm(block[:-1])) * scale for block in self.blocks]
        return [_finite(norm) for norm in norms]

    def mean_activations(self) -> list[float]:
        """Mean |a| of every hidden layer and the output unit(s) in the last update."""
        if self.shown is not None:
            return list(self.shown[1])
        if not self.last_size:
            return [0.0] * self.network.n_layers
        buffers = self._buffers_for_last()
        from app.engine.losses import output_activation

        with np.errstate(all="ignore"):
            layers = [np.abs(units).mean() for units in buffers.units[1:-1]]
            outputs = output_activation(self.network.problem, buffers.logits.T)
            layers.append(np.abs(outputs).mean())
        return [_finite(float(value)) for value in layers]

    def _buffers_for_last(self) -> _Buffers:
        buffers = self._buffers.get(self.last_size)
        if buffers is None:  # settings changed since; the numbers went with the old buffers
            buffers = self._buffers[self.last_size] = self._make_buffers(self.last_size)
        return buffers


def _with_array_scalars(program: list[Op]) -> list[Op]:
    """The same calls with float constants as 0-d float64 arrays.

    A ufunc converts a Python float operand on every call, which costs about as much as the
    call itself on arrays this small; a 0-d array is used as it is, with the same result.
    """
    return [
        (function, tuple(np.array(a) if type(a) is float else a for a in args))
        for function, args in program
    ]


def _finite(value: float) -> float:
    """Clamp for display: NaN -> the largest float, ±inf -> ±largest."""
    if math.isnan(value):
        return LARGEST
    return max(-LARGEST, min(LARGEST, value))
