"""An iteration looked into: the mini-batch a step used, and what it did to one weight."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.config import Settings
from app.engine import Trainer
from app.engine.features import make_features
from app.services.player import Player, StreamSettings
from app.services.session import Session

# 100 training points at batch size 20: five iterations per epoch.
FIVE_PER_EPOCH: dict[str, Any] = {
    "dataset": "circles",
    "n_samples": 200,
    "batch_size": 20,
    "hidden_layers": [4, 3],
    "seed": 3,
}


def make_player(**config: Any) -> Player:
    session = Session.create({**FIVE_PER_EPOCH, **config}, Settings())
    return Player(session, StreamSettings(resolution=12, thumbnail_resolution=8))


def reference_gradient(trainer: Trainer, params: np.ndarray, indices: list[int]) -> np.ndarray:
    """∂(data loss + penalty)/∂params on exactly those training points, by the network's
    plain backpropagation, at ``params``."""
    network, config = trainer.network, trainer.config
    saved = network.params.copy()
    network.params[...] = params
    try:
        features = make_features(trainer.X_train[indices], config.features)
        _, gradient = network.gradient(
            features, trainer.y_train[indices], config.regularization, config.regularization_rate
        )
    finally:
        network.params[...] = saved
    return gradient


def weight_index(trainer: Trainer, layer: int, source: int, target: int) -> int:
    """Found by value, not by the layout: the one entry of params that W[layer] shares."""
    network = trainer.network
    marked = network.params.copy()
    network.weights(layer)[source, target] += 1.0
    index = int(np.flatnonzero(network.params != marked)[0])
    network.weights(layer)[source, target] -= 1.0
    return index


def step_once(player: Player) -> dict[str, Any]:
    player.begin_step("iteration")
    assert player.continue_step()
    batch: dict[str, Any] = player.render().header["batch"]
    return batch


def test_an_iteration_steps_frame_carries_the_batch_the_update_used() -> None:
    player = make_player(regularization="l2", regularization_rate=0.01)
    trainer = player.session.trainer
    seen: list[int] = []
    for step in range(7):
        params = trainer.network.params.copy()
        batch = step_once(player)
        position = step % 5 + 1
        assert (batch["position"], batch["of"], batch["epoch"]) == (position, 5, step // 5 + 1)
        indices = batch["train_indices"]
        assert len(indices) == 20 == len(set(indices))
        # SGD: the update is -lr × the gradient on exactly those points.
        expected = params - 0.03 * reference_gradient(trainer, params, indices)
        np.testing.assert_allclose(trainer.network.params, expected, rtol=1e-12, atol=1e-15)
        if step < 5:
            seen.extend(indices)
    assert sorted(seen) == list(range(100))  # one epoch: every training point once


def test_the_batch_is_shown_only_until_something_else_trains_or_restarts() -> None:
    player = make_player()
    step_once(player)
    assert "batch" in player.render().header  # nothing happened since
    player.begin_step("epoch")
    while not player.continue_step():
        pass
    assert "batch" not in player.render().header
    step_once(player)
    player.reset()
    assert "batch" not in player.render().header
    step_once(player)
    player.playing = True
    player.begin_frame()
    while not player.train_slice():
        pass
    assert "batch" not in player.render().header


@pytest.mark.parametrize(("regularization", "rate"), [("none", 0.0), ("l2", 0.003), ("l1", 0.003)])
def test_inspect_step_reports_the_sgd_rule_exactly(regularization: str, rate: float) -> None:
    player = make_player(regularization=regularization, regularization_rate=rate)
    trainer = player.session.trainer
    index = weight_index(trainer, 1, 2, 1)
    for _ in range(6):  # over an epoch's end too
        params = trainer.network.params.copy()
        message = player.inspect_step(1, 2, 1)
        assert message["type"] == "inspection" and message["optimizer"] == "sgd"
        assert (message["layer"], message["from"], message["to"]) == (1, 2, 1)
        assert message["stepped"] is True and "optimizer_state" not in message
        value, gradient, lr = message["value"], message["gradient"], message["learning_rate"]
        assert value == params[index] and lr == 0.03
        assert abs(value - lr * gradient - message["value_after"]) <= 1e-15 * max(1, abs(value))
        assert message["value_after"] == trainer.network.params[index]
        indices = player.render().header["batch"]["train_indices"]
        assert gradient == pytest.approx(reference_gradient(trainer, params, indices)[index],
                                         rel=1e-12, abs=1e-15)  # fmt: skip
        penalty = {"none": 0.0, "l2": rate * value, "l1": rate * np.sign(value)}[regularization]
        assert message["penalty_gradient"] == pytest.approx(penalty, rel=1e-15, abs=0)


def test_inspect_step_leaves_the_run_as_plain_steps_would() -> None:
    inspected, plain = make_player(), make_player()
    for _ in range(8):
        inspected.inspect_step(0, 1, 0)
        plain.begin_step("iteration")
        plain.continue_step()
    np.testing.assert_array_equal(
        inspected.session.trainer.network.params, plain.session.trainer.network.params
    )
    one, other = inspected.render().header, plain.render().header
    assert one["batch"] == other["batch"] and one["gradient_norms"] == other["gradient_norms"]


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_other_optimizers_report_their_state(optimizer: str) -> None:
    player = make_player(optimizer=optimizer, momentum=0.8)
    for _ in range(3):
        message = player.inspect_step(0, 0, 2)
    state = message["optimizer_state"]
    if optimizer == "momentum":
        assert message["momentum"] == 0.8
        velocity = 0.8 * state["before"]["velocity"] - 0.03 * message["gradient"]
        assert state["after"]["velocity"] == pytest.approx(velocity, rel=1e-12)
        assert message["value_after"] == pytest.approx(message["value"] + velocity, rel=1e-12)
    else:
        assert set(state["before"]) == {"first_moment", "second_moment", "step"}
        assert (state["before"]["step"], state["after"]["step"]) == (2, 3)
        first = 0.9 * state["before"]["first_moment"] + 0.1 * message["gradient"]
        assert state["after"]["first_moment"] == pytest.approx(first, rel=1e-12)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ((3, 0, 0), "layer: expected an index below 3, got 3"),
        ((0, 2, 0), "from: expected an index below 2, got 2"),
        ((2, 0, 1), "to: expected an index below 1, got 1"),
    ],
)
def test_a_weight_the_network_lacks_is_named(where: tuple[int, int, int], message: str) -> None:
    player = make_player()
    with pytest.raises(ValueError) as error:
        player.inspect_step(*where)
    assert str(error.value) == message
    assert player.session.trainer.iteration == 0  # nothing was trained
