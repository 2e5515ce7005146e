"""Lessons: steps a learner takes in the playground, each judged on the session's real state.

Pure Python over the engine (no FastAPI, no pydantic): ``catalog`` reads the lesson files,
``checks`` and ``parse`` are the check language, ``observation`` reads a trainer for it and
``progress`` follows one learner through one lesson. The format is in docs/lessons.md.
"""

from app.lessons.catalog import (
    Catalog,
    Lesson,
    LessonFileError,
    Step,
    Text,
    builtin_lessons,
    load_catalog,
    load_lesson,
)
from app.lessons.checks import CheckError, Observation, holds
from app.lessons.observation import observe
from app.lessons.parse import parse_check
from app.lessons.progress import LessonProgress

__all__ = [
    "Catalog",
    "CheckError",
    "Lesson",
    "LessonFileError",
    "LessonProgress",
    "Observation",
    "Step",
    "Text",
    "builtin_lessons",
    "holds",
    "load_catalog",
    "load_lesson",
    "observe",
    "parse_check",
]
