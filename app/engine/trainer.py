"""The Trainer: data, network, optimizer, counters and rng for one training run.

An *epoch* is one pass over the training set, reshuffled at its start with the trainer's rng;
an *iteration* is one weight update on one mini-batch; an epoch has
``ceil(n_train / batch_size)`` iterations (the last batch may be smaller).

If an update makes any parameter or optimizer value non-finite, or the training loss turns
non-finite, the trainer is *diverged*: the failing update is undone, training stops, and
``diverged_at`` holds the (epoch, iteration) counters at which it stopped. Nothing the trainer
returns is ever NaN or infinite; metrics that are undefined are ``None``.

``status`` is ``"ready"``, ``"unstable"`` or ``"diverged"`` (which wins). *Unstable* runs go on
training, but their loss says the steps are too large. It is judged at every epoch end over the
training objective (data loss + penalty), by ``stability``'s rule: with ``s`` the objective when
the stretch started, ``m = max(s, loss of all-zero logits)``, and the last ``WINDOW`` = 10
epoch-end values, the run is unstable if (a) all of them are above ``s + ABOVE·m`` (1 %), or
(b) at least ``RISES`` = 3 of their epoch-to-epoch changes rise by more than ``RISE·m`` (5 %),
or (c) one such rise and none of them below ``PROGRESS·s`` (90 %). A stretch starts with a fresh
network, and again on a live change of a setting, new data, or edited or loaded parameters;
that empties the window and makes an unstable run ready until the rule holds again.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from app.engine import evaluation, grids
from app.engine.config import (
    FIELD_NAMES,
    Limits,
    TrainerConfig,
    check_float,
    check_int,
    check_rule,
    fail,
    validate_config,
)
from app.engine.data import Problem, build_data
from app.engine.features import make_features
from app.engine.grids import Drawing, GridFeatures
from app.engine.losses import data_loss, output_activation, penalty
from app.engine.network import Network
from app.engine.stability import StabilityWatch, Status
from app.engine.stepper import Stepper

LIVE_FIELDS = frozenset(
    {
        "learning_rate",
        "batch_size",
        "optimizer",
        "momentum",
        "regularization",
        "regularization_rate",
    }
)
DATA_FIELDS = frozenset(
    {"dataset", "n_samples", "noise", "train_ratio", "data_seed", "n_classes", "points", "problem"}
)

#: |z| + |y| below this keeps every loss finite (MSE squares it: 1e150² < 1.8e308)
LOSS_SAFE_BOUND = 1e150


class Trainer:
    """Train a NumPy MLP on one of the playground's data sets, step by step.

    Parameters
    ----------
    config : TrainerConfig
        Everything the run is built from; validated (ValueError names the bad field).
    limits : Limits, optional
        Bounds on layers, neurons, samples, resolution, … (defaults: ``Limits()``).

    ``status`` says how the run goes (see the module's docstring); ``stability`` is the
    ``StabilityWatch`` that judges it, holding this stretch's reference and window.
    """

    LIVE_FIELDS = LIVE_FIELDS

    def __init__(self, config: TrainerConfig, *, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self.config = validate_config(config, self.limits)
        self._build_data()
        self._build_network()

    # ------------------------------------------------------------------ building
    def _build_data(self) -> None:
        """Generate and split the data from ``data_seed``; derive problem and classes."""
        data = build_data(self.config, self.limits)
        self.config = data.config
        self.problem: Problem = data.problem
        self.n_classes: int | None = data.n_classes
        self.X_train, self.y_train = data.X_train, data.y_train
        self.X_test, self.y_test = data.X_test, data.y_test
        self.features_train, self.features_test = data.features_train, data.features_test
        self._input_bound = float(np.abs(self.features_train).max())
        self._label_bound = float(np.abs(self.y_train).max())
        self._metrics: dict[str, float | None] | None = None
        # Drawings made ahead for the next grids() call of their kind (see adopt_drawing).
        self._drawings: dict[tuple[int, bool], Drawing] = {}

    def _build_network(self) -> None:
        """A fresh network and optimizer from ``seed``; counters to zero."""
        config = self.config
        check_rule(config, self.problem)
        n_outputs = self.n_classes if self.problem == "multiclass" else 1
        assert n_outputs is not None
        self.layer_sizes = [len(config.features), *config.hidden_layers, n_outputs]
        self.network = Network(self.layer_sizes, config.hidden_activations, self.problem)
        self.rng = np.random.default_rng(config.seed)
        self.network.init_parameters(self.rng)
        self.stepper = Stepper(self.network, self.features_train, self.y_train, config)
        self.epoch = 0
        self.iteration = 0
        self.status: Status = "ready"
        self.diverged_at: tuple[int, int] | None = None
        self.stability = StabilityWatch()
        self._forget_readings()

    @property
    def iterations_per_epoch(self) -> int:
        return math.ceil(len(self.X_train) / self.config.batch_size)

    def iterations_to_epoch_end(self) -> int:
        """Updates before the epoch counter next grows: ceil((n_train - position) / batch).

        The batches are consecutive ``batch_size`` runs of the epoch's shuffled order, the
        last one shorter; ``position`` is how far into that order this epoch has come.
        """
        remaining = len(self.X_train) - self.stepper.cursor
        return max(1, math.ceil(remaining / self.config.batch_size))

    # ------------------------------------------------------------------ training
    def train_iterations(self, k: int) -> None:
        """Run ``k`` updates (fewer if the run diverges)."""
        k = check_int("iterations", k, 0, 10**9)
        self._train(k, until_epoch=None)

    def train_epochs(self, k: int) -> None:
        """Train until the epoch counter has grown by ``k`` (the first may be a partial pass)."""
        k = check_int("epochs", k, 0, 10**6)
        if k:
            self._train(None, until_epoch=self.epoch + k)

    def _train(self, k: int | None, until_epoch: int | None) -> None:
        """Train epoch by epoch and judge every epoch end. The updates are those of one go:
        the stepper starts the next epoch with the same shuffle either way."""
        steps_left = 2**62 if k is None else k
        epochs_left = 2**62 if until_epoch is None else until_epoch - self.epoch
        if self.status == "diverged" or not steps_left:
            return
        if not self.stability.started:
            start = self._train_loss()
            if start is not None:
                self._judge(start)
        steps_done, diverged = 0, False
        while steps_left and epochs_left and not diverged:
            with np.errstate(all="ignore"):  # overflow is caught, as divergence
                steps, epochs, diverged = self.stepper.train(steps_left, 1, self.rng)
            self.iteration += steps
            self.epoch += epochs
            steps_done += steps
            steps_left -= steps
            epochs_left -= epochs
            self._forget_readings()
            if epochs and not diverged:
                # the call's last epoch end fills the metrics cache that callers read next
                loss = self._train_loss(full=not (steps_left and epochs_left))
                if loss is None:
                    break  # undefined: divergence, judged below
                self._judge(loss)
        if diverged or (steps_done and not self._loss_surely_finite() and self._loss_undefined()):
            self._diverge()

    def _train_loss(self, *, full: bool = False) -> float | None:
        """The training data loss, from the metrics cache (filled if ``full``) or alone."""
        if full or self._metrics is not None:
            return self.metrics()["train_loss"]
        loss = self.network.loss(self.features_train, self.y_train)  # as metrics() computes it
        return loss if math.isfinite(loss) else None

    def _judge(self, loss: float) -> None:
        """Hand the objective (data ``loss`` + penalty) to the watch; the first one starts it."""
        config = self.config
        weights = self.network.params * self.network.weight_mask
        objective = loss + penalty(config.regularization, weights, config.regularization_rate)
        if not math.isfinite(objective):
            return
        if not self.stability.started:
            zero_logits = np.zeros((len(self.y_train), self.layer_sizes[-1]))
            self.stability.start(objective, data_loss(self.problem, zero_logits, self.y_train))
        else:
            self.status = "unstable" if self.stability.record(objective) else "ready"

    def _restart_stretch(self) -> None:
        """The run changed under the watch: empty it; an unstable run is ready until judged."""
        self.stability = StabilityWatch()
        if self.status == "unstable":
            self.status = "ready"

    def _loss_surely_finite(self) -> bool:
        """Whether the parameters bound every output far below overflow (the usual case)."""
        bound = self.network.activation_bound(self._input_bound) + self._label_bound
        return bound < LOSS_SAFE_BOUND

    def _loss_undefined(self) -> bool:
        return self.metrics()["train_loss"] is None

    def _diverge(self) -> None:
        self.status = "diverged"
        self.diverged_at = (self.epoch, self.iteration)
        self._forget_readings()

    def reset(self) -> None:
        """Fresh weights from the seed, optimizer state and counters to zero; same data."""
        self._build_network()

    def regenerate(self, data_seed: int) -> None:
        """New data (and split) from ``data_seed``; the network and counters are kept."""
        self.reconfigure(data_seed=data_seed)

    def reconfigure(self, **changes: Any) -> bool:
        """Change settings; returns True if the network was rebuilt (fresh weights, counters 0).

        Only ``LIVE_FIELDS`` and ``data_seed`` (new data, as ``regenerate``) change without
        a rebuild. Invalid changes raise ValueError and
        leave the trainer as it was.
        """
        unknown = sorted(set(changes) - FIELD_NAMES)
        if unknown:
            raise fail(unknown[0], f"a setting among {', '.join(sorted(FIELD_NAMES))}", unknown[0])
        old = self.config
        new = validate_config(replace(old, **changes), self.limits)
        changed = {name for name in changes if getattr(new, name) != getattr(old, name)}
        if not changed:
            return False
        if changed <= LIVE_FIELDS | {"data_seed"}:
            check_rule(new, self.problem)
            self.config = new
            self.stepper.reconfigure(new, reset_slots=old.optimizer != new.optimizer)
            if "data_seed" in changed:  # "regenerate": new data, the network is kept
                self._build_data()
                self.stepper.set_data(self.features_train, self.y_train)
            self._restart_stretch()
            return False
        saved = dict(self.__dict__)
        try:
            self.config = new
            if changed & DATA_FIELDS or new.features != old.features:
                self._build_data()
            self._build_network()
        except ValueError:
            self.__dict__.update(saved)
            raise
        return True

    # ------------------------------------------------------------------ reading
    def metrics(self) -> dict[str, float | None]:
        """train_loss, test_loss, train_accuracy, test_accuracy: finite floats or None."""
        if self._metrics is None:
            train = self._evaluate(self.features_train, self.y_train)
            self.adopt_metrics(train, self._evaluate(self.features_test, self.y_test))
        assert self._metrics is not None
        return dict(self._metrics)

    def _forget_readings(self) -> None:
        """The network or its data changed: the metrics and any drawing made ahead are stale."""
        self._metrics = None
        self._drawings.clear()

    @property
    def metrics_cached(self) -> bool:
        """Whether ``metrics()`` would answer from its cache (nothing changed since)."""
        return self._metrics is not None

    def adopt_metrics(
        self, train: tuple[float | None, float | None], test: tuple[float | None, float | None]
    ) -> None:
        """Fill the metrics cache with (loss, accuracy) of each set as ``_evaluate`` gives them,
        computed elsewhere (``evaluation.fill_metrics``, for many trainers at once)."""
        self._metrics = {
            "train_loss": train[0],
            "test_loss": test[0],
            "train_accuracy": train[1],
            "test_accuracy": test[1],
        }

    def _evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
        """(loss, accuracy) on one set, by the evaluation many trainers share (a stack of one)."""
        if len(y) == 0:
            return None, None
        return evaluation.evaluate([self], [X], [y])[0]

    def state(self) -> dict[str, Any]:
        """status, epoch, iteration, iterations_per_epoch, the metrics and diverged_at."""
        return {
            "status": self.status,
            "epoch": self.epoch,
            "iteration": self.iteration,
            "iterations_per_epoch": self.iterations_per_epoch,
            **self.metrics(),
            "diverged_at": self.diverged_at,
        }

    def predict(self, points: np.ndarray) -> np.ndarray:
        """Outputs at raw points (n, 2): p(class 1) (n,), class probabilities (n, k), or values."""
        X = np.asarray(points, dtype=np.float64)
        limit = self.limits.max_predict_points
        if X.ndim != 2 or X.shape[1] != 2 or not 1 <= len(X) <= limit:
            raise fail("points", f"an array of shape (n, 2) with 1 <= n <= {limit}", X.shape)
        if not np.isfinite(X).all():
            raise fail("points", "finite coordinates", "a non-finite value")
        with np.errstate(all="ignore"):
            outputs = output_activation(
                self.problem, self.network.forward(make_features(X, self.config.features))[-1]
            )
        if self.problem == "multiclass":
            # A row that overflowed has no honest winner: say so with the uniform distribution.
            broken = ~np.isfinite(outputs).all(axis=1)
            outputs[broken] = 1.0 / outputs.shape[1]
            return outputs
        return grids.finite_or_clipped(outputs)[:, 0]

    def grids(
        self, resolution: int, *, neurons: bool = True
    ) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
        """``boundary(resolution)`` and ``neuron_grids(resolution)`` from one pass."""
        resolution = check_int("resolution", resolution, 1, self.limits.max_resolution)
        drawing = self._drawings.pop((resolution, neurons), None)
        if drawing is not None:
            return drawing
        return grids.draw(self.network, self.grid_features(resolution), neurons=neurons)

    def grid_features(self, resolution: int) -> GridFeatures:
        return grids.shared_grid_features(resolution, tuple(self.config.features))

    def adopt_drawing(self, resolution: int, neurons: bool, drawing: Drawing) -> None:
        """Keep a drawing of the network as it is now, made elsewhere (``grids.draw_many``,
        for many trainers at once), for the next ``grids(resolution, neurons=neurons)``."""
        self._drawings[(resolution, neurons)] = drawing

    def boundary(self, resolution: int) -> dict[str, np.ndarray]:
        """xs (R,) ascending, ys (R,) descending, values (R, R) float32 at (xs[j], ys[i]).

        values: p(class 1) for binary, the value for regression, the winning class's
        probability for multiclass, with ``classes`` (R, R) uint8 holding that class.
        """
        return self.grids(resolution, neurons=False)[0]

    def neuron_grids(self, resolution: int) -> list[np.ndarray]:
        """One float32 (n_units, R, R) array per layer: features, hidden layers, output."""
        return self.grids(resolution)[1]

    def gradient_norms(self) -> list[float]:
        """Frobenius norm of dL/dW per weight layer, from the last update (zeros before)."""
        return self.stepper.gradient_norms()

    def epoch_gradient_norms(self) -> list[float] | None:
        """Per weight layer, the mean of ``gradient_norms`` over the updates of the last
        completed epoch; None before one (a fresh network, a reset, a rebuild)."""
        norms = self.stepper.epoch_norms
        return None if norms is None else list(norms)

    def mean_activations(self) -> list[float]:
        """Mean |output| of each hidden and output layer in the last update (zeros before)."""
        return self.stepper.mean_activations()

    def weights(self) -> list[np.ndarray]:
        return [self.network.weights(layer).copy() for layer in range(self.network.n_layers)]

    def biases(self) -> list[np.ndarray]:
        return [self.network.biases(layer).copy() for layer in range(self.network.n_layers)]

    # ------------------------------------------------------------------ editing
    def set_weight(self, layer: int, source: int, target: int, value: float) -> None:
        """W[layer][source, target] := value (|value| <= ``limits.max_parameter_value``)."""
        layer = check_int("layer", layer, 0, self.network.n_layers - 1)
        fan_in, fan_out = self.network.shapes[layer]
        source = check_int("from", source, 0, fan_in - 1)
        target = check_int("to", target, 0, fan_out - 1)
        self.network.weights(layer)[source, target] = self._parameter_value(value)
        self._parameters_replaced()

    def set_bias(self, layer: int, neuron: int, value: float) -> None:
        """b[layer][neuron] := value (|value| <= ``limits.max_parameter_value``)."""
        layer = check_int("layer", layer, 0, self.network.n_layers - 1)
        neuron = check_int("neuron", neuron, 0, self.network.shapes[layer][1] - 1)
        self.network.biases(layer)[neuron] = self._parameter_value(value)
        self._parameters_replaced()

    def _parameter_value(self, value: object) -> float:
        bound = self.limits.max_parameter_value
        return check_float("value", value, -bound, bound)

    def load_parameters(self, weights: Any, biases: Any) -> None:
        """Replace all weights and biases (shapes and finiteness checked; ValueError)."""
        self.network.load(weights, biases)
        self._parameters_replaced()

    def _parameters_replaced(self) -> None:
        """Judge the run afresh after an edit: ready if its loss is defined, else diverged."""
        self._forget_readings()
        self.status = "ready"
        self.diverged_at = None
        self.stability = StabilityWatch()
        if self._loss_undefined():
            self._diverge()

    # ------------------------------------------------------------------ export
    def export_state(self) -> dict[str, Any]:
        """The whole run as a plain dict of lists, ints, floats and strings."""
        from app.engine.state import export_state

        return export_state(self)

    @classmethod
    def from_state(cls, state: dict[str, Any], *, limits: Limits | None = None) -> Trainer:
        """Rebuild a trainer from ``export_state()``; training continues exactly."""
        from app.engine.state import import_state

        return import_state(cls, state, limits)
