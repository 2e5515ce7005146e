"""The mean gradient norm per weight layer over the last completed epoch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.engine import Trainer, TrainerConfig


def per_update_norms(trainer: Trainer, updates: int) -> np.ndarray:
    rows = []
    for _ in range(updates):
        trainer.train_iterations(1)
        rows.append(trainer.gradient_norms())
    return np.array(rows)


@pytest.mark.parametrize(
    "config",
    [
        TrainerConfig(hidden_layers=(8,) * 6, activation="sigmoid"),
        TrainerConfig(dataset="gaussian", n_samples=46, batch_size=10),  # a short last batch
        TrainerConfig(dataset="spiral3", hidden_layers=(5,), optimizer="adam"),
        TrainerConfig(dataset="and", hidden_layers=(), optimizer="perceptron", batch_size=1),
    ],
)
def test_the_epoch_mean_is_the_mean_of_its_updates(config: TrainerConfig) -> None:
    trainer = Trainer(config)
    assert trainer.epoch_gradient_norms() is None
    first = per_update_norms(trainer, trainer.iterations_per_epoch)
    assert trainer.epoch == 1
    assert np.allclose(trainer.epoch_gradient_norms(), first.mean(axis=0), rtol=1e-12, atol=0)
    second = per_update_norms(trainer, trainer.iterations_per_epoch - 1)
    # the epoch under way does not count until it is complete
    assert np.allclose(trainer.epoch_gradient_norms(), first.mean(axis=0), rtol=1e-12, atol=0)
    second = np.vstack([second, per_update_norms(trainer, 1)])
    assert np.allclose(trainer.epoch_gradient_norms(), second.mean(axis=0), rtol=1e-12, atol=0)


def test_a_live_change_keeps_the_epoch_and_a_rebuild_or_reset_drops_it() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_epochs(1)
    before = trainer.epoch_gradient_norms()
    trainer.reconfigure(learning_rate=0.1)
    assert trainer.epoch_gradient_norms() == before
    trainer.train_iterations(trainer.iterations_per_epoch)
    assert trainer.epoch_gradient_norms() != before
    trainer.reset()
    assert trainer.epoch_gradient_norms() is None
    trainer.train_epochs(1)
    assert trainer.reconfigure(hidden_layers=(3,))
    assert trainer.epoch_gradient_norms() is None


def test_new_data_abandons_the_epoch_under_way() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_epochs(1)
    trainer.train_iterations(5)
    trainer.regenerate(7)
    assert trainer.stepper.norm_updates == 0
    fresh = per_update_norms(trainer, trainer.iterations_per_epoch)
    assert np.allclose(trainer.epoch_gradient_norms(), fresh.mean(axis=0), rtol=1e-12, atol=0)


def test_an_export_from_before_the_means_still_imports() -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_iterations(30)
    state = json.loads(json.dumps(trainer.export_state()))
    for key in ("epoch_gradient_norms", "epoch_gradient_sums", "epoch_gradient_updates"):
        del state[key]
    restored = Trainer.from_state(state)
    assert restored.epoch_gradient_norms() is None
    assert restored.stepper.norm_updates == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("epoch_gradient_norms", [1.0]),
        ("epoch_gradient_sums", [0.0, 1.0]),
        ("epoch_gradient_updates", -1),
    ],
)
def test_import_rejects_bad_means(key: str, value: object) -> None:
    trainer = Trainer(TrainerConfig())
    trainer.train_iterations(30)
    state = trainer.export_state()
    state[key] = value
    with pytest.raises(ValueError, match=f"^state.{key}"):
        Trainer.from_state(state)
