"""Running the compiled training step: data order, the update loop, rollback, read-outs.

At the start of every epoch the training set is permuted once into a buffer (inputs with a
column of ones, and the targets the output error subtracts); batch ``i`` is then a contiguous
slice of it, so a step gathers nothing. Each batch's program is compiled once
(``program.compile_batch``) and cached by its start position.

Beside the last update's read-outs, the stepper keeps the mean of every weight layer's
gradient norm over the updates of the epoch under way, and that mean over the last completed
epoch (``epoch_gradient_norms``): one update's norms jump with its batch, an epoch's mean
says how the gradient reaches each layer. Per update that costs four calls on the flat
gradient (square, per-layer sums, square root, scale and add).
"""

from __future__ import annotations

import math

import numpy as np

from app.engine.config import TrainerConfig
from app.engine.losses import output_activation
from app.engine.network import Network
from app.engine.optimizers import OPTIMIZERS, Op
from app.engine.program import (
    Batch,
    batch_program,
    compile_batch,
    make_workspace,
    with_array_scalars,
)

MAX_CACHED_BATCHES = 256
LARGEST = float(np.finfo(np.float64).max)


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
        self.last_size = 0  # batch size of the last update; 0 before any
        self.shown: tuple[list[float], list[float]] | None = None  # read-outs, kept or imported
        # sum of each layer's gradient norm over this epoch's updates (weights at the even
        # entries, bias rows at the odd ones), how many updates, and the last epoch's means
        n = network.n_layers
        self.norm_sums = np.zeros(2 * n)
        self.norm_updates = 0
        self.epoch_norms: list[float] | None = None
        # where each block's weight rows and its bias row begin in the flat gradient
        starts = network.offsets[:-1]
        self._norm_sections = np.array(
            [
                start + part
                for (fan_in, fan_out), start in zip(network.shapes, starts, strict=True)
                for part in (0, fan_in * fan_out)
            ]
        )
        self._allocate_state()
        self.set_data(features, y)

    # ---------------------------------------------------------------- setup
    def _allocate_state(self) -> None:
        """A fresh state array (optimizer slots zero) holding the current parameters."""
        network = self.network
        n = network.n_parameters
        sizes = OPTIMIZERS[self.config.optimizer].slot_sizes(n)
        state = np.zeros(n + sum(sizes))
        network.bind(state[:n])
        self.work = make_workspace(network, state, sizes)
        self.ones = np.ones_like(state)
        self._squares = np.empty(n)
        self._norms = np.empty(2 * network.n_layers)
        self._norms_current = False  # _norms holds the last update's (it did not diverge)

    @property
    def state(self) -> np.ndarray:
        return self.work.state

    @property
    def slots(self) -> list[np.ndarray]:
        return self.work.slots

    def set_data(self, features: np.ndarray, y: np.ndarray) -> None:
        """New training data (same config); the next step starts a fresh epoch."""
        self._freeze_readouts()
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
        self.norm_sums[:] = 0.0  # the epoch under way is abandoned
        self.norm_updates = 0
        self._compile()

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """What the output error subtracts (see ``program``), one row per sample."""
        if OPTIMIZERS[self.config.optimizer].uses_step_output:
            return y.astype(np.float64)[:, None].copy()
        if self.network.problem == "binary":
            return (1.0 - 2.0 * y.astype(np.float64))[:, None].copy()
        if self.network.problem == "multiclass":
            onehot = np.zeros((len(y), self.network.layer_sizes[-1]))
            onehot[np.arange(len(y)), y] = 1.0
            return onehot
        return y.astype(np.float64)[:, None].copy()

    def reconfigure(self, config: TrainerConfig, reset_slots: bool) -> None:
        """Apply live settings (learning rate, batch size, optimizer, …); weights are kept."""
        self._freeze_readouts()
        rule_changed = (
            OPTIMIZERS[config.optimizer].uses_step_output
            != OPTIMIZERS[self.config.optimizer].uses_step_output
        )
        self.config = config
        if reset_slots:
            self._allocate_state()
        if rule_changed:
            self.targets = self._targets(self.labels)
            if self.order_ready:
                np.take(self.targets, self.order, axis=0, out=self.permuted_targets)
        self._compile()

    def _freeze_readouts(self) -> None:
        """Keep the last update's read-outs: the buffers they live in are about to go."""
        if self.last_size and self.shown is None and hasattr(self, "_batches"):
            self.shown = (self.gradient_norms(), self.mean_activations())

    def _compile(self) -> None:
        self._batches: dict[int, Batch] = {}
        self._entries: dict[int, tuple[Batch, list[Op]]] = {}

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
        state, backup, ones, entries = self.work.state, self.work.backup, self.ones, self._entries
        n_train, dot, isfinite = self.n_train, np.dot, math.isfinite
        start = self.cursor
        while steps < max_steps and epochs < max_epochs:
            if start == 0 and not self.order_ready:
                self.shuffle(rng)
            entry = entries.get(start)
            if entry is None:
                entry = self._entry(start)
            batch, program = entry
            for function, args in program:
                function(*args)
            for function, args in batch.update:
                function(*args)
            self.last_size = batch.size
            self.shown = None
            if not isfinite(dot(state, ones)):  # the sum is inf or nan iff some value is
                np.copyto(state, backup)
                self._norms_current = False
                return steps, epochs, True
            for function, args in batch.norms:
                function(*args)
            self._norms_current = True
            self.norm_updates += 1
            steps += 1
            start += batch.size
            if start >= n_train:
                start = 0
                self.order_ready = False
                epochs += 1
                self._end_epoch_norms()
            self.cursor = start
        return steps, epochs, False

    def batch_gradient(self) -> np.ndarray:
        """The mean gradient (with penalty) on the batch at ``cursor``; parameters untouched."""
        batch, program = self._entry(self.cursor)
        for function, args in program:
            function(*args)
        return self.work.gradient * batch.scale

    def _batch(self, size: int) -> Batch:
        batch = self._batches.get(size)
        if batch is None:
            batch = self._batches[size] = compile_batch(self.network, self.config, size, self.work)
            # after an update: |dL/dW[l]| = scale · sqrt(sum of squares of block l's weight
            # rows), added to the epoch's sums
            gradient, squares, norms = self.work.gradient, self._squares, self._norms
            batch.norms = with_array_scalars(
                [
                    (np.multiply, (gradient, gradient, squares)),
                    (np.add.reduceat, (squares, self._norm_sections, 0, None, norms)),
                    (np.sqrt, (norms, norms)),
                    (np.multiply, (norms, batch.scale, norms)),
                    (np.add, (self.norm_sums, norms, self.norm_sums)),
                ]
            )
        return batch

    def _entry(self, start: int) -> tuple[Batch, list[Op]]:
        """The batch at ``start``: its buffers and its gradient program (cached)."""
        batch = self._batch(min(self.config.batch_size, self.n_train - start))
        inputs = self.permuted_inputs[start : start + batch.size]  # (size, k + 1)
        targets = self.permuted_targets[start : start + batch.size]  # (size, n_outputs)
        entry = (batch, batch_program(batch, self.work, inputs, targets))
        if len(self._entries) < MAX_CACHED_BATCHES:
            self._entries[start] = entry
        return entry

    def _end_epoch_norms(self) -> None:
        """The epoch is complete: its mean norms become ``epoch_norms``; sums start again."""
        means = self.norm_sums[::2] / max(1, self.norm_updates)
        self.epoch_norms = [finite(float(value)) for value in means]
        self.norm_sums[:] = 0.0
        self.norm_updates = 0

    # ---------------------------------------------------------------- reading
    def gradient_norms(self) -> list[float]:
        """Frobenius norm of each weight layer's gradient in the last update (zeros before)."""
        if self.shown is None and self.last_size:
            self.shown = (self._gradient_norms(), self._mean_activations())
        if self.shown is not None:
            return list(self.shown[0])
        return [0.0] * self.network.n_layers

    def mean_activations(self) -> list[float]:
        """Mean |a| of every hidden layer and the output unit(s) in the last update."""
        if self.shown is None and self.last_size:
            self.shown = (self._gradient_norms(), self._mean_activations())
        if self.shown is not None:
            return list(self.shown[1])
        return [0.0] * self.network.n_layers

    # Both read the last update's buffers, which the next update overwrites: they are kept
    # in ``shown`` when first read (a frame reads them once; a paused session's frames reuse).
    def _gradient_norms(self) -> list[float]:
        if self._norms_current:  # the update's own sums: weight rows, bias row, per layer
            return [finite(float(norm)) for norm in self._norms[::2]]
        scale = self._batch(self.last_size).scale
        with np.errstate(all="ignore"):
            norms = [np.linalg.norm(block[:-1]) * scale for block in self.work.gradient_blocks]
        return [finite(float(norm)) for norm in norms]

    def _mean_activations(self) -> list[float]:
        batch = self._batch(self.last_size)
        with np.errstate(all="ignore"):
            # np.add.reduce(...) / size is what ndarray.mean computes, without its overhead
            layers = [mean_magnitude(units) for units in batch.units[1:-1]]
            layers.append(mean_magnitude(output_activation(self.network.problem, batch.logits.T)))
        return [finite(float(value)) for value in layers]


def mean_magnitude(values: np.ndarray) -> float:
    return float(np.add.reduce(np.abs(values), axis=None) / values.size)


def finite(value: float) -> float:
    """Clamp for display: NaN -> the largest float, ±inf -> ±largest."""
    if math.isnan(value):
        return LARGEST
    return max(-LARGEST, min(LARGEST, value))
