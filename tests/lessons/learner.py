"""A learner in a lesson, without a server: a trainer, its progress, and what it does."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.engine import Trainer, TrainerConfig
from app.lessons import LessonProgress, load_catalog, observe

CATALOG = load_catalog()
Action = tuple[Any, ...]  # ("epochs", k), ("iterations", k), ("change", {...}), ("reset",)


class Learner:
    def __init__(self, lesson_id: str) -> None:
        lesson = CATALOG.lesson(lesson_id)
        preset = {k: tuple(v) if isinstance(v, list) else v for k, v in lesson.preset.items()}
        self.trainer = Trainer(replace(TrainerConfig(), **preset))
        self.run = 0
        self.progress = LessonProgress(lesson)
        self.look()

    def look(self) -> None:
        """What the session does after every change and every stretch of training."""
        self.progress.observe(observe(self.trainer, self.run))

    def do(self, *actions: Action) -> Learner:
        for name, *args in actions:
            if name == "epochs":
                self.trainer.train_epochs(args[0])
            elif name == "iterations":
                self.trainer.train_iterations(args[0])
            elif name == "reset":
                self.look()
                self.trainer.reset()
                self.run += 1
            else:
                self.look()
                if self.trainer.reconfigure(**args[0]):
                    self.run += 1
            self.look()
        return self

    @property
    def passed(self) -> set[str]:
        return set(self.progress.passed)
