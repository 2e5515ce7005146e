"""Lessons on the wire: the catalogue, one lesson, a session's progress, and choosing one."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.schemas.base import OutModel
from app.schemas.config import ConfigUpdate, SessionConfig

LessonId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="A lesson's id, as GET /api/lessons lists them.",
    ),
]


class LessonText(OutModel):
    en: str
    ko: str


class LessonStepSummary(OutModel):
    id: str
    instruction: LessonText


class LessonSummary(OutModel):
    id: str
    title: LessonText
    summary: LessonText
    steps: list[LessonStepSummary]


class LessonStep(OutModel):
    id: str
    instruction: LessonText = Field(description="what to do in the page")
    hint: LessonText = Field(description="shown on request")
    explanation: LessonText = Field(description="why it came out so, shown once the step passed")
    check: dict[str, Any] | list[dict[str, Any]] = Field(
        description="the condition the server checks, in the lesson file's check language "
        "(docs/lessons.md): one condition, or a list that must all hold"
    )


class LessonOut(OutModel):
    id: str
    title: LessonText
    summary: LessonText
    preset: dict[str, Any] = Field(
        description="the configuration fields the lesson starts from (the rest are defaults)"
    )
    steps: list[LessonStep]


class StepProgress(OutModel):
    id: str
    passed: bool


class LessonProgressOut(OutModel):
    id: str
    steps: list[StepProgress] = Field(description="in the lesson's order")


class SessionCreate(SessionConfig):
    """A configuration, optionally starting from a lesson's preset (its fields override it)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"dataset": "xor"}, {"lesson": "perceptron"}]}
    )

    lesson: LessonId | None = Field(
        default=None, description="Start from this lesson's preset and follow its steps."
    )


class SessionPatch(ConfigUpdate):
    """Config changes; ``lesson`` starts that lesson from its preset (the other fields given
    override it), and ``lesson: null`` leaves lesson mode."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"learning_rate": 0.1}, {"lesson": "xor"}]}
    )

    lesson: LessonId | None = None
