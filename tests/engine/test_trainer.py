"""Trainer behaviour: validation, live settings, editing, predictions and grids."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from app.engine import Limits, Trainer, TrainerConfig


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dataset": "nope"}, "dataset"),
        ({"n_samples": 3}, "n_samples"),
        ({"n_samples": 2001}, "n_samples"),
        ({"n_samples": True}, "n_samples"),
        ({"noise": 0.6}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"train_ratio": 0.05}, "train_ratio"),
        ({"seed": -1}, "seed"),
        ({"data_seed": 2**32}, "data_seed"),
        ({"n_classes": 7}, "n_classes"),
        ({"features": ()}, "features"),
        ({"features": ("x1", "x1")}, "features"),
        ({"features": ("x3",)}, "features"),
        ({"hidden_layers": (4,) * 9}, "hidden_layers"),
        ({"hidden_layers": (33,)}, r"hidden_layers\[0\]"),
        ({"hidden_layers": (4, 0)}, r"hidden_layers\[1\]"),
        ({"activation": "softplus"}, "activation"),
        ({"layer_activations": ("relu",)}, "layer_activations"),
        ({"layer_activations": ("relu", "swish")}, r"layer_activations\[1\]"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"learning_rate": 11.0}, "learning_rate"),
        ({"learning_rate": float("inf")}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"momentum": 1.0}, "momentum"),
        ({"regularization": "l3"}, "regularization"),
        ({"regularization_rate": -0.1}, "regularization_rate"),
        ({"dataset": "custom"}, "points"),
        ({"points": (((0.0, 0.0),), (1,))}, "points"),
        ({"problem": "regression"}, "problem"),
    ],
)
def test_bad_config_names_the_field(changes: dict, field: str) -> None:
    config = dataclasses.replace(TrainerConfig(), **changes)
    with pytest.raises(ValueError, match=f"^{field}: expected .+, got "):
        Trainer(config)


def test_limits_are_settings() -> None:
    small = Limits(max_hidden_layers=2, max_neurons=5, max_samples=100, max_resolution=16)
    with pytest.raises(ValueError, match="^hidden_layers: expected at most 2"):
        Trainer(TrainerConfig(hidden_layers=(3, 3, 3)), limits=small)
    with pytest.raises(ValueError, match=r"^hidden_layers\[0\]: expected an integer in \[1, 5\]"):
        Trainer(TrainerConfig(hidden_layers=(6,)), limits=small)
    with pytest.raises(ValueError, match="^n_samples"):
        Trainer(TrainerConfig(), limits=small)
    trainer = Trainer(TrainerConfig(n_samples=100, hidden_layers=(5, 5)), limits=small)
    with pytest.raises(ValueError, match="^resolution"):
        trainer.boundary(17)
    big = Limits(max_hidden_layers=10, max_neurons=40)
    assert Trainer(TrainerConfig(hidden_layers=(40,) * 10), limits=big).layer_sizes[1] == 40


def test_zero_hidden_layers_and_per_layer_activations() -> None:
    trainer = Trainer(TrainerConfig(hidden_layers=()))
    assert trainer.layer_sizes == [2, 1]
    config = TrainerConfig(hidden_layers=(3, 4), layer_activations=("relu", "sigmoid"))
    trainer = Trainer(config)
    assert trainer.network.hidden_activations == ["relu", "sigmoid"]
    trainer.train_epochs(1)
    assert trainer.status == "ready"


def test_initialisation_matches_activation() -> None:
    relu = Trainer(TrainerConfig(hidden_layers=(32, 32), activation="relu", seed=5))
    weights = relu.weights()[1]  # fan_in 32: He, N(0, 2/32)
    assert abs(weights.std() - np.sqrt(2 / 32)) < 0.03
    tanh = Trainer(TrainerConfig(hidden_layers=(32, 32), activation="tanh", seed=5))
    limit = np.sqrt(6 / 64)  # Glorot uniform
    weights = tanh.weights()[1]
    assert np.abs(weights).max() <= limit
    assert abs(weights.std() - limit / np.sqrt(3)) < 0.03
    assert all(np.all(b == 0.0) for b in tanh.biases())


def test_live_settings_keep_the_network() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_iterations(30)
    weights = trainer.weights()
    assert trainer.reconfigure(learning_rate=0.1, batch_size=7, optimizer="adam") is False
    assert trainer.iteration == 30
    assert all(np.array_equal(a, b) for a, b in zip(weights, trainer.weights(), strict=True))
    assert trainer.iterations_per_epoch == 36  # ceil(250 / 7)
    trainer.train_iterations(5)
    assert trainer.iteration == 35
    assert trainer.reconfigure(learning_rate=0.1) is False  # no change
    assert trainer.reconfigure(hidden_layers=(3,)) is True
    assert (trainer.epoch, trainer.iteration, trainer.layer_sizes) == (0, 0, [2, 3, 1])


def test_mid_epoch_batch_size_change_finishes_the_pass() -> None:
    trainer = Trainer(TrainerConfig(n_samples=100, train_ratio=1.0, batch_size=10))
    trainer.train_iterations(3)  # 30 samples seen
    trainer.reconfigure(batch_size=20)
    trainer.train_iterations(3)  # 60 more: 90
    assert trainer.epoch == 0
    trainer.train_iterations(1)  # the last 10
    assert (trainer.epoch, trainer.stepper.cursor) == (1, 0)


def test_bad_reconfigure_changes_nothing() -> None:
    trainer = Trainer(TrainerConfig())
    before = trainer.config
    with pytest.raises(ValueError, match="^learning_rate"):
        trainer.reconfigure(learning_rate=-1.0)
    with pytest.raises(ValueError, match="^colour"):
        trainer.reconfigure(colour="red")
    with pytest.raises(ValueError, match=r"^hidden_layers\[0\]"):
        trainer.reconfigure(hidden_layers=(0,))
    assert trainer.config == before
    trainer.train_iterations(1)


def test_regenerate_changes_data_not_network() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_iterations(10)
    params = trainer.network.params.copy()
    old = trainer.X_train.copy()
    trainer.regenerate(7)
    assert trainer.config.data_seed == 7
    assert not np.array_equal(old, trainer.X_train)
    assert np.array_equal(params, trainer.network.params)
    assert trainer.iteration == 10 and trainer.stepper.cursor == 0
    again = Trainer(TrainerConfig(data_seed=7))
    assert np.array_equal(again.X_train, trainer.X_train)


def test_edit_weights_and_biases() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.set_weight(1, 3, 0, 0.25)
    trainer.set_bias(2, 0, -1.5)
    assert trainer.weights()[1][3, 0] == 0.25
    assert trainer.biases()[2][0] == -1.5
    for call, field in [
        (lambda: trainer.set_weight(3, 0, 0, 1.0), "layer"),
        (lambda: trainer.set_weight(0, 2, 0, 1.0), "from"),
        (lambda: trainer.set_weight(0, 0, 4, 1.0), "to"),
        (lambda: trainer.set_weight(0, 0, 0, float("nan")), "value"),
        (lambda: trainer.set_bias(0, 4, 1.0), "neuron"),
        (lambda: trainer.set_bias(0, 0, 1e9), "value"),
    ]:
        with pytest.raises(ValueError, match=f"^{field}: expected"):
            call()
    weights, biases = trainer.weights(), trainer.biases()
    weights[0][0, 0] = 3.0
    before = trainer.metrics()
    trainer.load_parameters(weights, biases)
    assert trainer.weights()[0][0, 0] == 3.0
    assert trainer.metrics() != before
    with pytest.raises(ValueError, match=r"^weights\[0\]: expected shape"):
        trainer.load_parameters([np.zeros((3, 4))] + weights[1:], biases)
    weights[1][0, 0] = np.inf
    with pytest.raises(ValueError, match=r"^weights\[1\]"):
        trainer.load_parameters(weights, biases)
    with pytest.raises(ValueError, match="^weights: expected a list of 3 layers"):
        trainer.load_parameters(None, biases)
    with pytest.raises(ValueError, match=r"^biases\[0\]: expected numbers"):
        trainer.load_parameters(trainer.weights(), [["a", "b", "c", "d"], *biases[1:]])
    with pytest.raises(ValueError, match=r"^weights\[0\]"):
        trainer.load_parameters([[[1.0], [2.0, 3.0]], *weights[1:]], biases)


def test_predict_shapes_and_validation() -> None:
    binary = Trainer(TrainerConfig())
    points = np.array([[0.0, 0.0], [3.0, -2.0]])
    p = binary.predict(points)
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))
    multi = Trainer(TrainerConfig(dataset="blobs", n_classes=5))
    probabilities = multi.predict(points)
    assert probabilities.shape == (2, 5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert Trainer(TrainerConfig(dataset="plane")).predict(points).shape == (2,)
    for bad in (np.zeros((2, 3)), np.zeros((0, 2)), np.array([[np.nan, 0.0]])):
        with pytest.raises(ValueError, match="^points: expected"):
            binary.predict(bad)


@pytest.mark.parametrize("dataset", ["circles", "spiral3", "plane"])
def test_boundary_orientation_matches_predict(dataset: str) -> None:
    trainer = Trainer(TrainerConfig(dataset=dataset, hidden_layers=(5, 3)))
    trainer.train_epochs(2)
    resolution = 9
    boundary = trainer.boundary(resolution)
    xs, ys = boundary["xs"], boundary["ys"]
    assert np.all(np.diff(xs) > 0) and np.all(np.diff(ys) < 0)
    np.testing.assert_allclose(xs[0], -6 + 6 / resolution)
    np.testing.assert_allclose(ys[0], 6 - 6 / resolution)
    assert boundary["values"].shape == (resolution, resolution)
    assert boundary["values"].dtype == np.float32
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack((grid_x.ravel(), grid_y.ravel()))
    expected = trainer.predict(points)
    if trainer.problem == "multiclass":
        classes = boundary["classes"]
        assert classes.dtype == np.uint8
        np.testing.assert_array_equal(classes.ravel(), expected.argmax(axis=1))
        expected = expected.max(axis=1)
    np.testing.assert_allclose(boundary["values"].ravel(), expected, rtol=1e-4, atol=1e-5)


def test_neuron_grids_cover_every_unit() -> None:
    config = TrainerConfig(features=("x1", "x2", "x1_x2"), hidden_layers=(4, 2))
    trainer = Trainer(config)
    grids = trainer.neuron_grids(7)
    assert [g.shape for g in grids] == [(3, 7, 7), (4, 7, 7), (2, 7, 7), (1, 7, 7)]
    assert all(g.dtype == np.float32 for g in grids)
    xs, ys = trainer.boundary(7)["xs"], trainer.boundary(7)["ys"]
    np.testing.assert_allclose(grids[0][0], np.tile(xs, (7, 1)), rtol=1e-6)
    np.testing.assert_allclose(grids[0][1], np.tile(ys[:, None], (1, 7)), rtol=1e-6)
    np.testing.assert_allclose(grids[0][2], np.outer(ys, xs), rtol=1e-5)
    np.testing.assert_allclose(grids[-1][0], trainer.boundary(7)["values"])
    assert np.all(np.abs(grids[1]) <= 1.0)  # tanh units
    grids[0][0, 0, 0] = 99.0  # callers may keep or change what they get
    assert trainer.neuron_grids(7)[0][0, 0, 0] != 99.0


def test_custom_points() -> None:
    points = (((1.0, 1.0), (-1.0, -1.0), (2.0, -2.0), (-2.0, 2.0)), (0, 1, 2, 1))
    trainer = Trainer(TrainerConfig(dataset="custom", points=points, train_ratio=1.0))
    assert trainer.problem == "multiclass" and trainer.n_classes == 3
    assert trainer.config.problem == "classification"
    values = (((1.0, 1.0), (-1.0, -1.0)), (0.5, -0.25))
    trainer = Trainer(TrainerConfig(dataset="custom", points=values, train_ratio=1.0))
    assert trainer.problem == "regression"
    binary = (((1.0, 1.0), (-1.0, -1.0)), (0, 1))
    assert Trainer(TrainerConfig(dataset="custom", points=binary)).problem == "binary"
    with pytest.raises(ValueError, match=r"^points\.x\[0\]"):
        Trainer(TrainerConfig(dataset="custom", points=(((9.0, 0.0),), (1,))))
    with pytest.raises(ValueError, match="^points"):
        Trainer(TrainerConfig(dataset="custom", points=binary), limits=Limits(max_custom_points=1))


def test_mean_activations_follow_the_last_update() -> None:
    trainer = Trainer(TrainerConfig(hidden_layers=(4, 2)))
    assert trainer.mean_activations() == [0.0, 0.0, 0.0]
    trainer.train_iterations(1)
    means = trainer.mean_activations()
    assert len(means) == 3 and all(0.0 < m <= 1.0 for m in means)
    stepper = trainer.stepper
    batch = stepper.permuted_inputs[:10, :-1]
    outputs = trainer.network.forward(batch)  # parameters have moved: close, not equal
    np.testing.assert_allclose(means[0], np.abs(outputs[1]).mean(), rtol=0.05)


def test_huge_parameters_never_give_non_finite_outputs() -> None:
    trainer = Trainer(TrainerConfig(hidden_layers=(4, 4), activation="relu"))
    weights = [w * 1e150 for w in trainer.weights()]
    trainer.load_parameters(weights, trainer.biases())
    assert all(np.isfinite(grid).all() for grid in trainer.neuron_grids(10))
    assert np.isfinite(trainer.boundary(10)["values"]).all()
    assert np.isfinite(trainer.predict(np.array([[5.0, 5.0], [-5.0, 1.0]]))).all()
    metrics = trainer.metrics()
    assert all(value is None or np.isfinite(value) for value in metrics.values())


def test_switching_to_the_perceptron_rule_and_back() -> None:
    trainer = Trainer(TrainerConfig(dataset="and", hidden_layers=(), learning_rate=0.1))
    trainer.train_iterations(5)
    assert trainer.reconfigure(optimizer="perceptron") is False
    trainer.train_epochs(10)
    assert trainer.metrics()["train_accuracy"] == 1.0
    assert trainer.reconfigure(optimizer="momentum") is False
    trainer.train_epochs(2)
    assert trainer.status == "ready"


def test_a_non_finite_loss_with_finite_weights_is_divergence() -> None:
    trainer = Trainer(TrainerConfig(dataset="plane", hidden_layers=()))
    # outputs near 1e156: their square overflows, the gradient and the update do not
    trainer.load_parameters([np.full((2, 1), 1e156)], trainer.biases())
    assert trainer.metrics()["train_loss"] is None
    # judged at once, not only after the next update
    assert trainer.status == "diverged" and trainer.diverged_at == (0, 0)
    trainer.train_iterations(1)
    assert trainer.iteration == 0
    assert all(np.isfinite(w).all() for w in trainer.weights())
    assert trainer.state()["train_loss"] is None and trainer.state()["test_loss"] is None
    assert np.isfinite(trainer.boundary(8)["values"]).all()


def test_read_outs_survive_live_changes() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_iterations(3)
    norms, means = trainer.gradient_norms(), trainer.mean_activations()
    trainer.reconfigure(batch_size=25, optimizer="adam")
    assert trainer.gradient_norms() == norms and trainer.mean_activations() == means
    trainer.regenerate(3)
    assert trainer.gradient_norms() == norms and trainer.mean_activations() == means
    trainer.train_iterations(1)
    assert trainer.gradient_norms() != norms


def test_grids_handed_out_are_never_overwritten() -> None:
    trainer = Trainer(TrainerConfig(hidden_layers=(6, 5, 4)))
    first = trainer.boundary(12)["values"].copy()
    kept = trainer.boundary(12)
    trainer.train_epochs(3)
    trainer.boundary(12)
    trainer.neuron_grids(12)
    np.testing.assert_array_equal(kept["values"], first)


def test_grids_from_several_threads_agree() -> None:
    trainers = [Trainer(TrainerConfig(hidden_layers=(8, 8), seed=seed)) for seed in range(4)]
    expected = [t.boundary(40)["values"] for t in trainers]
    results: list[list[np.ndarray]] = [[] for _ in trainers]

    def work(index: int) -> None:
        for _ in range(20):
            results[index].append(trainers[index].boundary(40)["values"])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(trainers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for values, want in zip(results, expected, strict=True):
        assert all(np.array_equal(v, want) for v in values)
