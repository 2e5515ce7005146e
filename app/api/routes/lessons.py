"""Lessons: the catalogue and one lesson, as the server read them at start-up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Path, status

from app.api.deps import LessonsDep
from app.lessons import Lesson
from app.schemas import ErrorOut, LessonOut, LessonSummary

router = APIRouter(prefix="/api/lessons", tags=["lessons"])


def lesson_summary(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.id,
        "title": lesson.title.as_dict(),
        "summary": lesson.summary.as_dict(),
        "steps": [
            {"id": step.id, "instruction": step.instruction.as_dict()} for step in lesson.steps
        ],
    }


def lesson_out(lesson: Lesson) -> dict[str, Any]:
    return {
        "id": lesson.id,
        "title": lesson.title.as_dict(),
        "summary": lesson.summary.as_dict(),
        "preset": dict(lesson.preset),
        "steps": [
            {
                "id": step.id,
                "instruction": step.instruction.as_dict(),
                "hint": step.hint.as_dict(),
                "explanation": step.explanation.as_dict(),
                "check": step.check_source,
            }
            for step in lesson.steps
        ],
    }


@router.get("", response_model=list[LessonSummary], summary="The lessons on offer, in order")
def list_lessons(lessons: LessonsDep) -> list[dict[str, Any]]:
    """Each lesson's id, title, summary and its steps' instructions, in English and Korean."""
    return [lesson_summary(lesson) for lesson in lessons]


@router.get(
    "/{lesson_id}",
    response_model=LessonOut,
    summary="One lesson, whole",
    responses={404: {"model": ErrorOut, "description": "No lesson with that id"}},
)
def get_lesson(
    lessons: LessonsDep, lesson_id: str = Path(min_length=1, max_length=200)
) -> dict[str, Any]:
    """Its preset, and every step's instruction, hint, explanation and check."""
    lesson = lessons.get(lesson_id)
    if lesson is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"lesson {lesson_id!r} not found; the lessons are {', '.join(lessons.ids())}",
        )
    return lesson_out(lesson)
