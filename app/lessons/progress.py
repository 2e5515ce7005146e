"""One learner's way through one lesson: which steps have passed.

Every step that has not passed is checked at every observation, in any order (a learner may
do them out of order); a step that passes stays passed until the lesson restarts.
"""

from __future__ import annotations

from typing import Any

from app.lessons.catalog import Lesson
from app.lessons.checks import Observation, Stretches, followed, holds


class LessonProgress:
    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.passed: set[str] = set()
        conditions = (c for step in lesson.steps for c in followed(step.check))
        self.stretches = Stretches(tuple(dict.fromkeys(conditions)))

    def observe(self, observation: Observation) -> bool:
        """Follow the stretches, then check every step not passed; True if one passed now."""
        self.stretches.update(observation)
        newly = [
            step.id
            for step in self.lesson.steps
            if step.id not in self.passed and holds(step.check, observation, self.stretches)
        ]
        self.passed.update(newly)
        return bool(newly)

    def restart(self) -> None:
        self.passed.clear()
        self.stretches.clear()

    def as_dict(self) -> dict[str, Any]:
        """``{"id", "steps": [{"id", "passed"}, ...]}`` in the lesson's order."""
        steps = self.lesson.steps
        return {
            "id": self.lesson.id,
            "steps": [{"id": step.id, "passed": step.id in self.passed} for step in steps],
        }
