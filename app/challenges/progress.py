"""One student's run against one challenge: whether, and how well, it was reached.

At every observation the target is judged and the rules are checked; a run that meets the
target while keeping every rule *reaches* the challenge, and the reach is kept: its epoch,
iteration, hidden neurons, metrics and wall-clock time. A later reach replaces it only if
it ranks better (fewer hidden neurons, then fewer epochs), so a student may keep trying to
do it smaller. ``target_met`` and ``breaches`` describe the run as last observed, so that a
student whose run meets the target against the rules is told which rule it breaks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.challenges.model import Breach, Challenge, breaches, parse_challenge
from app.lessons.checks import Observation, Stretches, holds

METRIC_NAMES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


@dataclass(frozen=True)
class Reach:
    """When a run reached the challenge; ``at`` is Unix time (it outlives restarts)."""

    epoch: int
    iteration: int
    hidden_neurons: int
    at: float
    metrics: dict[str, float | None]

    def key(self) -> tuple[int, int]:
        """What ranks a reach, best first: fewest hidden neurons, then fewest epochs."""
        return (self.hidden_neurons, self.epoch)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ChallengeProgress:
    def __init__(self, challenge: Challenge) -> None:
        self.challenge = challenge
        self.best: Reach | None = None
        self.target_met = False
        self.breaches: list[Breach] = []

    def observe(self, observation: Observation, *, edited: bool, now: float) -> bool:
        """Judge the run now; True if the best reach changed."""
        self.target_met = holds(self.challenge.target, observation, Stretches())
        self.breaches = breaches(self.challenge, observation, edited)
        if not self.target_met or self.breaches:
            return False
        reach = Reach(
            epoch=int(observation.state["epoch"]),
            iteration=int(observation.state["iteration"]),
            hidden_neurons=int(observation.counts["hidden_neurons"]),
            at=now,
            metrics={name: observation.metrics.get(name) for name in METRIC_NAMES},
        )
        if self.best is not None and self.best.key() <= reach.key():
            return False
        self.best = reach
        return True

    def as_dict(self) -> dict[str, Any]:
        """``{"id", "reached", "best", "target_met", "breaches"}`` (no rank: that is the
        room's, across its students)."""
        return {
            "id": self.challenge.id,
            "reached": self.best is not None,
            "best": None if self.best is None else self.best.as_dict(),
            "target_met": self.target_met,
            "breaches": [breach.as_dict() for breach in self.breaches],
        }

    # ------------------------------------------------------------------ keeping it
    def to_document(self) -> dict[str, Any]:
        """Plain data for a session snapshot: the challenge and the best reach."""
        best = None if self.best is None else self.best.as_dict()
        return {"challenge": self.challenge.as_document(), "best": best}

    @classmethod
    def from_document(cls, document: Any) -> ChallengeProgress:
        """The progress ``to_document`` wrote; ValueError naming the field otherwise."""
        if not isinstance(document, dict):
            raise ValueError(f"challenge: expected an object, got {type(document).__name__}")
        progress = cls(parse_challenge(document.get("challenge")))
        best = document.get("best")
        if best is not None:
            progress.best = _reach(best)
        return progress


def _reach(values: Any) -> Reach:
    if not isinstance(values, dict):
        raise ValueError(f"challenge.best: expected an object, got {type(values).__name__}")
    for name in ("epoch", "iteration", "hidden_neurons"):
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(
                f"challenge.best.{name}: expected a non-negative integer, got {value!r}"
            )
    at, metrics = values.get("at"), values.get("metrics")
    if isinstance(at, bool) or not isinstance(at, int | float):
        raise ValueError(f"challenge.best.at: expected a Unix time, got {at!r}")
    if not isinstance(metrics, dict) or not all(
        name in METRIC_NAMES and (value is None or isinstance(value, int | float))
        for name, value in metrics.items()
    ):
        raise ValueError(
            f"challenge.best.metrics: expected {', '.join(METRIC_NAMES)}, got {metrics!r}"
        )
    return Reach(
        epoch=values["epoch"],
        iteration=values["iteration"],
        hidden_neurons=values["hidden_neurons"],
        at=float(at),
        metrics={name: None if value is None else float(value) for name, value in metrics.items()},
    )
