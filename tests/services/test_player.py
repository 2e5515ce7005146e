"""The play loop's synchronous half: training slices, time budgets, divergence."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

import numpy as np
import pytest

from app.config import Settings
from app.services.frames import Frame
from app.services.player import SLICE_SECONDS, Player, SessionBusy, StreamSettings
from app.services.session import Session


def make_player(speed: int, fps: int = 30, **config: object) -> Player:
    session = Session.create(dict(config), Settings())
    player = Player(session, StreamSettings(fps=fps, speed=speed, resolution=20))
    player.playing = True
    return player


def play_one_frame(player: Player) -> tuple[Frame, int]:
    """Run one playing frame to the end; return it and how many slices it took."""
    player.begin_frame()
    slices = 1
    frame = player.continue_frame()
    while frame is None:
        slices += 1
        frame = player.continue_frame()
    return frame, slices


def test_a_frame_trains_exactly_speed_iterations_in_short_slices() -> None:
    player = make_player(speed=1000, dataset="spiral", hidden_layers=[16, 16], batch_size=1)
    frame, _ = play_one_frame(player)  # the first frame calibrates the cost estimate
    assert frame.header["state"]["iteration"] == 1000
    frame, slices = play_one_frame(player)
    assert frame.header["state"]["iteration"] == 2000 and frame.header["playing"] is True
    # 1000 steps of this network take far longer than one slice: the frame is split up.
    assert slices > 1 and frame.header["seq"] == 1


def test_speed_zero_trains_for_about_half_the_frame_interval() -> None:
    player = make_player(speed=0, fps=20)
    started = time.perf_counter()
    frame, _ = play_one_frame(player)
    elapsed = time.perf_counter() - started
    assert frame.header["state"]["iteration"] > 1
    assert elapsed >= 0.5 / 20  # it trains until the budget is spent


def test_divergence_ends_the_frame_and_stops_playing() -> None:
    player = make_player(speed=1000, dataset="plane", learning_rate=10.0)
    frame, _ = play_one_frame(player)
    assert frame.header["state"]["status"] == "diverged"
    assert frame.header["playing"] is False and player.playing is False
    # Nothing more trains: a further frame shows the same counters.
    again, slices = play_one_frame(player)
    assert slices == 1 and again.header["state"] == frame.header["state"]


# An epoch of this session is 1000 updates of an 8x32 network: a good part of a second.
BIG: dict[str, Any] = {
    "dataset": "spiral",
    "n_samples": 2000,
    "batch_size": 1,
    "hidden_layers": [32] * 8,
}


def run_step(player: Player, unit: Literal["iteration", "epoch"]) -> int:
    """Carry out one step command as the route does; return how many slices it took."""
    player.begin_step(unit)
    slices = 1
    while not player.continue_step():
        slices += 1
    return slices


def test_an_epoch_step_runs_in_short_slices_and_equals_train_epochs() -> None:
    player = make_player(speed=1, **BIG)
    twin = Session.create(dict(BIG), Settings())
    for trainer in (player.session.trainer, twin.trainer):
        trainer.train_iterations(7)  # mid-epoch: the step ends at this epoch's end
    started = time.perf_counter()
    slices = run_step(player, "epoch")
    elapsed = time.perf_counter() - started
    twin.trainer.train_epochs(1)
    trainer = player.session.trainer
    assert (trainer.epoch, trainer.iteration) == (twin.trainer.epoch, twin.trainer.iteration)
    assert (trainer.epoch, trainer.iteration) == (1, 1000)
    for ours, theirs in zip(trainer.weights(), twin.trainer.weights(), strict=True):
        assert np.array_equal(ours, theirs)
    # Each call does at most about SLICE_SECONDS of work: the epoch takes many calls.
    assert slices >= min(10, int(0.5 * elapsed / SLICE_SECONDS))
    assert slices > 1
    assert run_step(player, "iteration") == 1 and trainer.iteration == 1001


def test_a_reset_between_slices_does_not_cut_the_epoch_step_short() -> None:
    player = make_player(speed=1, **BIG)
    player.begin_step("epoch")
    assert player.continue_step() is False
    player.reset()
    run = 1
    while not player.continue_step():
        run += 1
    trainer = player.session.trainer
    assert (trainer.epoch, trainer.iteration) == (1, 1000) and run > 1


def test_an_epoch_step_on_a_diverging_session_stops_there() -> None:
    player = make_player(speed=1, dataset="plane", learning_rate=10.0, batch_size=1)
    run_step(player, "epoch")
    assert player.diverged and player.session.trainer.epoch == 0
    assert run_step(player, "epoch") == 1  # nothing more to do


def test_a_locked_session_raises_busy_without_doing_anything() -> None:
    player = make_player(speed=5, dataset="xor", hidden_layers=[3])
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with player.session.lock:
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(10)
    try:
        player.begin_frame()
        player.begin_step("epoch")
        calls: list[Callable[[], object]] = [
            player.hello, player.render, player.continue_frame, player.continue_step,
            player.reset, partial(player.update, {"learning_rate": 0.1}),
            partial(player.set_weight, 0, 0, 0, 1.0), partial(player.set_bias, 0, 0, 1.0),
        ]  # fmt: skip
        for call in calls:
            with pytest.raises(SessionBusy):
                call()
    finally:
        release.set()
        holder.join(10)
    trainer = player.session.trainer
    assert trainer.iteration == 0 and player.seq == 0 and trainer.config.learning_rate == 0.03
    # Once the lock is free the same calls go through: the frame trains its 5 iterations.
    frame, _ = play_one_frame(player)
    assert frame.header["state"]["iteration"] == 5
    assert run_step(player, "epoch") >= 1 and trainer.epoch == 1
