"""Rooms on the wire: creating one, joining it, the teacher's board and the room's preset.

Names and titles are checked by ``app/rooms/names.py`` (trimmed, NFC, no control
characters, the server's ``max_name_length``); the bounds here are caps on what is read.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from app.rooms.codes import CODE_LENGTH, CODE_PATTERN
from app.rooms.names import MAX_NAME_CHARS, MAX_TITLE_CHARS
from app.schemas.base import InModel, OutModel
from app.schemas.bounds import settings_bound
from app.schemas.challenges import (
    ChallengeId,
    ChallengeOut,
    OwnChallenge,
    ReachOut,
    StudentChallengeOut,
)
from app.schemas.config import ConfigUpdate, SessionConfig
from app.schemas.lessons import LessonId, LessonProgressOut
from app.schemas.sessions import TrainingState
from app.services.class_rules import CONTROLS, Control

MAX_ID_CHARS = 64

RoomCode = Annotated[
    str,
    Field(
        min_length=CODE_LENGTH,
        max_length=CODE_LENGTH,
        pattern=CODE_PATTERN,
        description="The room's code, as written on the board (either case).",
    ),
]


class RoomCreate(InModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Lab 3: XOR"}]})

    title: str = Field(
        default="", max_length=MAX_TITLE_CHARS, description="Shown to the students and the board."
    )


class RoomCreated(OutModel):
    code: RoomCode
    title: str
    teacher_key: str = Field(
        description="The board's secret, told this once: send it as `Authorization: Bearer "
        "<teacher_key>`, never in a URL."
    )
    join_url: str = Field(description="The page where students join, e.g. /r/CODE")
    board_url: str = Field(description="The teacher's board page, e.g. /board/CODE")


class JoinRequest(InModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "민준"}, {"name": "Sara"}, {"name": "陈"}]}
    )

    name: str = Field(
        min_length=1,
        max_length=MAX_NAME_CHARS,
        json_schema_extra=settings_bound(maxLength="max_name_length"),
        description="A display name in any script: trimmed, at most the server's "
        "max_name_length characters, no control characters, not taken in the room "
        "(case aside).",
    )


class Joined(OutModel):
    student_id: str = Field(description="How the board names this student")
    session_id: str = Field(
        description="The student's own session (the ordinary /api/sessions routes); "
        "told to this student only"
    )
    name: str = Field(description="The name as the room shows it")
    code: RoomCode
    title: str


class RoomPreset(InModel):
    """What every student's session becomes: the defaults with ``config``'s fields over
    them, or ``lesson`` from its start with ``config`` over its preset, or a ``challenge``
    from its own start (alone: no lesson or config beside it)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"lesson": "xor"},
                {"config": {"dataset": "spiral", "hidden_layers": [8, 8]}},
                {"challenge": "xor_fewest"},
            ]
        }
    )

    config: ConfigUpdate | None = Field(
        default=None, description="Configuration fields (any subset); the rest are defaults."
    )
    lesson: LessonId | None = Field(default=None, description="A lesson every student starts.")
    challenge: ChallengeId | OwnChallenge | None = Field(
        default=None,
        description="A built-in challenge's id, or a teacher's own; the server judges every "
        "student's run against it as it trains.",
    )

    def as_preset(self) -> dict[str, Any]:
        """``{"config": {fields given}, "lesson": id or None, "challenge": id, data or None}``."""
        config = {} if self.config is None else self.config.model_dump(exclude_none=True)
        return {"config": config, "lesson": self.lesson, "challenge": self.challenge}


class EndedResult(OutModel):
    """One student's standing when the teacher ended the challenge."""

    name: str
    student_id: str = Field(max_length=MAX_ID_CHARS)
    rank: int | None = Field(ge=1, description="1 is first; null: not reached")
    best: ReachOut | None = Field(description="The best reach: fewest neurons, then epochs")


class EndedChallenge(OutModel):
    challenge: ChallengeOut
    ended_at: float = Field(description="Unix time")
    results: list[EndedResult] = Field(description="By rank, those who did not reach it last")


class PresetOut(OutModel):
    config: dict[str, Any] = Field(description="The configuration fields the preset sets")
    lesson: str | None
    challenge: ChallengeOut | None = Field(default=None, description="The room's challenge")


class Reached(OutModel):
    """How many of the room's students' sessions a change of the teacher's reached."""

    students: int = Field(ge=0, description="Students in the room")
    changed: int = Field(ge=0, description="Their sessions changed")
    not_reached: list[str] = Field(
        description="Student ids whose session could not be changed (gone, or its engine "
        "worker restarting); they can join again"
    )


class PresetApplied(Reached):
    preset: PresetOut


class ChallengeEnded(Reached):
    code: RoomCode
    ended: EndedChallenge


class RoomRules(InModel):
    """The class paused or playing, and the controls locked for every student (either or
    both; what is left out stays as it is)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"paused": True}, {"locked": ["dataset", "features"]}]}
    )

    paused: bool | None = Field(
        default=None, description="true: every student's run stops and cannot play; false: "
        "they may play again",
    )  # fmt: skip
    locked: list[Control] | None = Field(
        default=None,
        max_length=len(CONTROLS),
        description="The controls students may not change (the full list: [] frees them all)",
    )

    @model_validator(mode="after")
    def something_asked(self) -> RoomRules:
        if self.paused is None and self.locked is None:
            raise ValueError("expected 'paused', 'locked' or both, got neither")
        if self.locked is not None and len(set(self.locked)) != len(self.locked):
            raise ValueError(f"locked: expected each control once, got {self.locked}")
        return self


class RulesOut(OutModel):
    paused: bool = Field(description="The teacher has paused the class")
    locked: list[Control] = Field(description="Controls students may not change")


class RulesApplied(RulesOut, Reached):
    code: RoomCode


class BoardStudent(OutModel):
    name: str
    student_id: str = Field(max_length=MAX_ID_CHARS)
    joined_at: float = Field(description="Unix time")
    config: SessionConfig | None = Field(description="null when the session is gone")
    state: TrainingState | None
    lesson: LessonProgressOut | None
    challenge: StudentChallengeOut | None = Field(
        default=None, description="Progress on the room's challenge and rank in the room"
    )


class BoardOut(RulesOut):
    code: RoomCode
    title: str
    preset: PresetOut
    ended: EndedChallenge | None = Field(
        default=None,
        description="The challenge the teacher ended last (DELETE /api/rooms/{code}/challenge), "
        "with the results as they stood; null again with the next preset",
    )
    show_top: bool = Field(description="Whether students see the top of the ranking")
    students: list[BoardStudent] = Field(description="In the order they joined")


class RoomOptions(InModel):
    show_top: bool = Field(
        description="Students see the top of the challenge's ranking (names and ranks)"
    )


class RoomOptionsOut(OutModel):
    code: RoomCode
    show_top: bool


class RankedName(OutModel):
    name: str
    rank: int = Field(ge=1)


class MyStanding(OutModel):
    name: str
    progress: StudentChallengeOut | None = Field(description="null while the session is unread")


class StandingOut(RulesOut):
    """What a student may know of the room: its challenge and their standing in it, and its
    rules (paused, locked) for their page; never another's session or key."""

    code: RoomCode | None = Field(description="null: the session is no room student's")
    challenge: ChallengeOut | None = Field(description="null: the room has no challenge")
    you: MyStanding | None
    students: int = Field(ge=0)
    reached: int = Field(ge=0, description="Students who have reached it")
    show_top: bool
    top: list[RankedName] | None = Field(
        description="The first five by rank, if the teacher shows them; else null"
    )
