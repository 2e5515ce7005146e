"""Session: config round trip, live vs rebuilding updates, limits, model load, field paths."""

from __future__ import annotations

import numpy as np
import pytest

from app.config import Settings
from app.engine import TrainerConfig
from app.services.configs import config_to_dict, default_config, dict_to_config, merge_config
from app.services.errors import field_path, prefixed
from app.services.session import Session
from app.services.stateless import train_once

SETTINGS = Settings()
SMALL = {"n_samples": 60, "hidden_layers": [3]}
CUSTOM = {
    "dataset": "custom",
    "points": {"x": [[-3.0, -3.0], [3.0, 3.0], [-2.5, -3.5], [3.5, 2.5]], "y": [0, 1, 0, 1]},
}


def test_defaults_are_tf_playgrounds() -> None:
    config = default_config()
    assert config["dataset"] == "circles"
    assert config["n_samples"] == 500
    assert config["features"] == ["x1", "x2"]
    assert config["hidden_layers"] == [4, 2]
    assert (config["activation"], config["learning_rate"]) == ("tanh", 0.03)
    assert (config["batch_size"], config["optimizer"]) == (10, "sgd")
    assert config["points"] is None and config["problem"] is None


def test_config_round_trips_through_the_engine_form() -> None:
    values = merge_config(default_config(), {**CUSTOM, "layer_activations": ["relu", "tanh"]})
    engine_config = dict_to_config(values)
    assert isinstance(engine_config, TrainerConfig)
    assert engine_config.points == (((-3.0, -3.0), (3.0, 3.0), (-2.5, -3.5), (3.5, 2.5)),
                                    (0, 1, 0, 1))  # fmt: skip
    # Without a `problem`, integer labels make it classification.
    assert config_to_dict(engine_config) == {**values, "problem": "classification"}


def test_merge_keeps_unchanged_fields_and_nulls_clear_only_nullable_ones() -> None:
    current = merge_config(default_config(), {"layer_activations": ["relu", "relu"]})
    merged = merge_config(current, {"learning_rate": None, "layer_activations": None})
    assert merged["learning_rate"] == 0.03
    assert merged["layer_activations"] is None


def test_merge_drops_points_when_leaving_custom_and_requires_them_for_custom() -> None:
    custom = merge_config(default_config(), CUSTOM)
    assert merge_config(custom, {"dataset": "xor"})["points"] is None
    with pytest.raises(ValueError, match="^points: expected"):
        merge_config(default_config(), {"dataset": "custom"})
    with pytest.raises(ValueError, match="^points: expected null"):
        merge_config(default_config(), {"points": CUSTOM["points"]})


def test_live_update_keeps_weights_and_counters() -> None:
    session = Session.create(SMALL, SETTINGS)
    session.train(epochs=2)
    before = [w.copy() for w in session.trainer.weights()]
    assert session.update({"learning_rate": 0.3, "batch_size": 5}) is False
    assert session.state()["epoch"] == 2
    assert session.config()["learning_rate"] == 0.3
    for old, new in zip(before, session.trainer.weights(), strict=True):
        np.testing.assert_array_equal(old, new)


def test_structural_update_rebuilds_and_resets_counters() -> None:
    session = Session.create(SMALL, SETTINGS)
    session.train(iterations=7)
    assert session.update({"hidden_layers": [5, 2]}) is True
    state = session.state()
    assert (state["epoch"], state["iteration"]) == (0, 0)
    assert session.trainer.layer_sizes == [2, 5, 2, 1]


def test_an_update_that_changes_nothing_is_not_a_rebuild() -> None:
    session = Session.create(SMALL, SETTINGS)
    assert session.update({"hidden_layers": [3], "dataset": "circles"}) is False


def test_an_invalid_update_leaves_the_session_as_it_was() -> None:
    session = Session.create(SMALL, SETTINGS)
    config = session.config()
    with pytest.raises(ValueError, match="optimizer"):
        session.update({"optimizer": "perceptron"})  # needs no hidden layers
    assert session.config() == config


def test_settings_limits_reach_the_engine() -> None:
    settings = Settings(max_hidden_layers=2, max_neurons=4)
    with pytest.raises(ValueError, match=r"^hidden_layers\[0\]: expected"):
        Session.create({"hidden_layers": [5]}, settings)
    with pytest.raises(ValueError, match="^hidden_layers: expected at most 2"):
        Session.create({"hidden_layers": [2, 2, 2]}, settings)


def test_train_is_bounded_per_call() -> None:
    settings = Settings(max_epochs_per_call=5, max_iterations_per_call=100)
    session = Session.create(SMALL, settings)  # 30 training points / 10 -> 3 per epoch
    with pytest.raises(ValueError, match="^epochs: expected at most 5 per call, got 6"):
        session.train(epochs=6)
    with pytest.raises(ValueError, match="^iterations: expected at most 100"):
        session.train(iterations=101)
    big = Session.create({"n_samples": 2000}, settings)  # 100 iterations per epoch
    with pytest.raises(ValueError, match="^epochs: expected at most 1 epochs of 100"):
        big.train(epochs=2)
    assert session.state()["iteration"] == 0


def test_custom_labels_come_back_as_integers() -> None:
    session = Session.create(CUSTOM, SETTINGS)
    assert session.config()["points"]["y"] == [0, 1, 0, 1]
    assert session.config()["problem"] == "classification"
    data = session.data()
    assert all(isinstance(label, int) for label in data["train"]["y"] + data["test"]["y"])


def test_load_model_reproduces_outputs_and_a_bad_document_changes_nothing() -> None:
    source = Session.create({**SMALL, "seed": 1}, SETTINGS)
    source.train(epochs=3)
    document = source.model()
    target = Session.create({**SMALL, "hidden_layers": [2, 2]}, SETTINGS)
    broken = {**document, "layers": document["layers"][:1]}
    with pytest.raises(ValueError, match="^layers: expected 2 layers, got 1"):
        target.load_model(broken)
    assert target.trainer.layer_sizes == [2, 2, 2, 1]
    assert target.load_model(document) is True
    probe = [[0.5, -1.0], [4.0, 2.0]]
    np.testing.assert_allclose(target.predict(probe), source.predict(probe), rtol=1e-12)


def test_config_errors_in_a_model_document_are_under_config() -> None:
    document = Session.create(SMALL, SETTINGS).model()
    document["config"] = {**document["config"], "hidden_layers": [100]}
    with pytest.raises(ValueError, match=r"^config\.hidden_layers\[0\]: expected"):
        Session.create(SMALL, SETTINGS).load_model(document)


def test_stateless_training_records_every_epoch() -> None:
    result = train_once({**SMALL, "dataset": "xor"}, 4, SETTINGS)
    assert [record["epoch"] for record in result["history"]] == [1, 2, 3, 4]
    assert result["state"]["epoch"] == 4
    assert result["model"]["format"] == "nn-playground.model/1"
    assert result["history"][-1]["train_loss"] == result["state"]["train_loss"]


def test_field_path_parses_dotted_and_indexed_paths() -> None:
    assert field_path("points.x[3]: expected two numbers") == (
        ("points", "x", 3),
        "expected two numbers",
    )
    assert field_path("hidden_layers[0]: too big, got 40") == (
        ("hidden_layers", 0),
        "too big, got 40",
    )
    assert field_path("no field here") == ((), "no field here")
    assert str(prefixed(ValueError("points.x[2]: bad"), "config")) == "config.points.x[2]: bad"
    assert str(prefixed(ValueError("plain"), "config")) == "config: plain"
