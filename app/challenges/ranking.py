"""A room's ranking: reached first, then fewest hidden neurons, then fewest epochs, then
earliest (then who joined first).

Read from each student's challenge progress as ``ChallengeProgress.as_dict`` gives it,
so the front ranks a room from what the engine workers report, without their objects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def rank_key(best: Mapping[str, Any]) -> tuple[int, int, float]:
    return (int(best["hidden_neurons"]), int(best["epoch"]), float(best["at"]))


def ranks(progress: Sequence[Mapping[str, Any] | None]) -> list[int | None]:
    """Each student's rank (1 is first), in the order given (the order they joined); None
    for a student who has not reached the challenge. Ties go to the one who joined first."""
    reached = [
        (rank_key(entry["best"]), index)
        for index, entry in enumerate(progress)
        if entry is not None and entry.get("best") is not None
    ]
    result: list[int | None] = [None] * len(progress)
    for place, (_, index) in enumerate(sorted(reached), start=1):
        result[index] = place
    return result
