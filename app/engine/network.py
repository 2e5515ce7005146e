"""A fully connected network stored in one flat float64 parameter vector.

Layer ``l`` maps ``a[l]`` (n, fan_in) to ``z[l+1] = a[l] @ W[l] + b[l]`` (n, fan_out), then
``a[l+1] = f(z[l+1])`` with the layer's activation; the last layer's ``z`` are the logits that
``losses`` turns into probabilities or values. Each layer owns one contiguous block of the
flat vector, shaped (fan_in + 1, fan_out): rows 0..fan_in-1 are ``W[l]``, the last row is
``b[l]``. Multiplying ``[a, 1]`` by the block therefore computes ``a @ W + b`` in one product,
and the gradient of a block is ``[a, 1].T @ delta`` (the bias row collects ``Σ delta``).

Backpropagation, for the mean loss over a batch::

    delta[L] = dL/dz[L]                                   (from ``losses.output_delta``)
    dL/dW[l] = a[l].T @ delta[l+1]       dL/db[l] = Σ_rows delta[l+1]
    delta[l] = (delta[l+1] @ W[l].T) * f'(z[l])

Initialisation (biases zero), matched to the activation the layer feeds: each activation's
record names its initialiser (He for relu, leaky_relu; Glorot for tanh, sigmoid, linear; see
``activations``), and output layers take Glorot's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.engine.activations import ACTIVATIONS, glorot
from app.engine.config import fail
from app.engine.losses import (
    data_loss,
    output_activation,
    output_delta,
    penalty_gradient,
    perceptron_delta,
)


class Network:
    """An MLP's shape, activations and parameters (one flat vector with per-layer views).

    Parameters
    ----------
    layer_sizes : [n_features, *hidden, n_outputs]
    hidden_activations : one activation name per hidden layer
    problem : "binary" | "multiclass" | "regression" (fixes the output unit and loss)
    """

    def __init__(
        self, layer_sizes: Sequence[int], hidden_activations: Sequence[str], problem: str
    ) -> None:
        if len(hidden_activations) != len(layer_sizes) - 2:
            raise ValueError("hidden_activations: expected one name per hidden layer")
        self.layer_sizes = [int(size) for size in layer_sizes]
        self.hidden_activations = list(hidden_activations)
        self.problem = problem
        self.n_layers = len(self.layer_sizes) - 1  # weight layers
        self.offsets = [0]
        for fan_in, fan_out in self.shapes:
            self.offsets.append(self.offsets[-1] + (fan_in + 1) * fan_out)
        self.n_parameters = self.offsets[-1]
        # 1 where the flat vector holds a weight, 0 where it holds a bias
        self.weight_mask = np.ones(self.n_parameters)
        self.params = np.zeros(self.n_parameters)
        self.blocks: list[np.ndarray] = []
        self.bind(self.params)
        for block in _blocks(self.weight_mask, self.shapes, self.offsets):
            block[-1] = 0.0

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """(fan_in, fan_out) of every weight layer."""
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))

    def bind(self, params: np.ndarray) -> None:
        """Move the parameters into ``params`` (a flat float64 array, modified) and keep views."""
        if params is not self.params:
            np.copyto(params, self.params)
        self.params = params
        self.blocks = _blocks(params, self.shapes, self.offsets)

    def weights(self, layer: int) -> np.ndarray:
        """View of W[layer], (fan_in, fan_out)."""
        return self.blocks[layer][:-1]

    def biases(self, layer: int) -> np.ndarray:
        """View of b[layer], (fan_out,)."""
        return self.blocks[layer][-1]

    def load(self, weights: Any, biases: Any) -> None:
        """Set every W[l] (fan_in, fan_out) and b[l] (fan_out,) from array-likes.

        All layers are checked (count, shape, finite numbers) before any is written; a
        ValueError names the first bad one, e.g. ``weights[1]: expected shape (4, 2), …``.
        """
        shapes = self.shapes
        for name, given in (("weights", weights), ("biases", biases)):
            if not isinstance(given, list | tuple) or len(given) != len(shapes):
                count = len(given) if isinstance(given, list | tuple) else type(given).__name__
                raise fail(name, f"a list of {len(shapes)} layers", count)
        checked = []
        for layer, (fan_in, fan_out) in enumerate(shapes):
            pair = []
            for name, given, shape in (
                ("weights", weights[layer], (fan_in, fan_out)),
                ("biases", biases[layer], (fan_out,)),
            ):
                try:
                    array = np.asarray(given, dtype=np.float64)
                except (TypeError, ValueError):
                    raise fail(f"{name}[{layer}]", f"numbers of shape {shape}", given) from None
                if array.shape != shape:
                    raise fail(f"{name}[{layer}]", f"shape {shape}", array.shape)
                if not np.isfinite(array).all():
                    raise fail(f"{name}[{layer}]", "finite numbers", "a non-finite value")
                pair.append(array)
            checked.append(pair)
        for layer, (w, b) in enumerate(checked):
            self.weights(layer)[...] = w
            self.biases(layer)[...] = b

    def init_parameters(self, rng: np.random.Generator) -> None:
        """Draw fresh weights (He or Glorot, by activation) from ``rng``; zero the biases."""
        initialisers = [ACTIVATIONS[name].init for name in self.hidden_activations] + [glorot]
        for layer, (fan_in, fan_out) in enumerate(self.shapes):
            self.weights(layer)[...] = initialisers[layer](rng, fan_in, fan_out)
            self.biases(layer)[...] = 0.0

    def activation_bound(self, input_bound: float) -> float:
        """An upper bound on |z| in every layer, for inputs with |x| <= ``input_bound``.

        Every activation has |f(z)| <= max(|z|, 1), so layer l+1 is bounded by
        (fan_in + 1) · max|parameter| · max(bound of layer l, 1). Cheap: one pass over the
        parameters; used to skip finiteness checks when overflow is impossible.
        """
        largest = float(np.max(np.abs(self.params)))
        bound = input_bound
        for fan_in, _ in self.shapes:
            bound = (fan_in + 1) * largest * max(bound, 1.0)
        return bound

    def forward(self, X: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer for features ``X`` (n, n_features), float64, new arrays.

        Returns ``[X, a[1], ..., a[L-1], z[L]]``: the last entry is the logits.
        """
        outputs = [X]
        a = X
        with np.errstate(all="ignore"):
            for layer in range(self.n_layers):
                z = a @ self.weights(layer) + self.biases(layer)
                if layer < self.n_layers - 1:
                    ACTIVATIONS[self.hidden_activations[layer]].forward(z, z)
                outputs.append(z)
                a = z
        return outputs

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Output units for features ``X``: probabilities (n, k) or values (n, 1)."""
        return output_activation(self.problem, self.forward(X)[-1])

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Mean data loss on (X, y); may be non-finite if the parameters are huge."""
        return data_loss(self.problem, self.forward(X)[-1], y)

    def gradient(
        self,
        X: np.ndarray,
        y: np.ndarray,
        regularization: str = "none",
        rate: float = 0.0,
        *,
        step_output: bool = False,
    ) -> tuple[float, np.ndarray]:
        """Data loss and the flat gradient of (data loss + penalty), written plainly.

        With ``step_output`` the output error is the perceptron rule's (ŷ − y)/n, ŷ = [z > 0].

        This is the reference implementation; training runs ``program.compile_batch``, which
        computes the same numbers with preallocated buffers.
        """
        outputs = self.forward(X)
        loss = data_loss(self.problem, outputs[-1], y)
        gradient = np.zeros(self.n_parameters)
        blocks = _blocks(gradient, self.shapes, self.offsets)
        if step_output:
            delta = perceptron_delta(outputs[-1], y)
        else:
            delta = output_delta(self.problem, outputs[-1], y)
        for layer in reversed(range(self.n_layers)):
            blocks[layer][:-1] = outputs[layer].T @ delta
            blocks[layer][-1] = delta.sum(axis=0)
            if layer > 0:
                delta = delta @ self.weights(layer).T
                scratch = np.empty_like(delta)
                activation = ACTIVATIONS[self.hidden_activations[layer - 1]]
                activation.derivative(outputs[layer], delta, scratch)
        mask = self.weight_mask
        gradient += penalty_gradient(regularization, self.params * mask, rate) * mask
        return loss, gradient


def _blocks(
    flat: np.ndarray, shapes: list[tuple[int, int]], offsets: list[int]
) -> list[np.ndarray]:
    return [
        flat[start:stop].reshape(fan_in + 1, fan_out)
        for (fan_in, fan_out), start, stop in zip(shapes, offsets[:-1], offsets[1:], strict=True)
    ]
