"""The "unstable" status: its rule on hand-made histories, and on real seeded runs."""

from __future__ import annotations

import math
from typing import get_args

from app.engine.stability import STATUSES, WINDOW, Status, is_unstable, rises


# ------------------------------------------------------------------ the rule
def test_statuses_match_their_literal() -> None:
    assert get_args(Status) == STATUSES


def test_a_window_is_judged_only_when_full() -> None:
    climbing = [1.0 + i for i in range(WINDOW)]
    assert is_unstable(climbing, 0.5, 1.0)
    assert not is_unstable(climbing[:-1], 0.5, 1.0)


def test_each_clause_on_its_own() -> None:
    s = 1.0
    # (a) stayed above the start by more than 1 % of the scale, without rises
    assert is_unstable([1.02] * WINDOW, s, s) and rises([1.02] * WINDOW, s) == 0
    assert not is_unstable([1.005] * WINDOW, s, s)  # inside the margin
    # (b) three rises of more than 5 %, although the loss is falling overall
    saw = [0.8, 0.86, 0.6, 0.66, 0.4, 0.46, 0.3, 0.28, 0.26, 0.24]
    assert rises(saw, s) == 3 and is_unstable(saw, s, s)
    assert not is_unstable([0.8, 0.86, 0.6, 0.66, 0.4, 0.38, 0.3, 0.28, 0.26, 0.24], s, s)
    # (c) a single rise, and nowhere below 90 % of the start
    hovering = [0.95, 0.94, 0.93, 0.92, 0.91, 0.97, 0.96, 0.95, 0.94, 0.93]
    assert rises(hovering, s) == 1 and is_unstable(hovering, s, s)
    assert not is_unstable([*hovering[:-1], 0.89], s, s)


def test_a_smooth_slow_decrease_is_not_instability() -> None:
    creeping = [1.0 - 0.001 * i for i in range(1, WINDOW + 1)]
    assert not is_unstable(creeping, 1.0, 1.0)


def test_rises_are_measured_against_the_scale_not_a_tiny_reference() -> None:
    # a run restarted at a loss of 0.001 whose noise is 0.0002: 20 % of s, 0.03 % of ln 2
    noisy = [0.001, 0.0012] * (WINDOW // 2)
    assert is_unstable(noisy, 0.001, 0.001)
    assert not is_unstable(noisy, 0.001, math.log(2))
