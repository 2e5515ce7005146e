"""Challenges on the wire: a built-in one, one a teacher writes, and a run's progress.

A teacher's challenge is read by ``app.challenges.parse_challenge`` alone, which checks every
key, bound and rule once (the target's check language, a start that keeps the rules); its
errors reach the 422's ``loc`` (``["body", "challenge", "max_epochs"]``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from app.challenges.model import RULES
from app.schemas.base import OutModel
from app.schemas.lessons import LessonText

ChallengeId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="A built-in challenge's id, as GET /api/challenges lists them.",
    ),
]
Rule = Literal[RULES]  # type: ignore[valid-type]
OWN_CHALLENGE_EXAMPLE = {
    "title": {"en": "Moons to 98 % with at most 6 neurons", "ko": "뉴런 6개 이하로 달 98%"},
    "text": "Any inputs; fewer neurons rank higher.",
    "target": {"metric": "test_accuracy", "gte": 0.98},
    "dataset": "moons",
    "noise": 0.1,
    "features": None,
    "activations": None,
    "max_hidden_neurons": 6,
    "max_epochs": 300,
    "config": {"hidden_layers": [6]},
    "reachable": True,
}
OwnChallenge = Annotated[
    dict[str, Any],
    Field(
        description="A teacher's own challenge: title (a text, or {en, ko}), text, target "
        "(the lessons' check language, docs/lessons.md, judged on the run as it is now), "
        "dataset, noise (0 to 0.5), features and activations allowed (null: any), "
        "max_hidden_neurons (0 to 4096), max_epochs (1 to 100000), config (where every "
        "student starts; it must keep the rules), reachable (false: meant to be out of reach)",
        json_schema_extra={"examples": [OWN_CHALLENGE_EXAMPLE]},
    ),
]


class ChallengeOut(OutModel):
    id: str
    title: LessonText
    text: LessonText
    reachable: bool = Field(description="false: no run can meet the target within the rules")
    target: dict[str, Any] | list[dict[str, Any]]
    config: dict[str, Any] = Field(description="The fields every student starts from")
    dataset: str
    noise: float
    features: list[str] | None
    activations: list[str] | None
    max_hidden_neurons: int | None
    max_epochs: int | None


class BreachOut(OutModel):
    rule: Rule = Field(description="The rule the run breaks now, so its reach does not count")
    field: str | None = Field(description="The data field, for rule 'data'")
    expected: Any
    got: Any


class ReachOut(OutModel):
    epoch: int = Field(ge=0)
    iteration: int = Field(ge=0)
    hidden_neurons: int = Field(ge=0)
    at: float = Field(description="Unix time")
    metrics: dict[str, float | None]


class ChallengeProgressOut(OutModel):
    id: str
    reached: bool
    best: ReachOut | None = Field(description="The best reach: fewest neurons, then epochs")
    target_met: bool = Field(description="The target holds for the run now (rules aside)")
    breaches: list[BreachOut] = Field(description="The rules the run breaks now")


class StudentChallengeOut(ChallengeProgressOut):
    rank: int | None = Field(ge=1, description="1 is first; null until reached")
