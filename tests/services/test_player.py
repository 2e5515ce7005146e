"""The play loop's synchronous half: training slices, time budgets, divergence."""

from __future__ import annotations

import time

from app.config import Settings
from app.services.frames import Frame
from app.services.player import Player, StreamSettings
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
