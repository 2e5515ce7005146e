"""The compiled training step of ``program``, for R copies of one network stacked row by row.

The copies share the network's shape, the data and the order of the mini-batches; each has
its own parameters, optimizer state and learning rate. Every array of the single step gains a
leading axis of length R (``program.make_workspace`` over a state of shape (R, n_state)), and
every call works on all R at once::

    H[l+1][:, :n] = f(Wb[l].T @ H[l])    np.matmul: (R, n_out, n_in + 1) @ (R, n_in + 1, size)
    G[l]          = H[l] @ delta[l+1].T   (R, n_in + 1, n_out), bias rows included
    delta[l]      = (W[l] @ delta[l+1]) * f'
    w             ← the optimizer's update, the learning rate a column (R, 1)

``np.matmul`` runs the same BLAS product on each matrix of a stack as ``np.dot`` does on the
single one, and an elementwise call computes each element as it would alone, so every row
follows exactly the updates a ``Stepper`` with its learning rate makes
(tests/engine/test_sweep.py checks it, bit for bit).
"""

from __future__ import annotations

import math

import numpy as np

from app.engine.activations import ACTIVATIONS
from app.engine.config import TrainerConfig
from app.engine.network import Network
from app.engine.optimizers import OPTIMIZERS, Op
from app.engine.program import Batch, batch_program, compile_batch, make_workspace


class StackedStepper:
    """Mini-batch updates of R stacked copies of ``network``, one learning rate per row.

    Parameters
    ----------
    network : Network
        The shape, activations and problem (its own parameters are not used).
    config : TrainerConfig
        Batch size, optimizer, momentum and regularization; not its learning rate. The
        perceptron rule is not stacked.
    state : (R, n_state) float64
        Each row a ``Stepper``'s state, [parameters | optimizer slots]; owned and modified.
    learning_rates : (R,) float64
    """

    def __init__(
        self, network: Network, config: TrainerConfig, state: np.ndarray, learning_rates: np.ndarray
    ) -> None:
        optimizer = OPTIMIZERS[config.optimizer]
        assert not optimizer.uses_step_output, "the perceptron rule is not stacked"
        self.network, self.config, self.learning_rates = network, config, learning_rates
        self.work = make_workspace(network, state, optimizer.slot_sizes(network.n_parameters))
        self.params = self.work.params
        self._flat = state.reshape(-1)
        assert np.shares_memory(self._flat, state)
        self._ones = np.ones(state.size)
        self._batches: dict[int, Batch] = {}
        self._entries: dict[int, tuple[Batch, list[Op]]] = {}

    @property
    def state(self) -> np.ndarray:
        return self.work.state

    def keep(self, rows: list[int]) -> StackedStepper:
        """A stepper for ``rows`` of this one only (their state copied), recompiled."""
        return StackedStepper(
            self.network, self.config, self.state[rows], self.learning_rates[rows]
        )

    def step(self, inputs: np.ndarray, targets: np.ndarray, start: int) -> list[int] | None:
        """One update of every row on the batch at ``start`` of the permuted data.

        ``inputs`` (n_train, k + 1) has a last column of ones; ``targets`` is what the output
        error subtracts, one row per sample (a ``Stepper``'s ``permuted_targets``). Returns
        None, or the rows whose state turned non-finite (rolled back, as a stepper does).
        Call it under ``np.errstate(all="ignore")``: overflow is caught here, as divergence.
        """
        entry = self._entries.get(start)
        if entry is None:
            size = min(self.config.batch_size, len(inputs) - start)
            batch = self._batches.get(size)
            if batch is None:
                rates = self.learning_rates[:, None]
                batch = compile_batch(self.network, self.config, size, self.work, rates)
                self._batches[size] = batch
            program = batch_program(
                batch, self.work, inputs[start : start + size], targets[start : start + size]
            )
            entry = self._entries[start] = (batch, program)
        batch, program = entry
        for function, args in program:
            function(*args)
        for function, args in batch.update:
            function(*args)
        # one sum screens every row: it is inf or nan iff some value is (or a sum overflows)
        if math.isfinite(np.dot(self._flat, self._ones)):
            return None
        # each row judged as its stepper judges it: the sum of its state is not finite
        width = self.state.shape[1]
        bad = [
            row
            for row, values in enumerate(self.state)
            if not math.isfinite(np.dot(values, self._ones[:width]))
        ]
        self.state[bad] = self.work.backup[bad]
        return bad or None

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Every row's logits for ``features`` (n, k): (R, n, n_outputs), a new array.

        ``Network.forward`` with a leading axis: the same products, row by row.
        """
        network, outputs = self.network, features
        with np.errstate(all="ignore"):
            for layer, block in enumerate(self.work.blocks):
                outputs = np.matmul(outputs, block[:, :-1]) + block[:, -1:]
                if layer < network.n_layers - 1:
                    ACTIVATIONS[network.hidden_activations[layer]](outputs, outputs)
        return outputs
