"""The lesson files: every built-in one valid, a bad one named with its field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.engine import Limits
from app.lessons import LessonFileError, builtin_lessons, load_catalog, load_lesson

PRIMER_ORDER = [
    "activations",
    "layers",
    "perceptron",
    "xor",
    "backprop",
    "vanishing_gradient",
    "learning_rate",
    "epochs_and_batches",
    "overfitting",
]
FIXED_STEPS = {
    "perceptron": ["and", "or", "xor_fails"],
    "xor": ["hidden_layer"],
    "epochs_and_batches": ["fifty_iterations", "five_hundred_updates"],
    "vanishing_gradient": ["sigmoid_vanishes", "relu_keeps_flowing"],
    "learning_rate": ["too_big", "too_small"],
}
GOOD = b"""
order = 5
title = { en = "T", ko = "T" }
summary = { en = "S", ko = "S" }
[preset]
dataset = "and"
hidden_layers = []
[[steps]]
id = "first"
instruction = { en = "I", ko = "I" }
hint = { en = "H", ko = "H" }
explanation = { en = "E", ko = "E" }
check = [{ metric = "train_accuracy", gte = 1.0 }]
"""


def test_the_built_in_lessons_in_the_primers_order() -> None:
    catalog = load_catalog()
    assert catalog.ids() == PRIMER_ORDER
    for lesson in catalog:
        assert 2 <= len(lesson.steps) <= 5, lesson.id
        for text in (lesson.title, lesson.summary):
            assert text.en and text.ko
        for step in lesson.steps:
            for text in (step.instruction, step.hint, step.explanation):
                assert text.en and text.ko and text.en != text.ko, (lesson.id, step.id)
    for lesson_id, steps in FIXED_STEPS.items():
        found = catalog.lesson(lesson_id).step_ids()
        assert [step for step in found if step in steps] == steps


def test_korean_texts_keep_one_register() -> None:
    # 합니다체 statements and 해 보세요 / 하세요 requests, never 반말 endings
    for lesson in builtin_lessons():
        for step in lesson.steps:
            for text in (step.instruction.ko, step.hint.ko, step.explanation.ko):
                sentence_end = re.sub(r"\([^)]*\)\.?$", "", text).rstrip(".")
                assert sentence_end.endswith(("요", "다")), (lesson.id, step.id, text)


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / f"{name}.toml"
    path.write_bytes(content)
    return path


def test_a_teachers_folder_adds_and_replaces(tmp_path: Path) -> None:
    write(tmp_path, "gates", GOOD)
    write(tmp_path, "xor", GOOD.replace(b"order = 5", b"order = 95"))
    catalog = load_catalog(tmp_path, Limits())
    assert catalog.ids() == ["gates", *[i for i in PRIMER_ORDER if i != "xor"], "xor"]
    assert catalog.lesson("xor").step_ids() == ["first"]
    assert catalog.lesson("gates").source.endswith("gates.toml")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"order = 5", b"order = -1", "order"),
        (b'ko = "T"', b'kr = "T"', "title.kr"),
        (b'dataset = "and"', b'dataset = "nand"', "preset.dataset"),
        (b'dataset = "and"', b"points = []", "preset.points"),
        (b"hidden_layers = []", b"hidden_layers = [99]", "preset.hidden_layers[0]"),
        (b'id = "first"', b'id = "First"', "steps[0].id"),
        (b'hint = { en = "H", ko = "H" }', b"", "steps[0].hint"),
        (b'metric = "train_accuracy"', b'metric = "train_acc"', "steps[0].check[0].metric"),
        (b"gte = 1.0", b'gte = "high"', "steps[0].check[0].gte"),
        (b"gte = 1.0", b"above = 1.0", "steps[0].check[0].above"),
        (b", gte = 1.0", b"", "steps[0].check[0]"),
        (b'{ metric = "train_accuracy", gte = 1.0 }', b'{ field = "dataset", lt = 3 }',
         "steps[0].check[0].lt"),
        (b'{ metric = "train_accuracy", gte = 1.0 }', b'{ field = "dataset", eq = "nand" }',
         "steps[0].check[0].eq"),
        (b'{ metric = "train_accuracy", gte = 1.0 }',
         b'{ any = [{ state = "epoch", gte = 1 }, { count = "neurons", gte = 1 }] }',
         "steps[0].check[0].any[1].count"),
        (b'{ metric = "train_accuracy", gte = 1.0 }',
         b'{ epochs_while = { epochs_while = { state = "epoch", gte = 0 }, gte = 1 }, gte = 1 }',
         "steps[0].check[0].epochs_while"),
        (b'{ metric = "train_accuracy", gte = 1.0 }',
         b'{ count = "inputs", activation = "relu", eq = 2 }', "steps[0].check[0].activation"),
        (b'{ metric = "train_accuracy", gte = 1.0 }', b'{ gradient_ratio = [0], lt = 0.01 }',
         "steps[0].check[0].gradient_ratio"),
        (b"order = 5", b"order = 5\norder = 6", "file"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_file_and_the_field(
    tmp_path: Path, old: bytes, new: bytes, field: str
) -> None:
    assert old in GOOD
    write(tmp_path, "broken", GOOD.replace(old, new))
    with pytest.raises(LessonFileError) as caught:
        load_catalog(tmp_path, Limits())
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'broken.toml'}: {field}"), message
    assert "expected" in message


def test_a_bad_file_name_and_a_missing_folder(tmp_path: Path) -> None:
    write(tmp_path, "Bad-Name", GOOD)
    with pytest.raises(LessonFileError, match="Bad-Name.toml: file name: expected"):
        load_catalog(tmp_path, Limits())
    with pytest.raises(LessonFileError, match="expected a folder"):
        load_catalog(tmp_path / "absent", Limits())


def test_a_teachers_preset_meets_the_servers_limits(tmp_path: Path) -> None:
    write(tmp_path, "wide", GOOD.replace(b"hidden_layers = []", b"hidden_layers = [20]"))
    assert load_catalog(tmp_path, Limits()).lesson("wide")
    with pytest.raises(LessonFileError, match=r"wide.toml: preset.hidden_layers\[0\]: expected"):
        load_catalog(tmp_path, Limits(max_neurons=16))


def test_load_lesson_reads_bytes() -> None:
    lesson = load_lesson("gates", GOOD, "gates.toml")
    assert lesson.preset == {"dataset": "and", "hidden_layers": []}
    assert lesson.steps[0].check_source == [{"metric": "train_accuracy", "gte": 1.0}]
    with pytest.raises(LessonFileError, match="^gates.toml: file: expected UTF-8 TOML"):
        load_lesson("gates", b"\xff", "gates.toml")
