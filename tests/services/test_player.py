"""The play loop's synchronous half: training slices, time budgets, divergence.

How many slices some work takes depends on how fast the machine is, so the tests that count
slices fix it: with ``slice_seconds=0`` each call trains exactly one update, and under a
simulated clock time passes only as the session trains.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pytest

from app.config import Settings
from app.engine import Trainer
from app.services import player as player_module
from app.services.frames import Frame
from app.services.player import Player, StreamSettings
from app.services.session import Session

# An epoch of this session is 200 updates at batch size 1.
EPOCH_OF_200: dict[str, Any] = {"dataset": "spiral", "n_samples": 400, "batch_size": 1}


def make_player(
    speed: int, fps: int = 30, slice_seconds: float | None = None, **config: object
) -> Player:
    session = Session.create(dict(config), Settings())
    settings = StreamSettings(fps=fps, speed=speed, resolution=20)
    player = Player(session, settings, slice_seconds=slice_seconds)
    player.playing = True
    return player


MAX_SLICES = 100_000  # a frame or step that takes more calls makes no progress


def play_one_frame(player: Player) -> tuple[Frame, int]:
    """Run one playing frame to the end; return it and how many slices it took."""
    player.begin_frame()
    for slices in range(1, MAX_SLICES):
        if player.train_slice():
            return player.render(), slices
    raise AssertionError(f"the frame was not done after {MAX_SLICES} calls")


def run_step(player: Player, unit: Literal["iteration", "epoch"]) -> int:
    """Carry out one step command as the route does; return how many slices it took."""
    player.begin_step(unit)
    return finish_step(player)


def finish_step(player: Player) -> int:
    """Continue the step under way to its end; return how many slices that took."""
    for slices in range(1, MAX_SLICES):
        if player.continue_step():
            return slices
    raise AssertionError(f"the step was not done after {MAX_SLICES} calls")


def test_a_frame_trains_exactly_speed_iterations() -> None:
    player = make_player(speed=300, dataset="spiral", hidden_layers=[16, 16], batch_size=1)
    frame, _ = play_one_frame(player)  # the first frame calibrates the cost estimate
    assert frame.header["state"]["iteration"] == 300
    frame, _ = play_one_frame(player)
    assert frame.header["state"]["iteration"] == 600 and frame.header["playing"] is True
    assert frame.header["seq"] == 1


def test_with_slices_of_no_time_every_call_still_trains_one_update() -> None:
    player = make_player(speed=50, slice_seconds=0.0, **EPOCH_OF_200)
    for seq in range(2):
        frame, slices = play_one_frame(player)
        assert slices == 50 and frame.header["state"]["iteration"] == 50 * (seq + 1)
    # An epoch step too: one update a call from iteration 100 to the epoch's end at 200.
    assert run_step(player, "epoch") == 100 and player.session.trainer.epoch == 1
    assert run_step(player, "iteration") == 1 and player.session.trainer.iteration == 201


class SimulatedClock:
    """Stands in for the player module's ``time``: time passes only as the trainer trains,
    COST per update, so how the player sizes its slices is the same on every machine."""

    COST = 2.0**-10  # seconds per update; a power of two keeps every sum of them exact

    def __init__(self, trainer: Trainer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 0.0
        train_iterations = trainer.train_iterations

        def train_and_take_time(count: int) -> None:
            train_iterations(count)
            self.now += count * self.COST

        monkeypatch.setattr(trainer, "train_iterations", train_and_take_time)
        monkeypatch.setattr(player_module, "time", self)

    def perf_counter(self) -> float:
        return self.now


def test_slices_are_sized_by_the_measured_cost_of_an_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cost = SimulatedClock.COST
    player = make_player(speed=100, fps=32, slice_seconds=4 * cost, **EPOCH_OF_200)
    trainer = player.session.trainer
    SimulatedClock(trainer, monkeypatch)

    def updates_per_call(call: Callable[[], object]) -> list[int]:
        counts, done = [], False
        while not done:
            before = trainer.iteration
            done = bool(call())  # True once the step or the frame's training is done
            counts.append(trainer.iteration - before)
        return counts

    player.begin_step("epoch")
    step = updates_per_call(player.continue_step)
    # The first calls measure the cost (the player's first guess is 0.1 ms an update); from
    # then on each call trains what fits in its slice, and the epoch's end cuts the last one.
    assert step[:3] == [39, 7, 5] and set(step[3:-1]) == {4} and step[-1] == 1
    assert sum(step) == 200 and trainer.epoch == 1
    player.begin_frame()
    assert updates_per_call(player.train_slice) == [4] * 25  # speed 100
    # Speed 0 trains for half the frame interval: 1/64 s at 32 fps, 16 updates of 1/1024 s.
    player.settings.speed = 0
    player.begin_frame()
    assert updates_per_call(player.train_slice) == [4] * 4


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


@pytest.mark.parametrize("slice_seconds", [None, 0.0])
def test_an_epoch_step_in_slices_equals_train_epochs(slice_seconds: float | None) -> None:
    player = make_player(speed=1, slice_seconds=slice_seconds, **EPOCH_OF_200)
    twin = Session.create(dict(EPOCH_OF_200), Settings())
    for trainer in (player.session.trainer, twin.trainer):
        trainer.train_iterations(7)  # mid-epoch: the step ends at this epoch's end
    slices = run_step(player, "epoch")
    twin.trainer.train_epochs(1)
    trainer = player.session.trainer
    assert (trainer.epoch, trainer.iteration) == (twin.trainer.epoch, twin.trainer.iteration)
    assert (trainer.epoch, trainer.iteration) == (1, 200)
    for ours, theirs in zip(trainer.weights(), twin.trainer.weights(), strict=True):
        assert np.array_equal(ours, theirs)
    if slice_seconds == 0.0:
        assert slices == 193  # one update a call: the epoch's last 193 took as many calls
    assert run_step(player, "iteration") == 1 and trainer.iteration == 201


def test_a_reset_between_slices_does_not_cut_the_epoch_step_short() -> None:
    player = make_player(speed=1, slice_seconds=0.0, **EPOCH_OF_200)
    player.begin_step("epoch")
    assert player.continue_step() is False
    player.reset()
    run = finish_step(player)
    trainer = player.session.trainer
    # After the reset the step trained the whole new epoch, one update a call.
    assert (trainer.epoch, trainer.iteration) == (1, 200) and run == 200


def test_an_epoch_step_on_a_diverging_session_stops_there() -> None:
    player = make_player(speed=1, dataset="plane", learning_rate=10.0, batch_size=1)
    run_step(player, "epoch")
    assert player.diverged and player.session.trainer.epoch == 0
    assert run_step(player, "epoch") == 1  # nothing more to do


def test_two_players_of_one_session_take_turns_on_the_same_counters() -> None:
    # Two streams of one session, as their worker runs them: one slice after the other.
    first = make_player(speed=3, dataset="xor", hidden_layers=[3])
    second = Player(first.session, StreamSettings(speed=5, resolution=20))
    second.playing = True
    first.begin_frame()
    second.begin_frame()
    frames: dict[str, Frame] = {}
    for _ in range(MAX_SLICES):
        for name, player in (("first", first), ("second", second)):
            if name not in frames and player.train_slice():
                frames[name] = player.render()
        if len(frames) == 2:
            break
    assert first.session.trainer.iteration == 3 + 5  # each trained its own speed
    assert [frames[name].header["state"]["iteration"] for name in ("first", "second")] == [3, 8]
    assert [frames[name].header["seq"] for name in ("first", "second")] == [0, 0]
    again, _ = play_one_frame(first)
    assert again.header["state"]["iteration"] == 11 and again.header["seq"] == 1
