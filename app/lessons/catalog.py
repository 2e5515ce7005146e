"""Lessons as data: one TOML file per lesson, read and validated once (docs/lessons.md).

The built-in lessons live in ``app/lessons/builtin/``; a teacher's folder (the setting
``lessons_dir``) adds its files to them, and a file named like a built-in one replaces it.
Lessons are listed by their ``order``, then their id. Any fault stops the loading with
``LessonFileError("<file>: <path>: expected …, got …")``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from app.engine import Limits, Trainer, TrainerConfig
from app.lessons.checks import Check, CheckError
from app.lessons.parse import parse_check

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LANGUAGES = ("en", "ko")
MAX_TITLE = 100
MAX_TEXT = 2000
MAX_STEPS = 10
MAX_ORDER = 10_000
MAX_FILE_BYTES = 200_000
LESSON_KEYS = ("order", "title", "summary", "preset", "steps")
STEP_KEYS = ("id", "instruction", "hint", "explanation", "check")
# A preset is any configuration but custom points (which a lesson cannot ship).
PRESET_FIELDS = tuple(f.name for f in fields(TrainerConfig) if f.name not in ("points", "problem"))
LIST_FIELDS = ("features", "hidden_layers", "layer_activations")


class LessonFileError(ValueError):
    """A lesson file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Text:
    en: str
    ko: str

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "ko": self.ko}


@dataclass(frozen=True)
class Step:
    id: str
    instruction: Text
    hint: Text
    explanation: Text
    check: Check
    check_source: Any  # the check as the file writes it (plain data), for clients to read


@dataclass(frozen=True)
class Lesson:
    id: str
    order: int
    title: Text
    summary: Text
    preset: Mapping[str, Any]  # configuration fields, as the API writes them (lists)
    steps: tuple[Step, ...]
    source: str  # the file it came from

    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]


class Catalog:
    """The lessons on offer, in order."""

    def __init__(self, lessons: Iterable[Lesson]) -> None:
        ordered = sorted(lessons, key=lambda lesson: (lesson.order, lesson.id))
        self._lessons = {lesson.id: lesson for lesson in ordered}

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self._lessons.values())

    def __len__(self) -> int:
        return len(self._lessons)

    def ids(self) -> list[str]:
        return list(self._lessons)

    def get(self, lesson_id: str) -> Lesson | None:
        return self._lessons.get(lesson_id)

    def lesson(self, lesson_id: object, field: str = "lesson") -> Lesson:
        """The lesson, or ``ValueError("lesson: expected one of …, got …")``."""
        found = self._lessons.get(lesson_id) if isinstance(lesson_id, str) else None
        if found is None:
            ids = ", ".join(self._lessons)
            raise ValueError(f"{field}: expected one of {ids}, got {lesson_id!r}")
        return found


def load_catalog(directory: Path | None = None, limits: Limits | None = None) -> Catalog:
    """The built-in lessons, plus (or replaced by, id for id) those of ``directory``.

    ``directory``'s presets are checked against ``limits`` (the server's); the built-in ones
    against the engine's defaults.
    """
    lessons = {lesson.id: lesson for lesson in builtin_lessons()}
    if directory is not None:
        if not directory.is_dir():
            raise LessonFileError(f"{directory}: expected a folder of lesson files (*.toml)")
        for path in sorted(directory.glob("*.toml")):
            lesson = load_lesson(path.stem, path.read_bytes(), str(path), limits)
            lessons[lesson.id] = lesson
    return Catalog(lessons.values())


@cache
def builtin_lessons() -> tuple[Lesson, ...]:
    folder = resources.files("app.lessons") / "builtin"
    entries = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".toml")),
                     key=lambda entry: entry.name)  # fmt: skip
    return tuple(
        load_lesson(entry.name.removesuffix(".toml"), entry.read_bytes(), f"builtin/{entry.name}")
        for entry in entries
    )


def load_lesson(
    lesson_id: str, content: bytes, source: str, limits: Limits | None = None
) -> Lesson:
    """One lesson from a file's bytes; ``LessonFileError`` names ``source`` and the field."""
    try:
        if not ID_PATTERN.match(lesson_id):
            raise ValueError(
                f"file name: expected a lesson id of lowercase letters, digits and _ "
                f"(at most 40, a letter first), got {lesson_id!r}"
            )
        if len(content) > MAX_FILE_BYTES:
            raise ValueError(f"file: expected at most {MAX_FILE_BYTES} bytes, got {len(content)}")
        try:
            data = tomllib.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"file: expected UTF-8 TOML, got an error: {error}") from None
        return _lesson(lesson_id, data, source, limits or Limits())
    except (CheckError, ValueError) as error:
        raise LessonFileError(f"{source}: {error}") from None


def _lesson(lesson_id: str, data: dict[str, Any], source: str, limits: Limits) -> Lesson:
    _keys(data, LESSON_KEYS, "")
    order = data["order"]
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= MAX_ORDER:
        raise ValueError(f"order: expected an integer in [0, {MAX_ORDER}], got {order!r}")
    steps = data["steps"]
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"steps: expected 1 to {MAX_STEPS} [[steps]] tables, got {steps!r}")
    parsed = tuple(_step(step, f"steps[{i}]") for i, step in enumerate(steps))
    ids = [step.id for step in parsed]
    for i, step_id in enumerate(ids):
        if step_id in ids[:i]:
            raise ValueError(f"steps[{i}].id: expected an id no other step has, got {step_id!r}")
    return Lesson(
        id=lesson_id,
        order=order,
        title=_text(data["title"], "title", MAX_TITLE),
        summary=_text(data["summary"], "summary", MAX_TEXT),
        preset=_preset(data["preset"], limits),
        steps=parsed,
        source=source,
    )


def _keys(data: Any, keys: tuple[str, ...], path: str) -> None:
    """``data`` is a table with exactly ``keys``."""
    where = f"{path}." if path else ""
    if not isinstance(data, dict):
        raise ValueError(f"{path or 'file'}: expected a table, got {data!r}")
    for key in data:
        if key not in keys:
            raise ValueError(f"{where}{key}: expected a key among {', '.join(keys)}, got {key!r}")
    for key in keys:
        if key not in data:
            raise ValueError(f"{where}{key}: expected a value, got nothing")


def _text(data: Any, path: str, longest: int) -> Text:
    _keys(data, LANGUAGES, path)
    for language in LANGUAGES:
        text = data[language]
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= longest:
            raise ValueError(
                f"{path}.{language}: expected a text of 1 to {longest} characters, got {text!r}"
            )
    return Text(en=data["en"].strip(), ko=data["ko"].strip())


def _step(data: Any, path: str) -> Step:
    _keys(data, STEP_KEYS, path)
    step_id = data["id"]
    if not isinstance(step_id, str) or not ID_PATTERN.match(step_id):
        raise ValueError(f"{path}.id: expected lowercase letters, digits and _, got {step_id!r}")
    return Step(
        id=step_id,
        instruction=_text(data["instruction"], f"{path}.instruction", MAX_TEXT),
        hint=_text(data["hint"], f"{path}.hint", MAX_TEXT),
        explanation=_text(data["explanation"], f"{path}.explanation", MAX_TEXT),
        check=parse_check(data["check"], f"{path}.check"),
        check_source=data["check"],
    )


def _preset(data: Any, limits: Limits) -> dict[str, Any]:
    """The preset's fields, checked by building the trainer they describe."""
    if not isinstance(data, dict):
        raise ValueError(f"preset: expected a table of configuration fields, got {data!r}")
    for key in data:
        if key not in PRESET_FIELDS:
            names = ", ".join(PRESET_FIELDS)
            raise ValueError(f"preset.{key}: expected one of {names}, got {key!r}")
    values: dict[str, Any] = {
        key: tuple(value) if key in LIST_FIELDS and isinstance(value, list) else value
        for key, value in data.items()
    }
    try:
        Trainer(TrainerConfig(**values), limits=limits)
    except (TypeError, ValueError) as error:
        message = str(error)
        raise ValueError(f"preset.{message}" if ": " in message else f"preset: {message}") from None
    return dict(data)
