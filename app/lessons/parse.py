"""Plain data (a lesson file's TOML tables) -> the check language's nodes (``checks``).

Every key, name and operand is validated here, once; an error names its path in the file,
``steps[2].check[1].metric: expected one of …, got 'train_acc'``. A step's ``check`` is one
condition, or a list of conditions that must all hold.
"""

from __future__ import annotations

from typing import Any

from app.lessons.checks import (
    BY_ACTIVATION,
    COMBINATORS,
    COUNTS,
    FIELDS,
    MAX_DEPTH,
    MAX_PARTS,
    METRICS,
    NAMES,
    NUMBER,
    NUMBER_KIND,
    NUMBERS,
    ORDERING,
    STATE,
    TESTS,
    All,
    Any_,
    Check,
    Compare,
    Count,
    EpochsWhile,
    Field,
    GradientRatio,
    Kind,
    Metric,
    Not,
    State,
    Subject,
    fail,
    followed,
)

SUBJECTS = ("field", "state", "metric", "count", "gradient_ratio", "epochs_while")
MODIFIERS = {"since": "metric", "activation": "count"}  # key -> the subject it refines
MAX_LAYER_INDEX = 64


def parse_check(data: Any, path: str = "check") -> Check:
    """A step's check: one condition, or a non-empty list of conditions (all must hold)."""
    if isinstance(data, list):
        return All(_parts(data, path, 0))
    return parse_condition(data, path)


def parse_condition(data: Any, path: str, depth: int = 0) -> Check:
    if depth > MAX_DEPTH:
        raise fail(path, f"conditions nested at most {MAX_DEPTH} deep", "deeper")
    if not isinstance(data, dict):
        raise fail(path, 'a table such as { metric = "train_accuracy", gte = 1.0 }', data)
    unknown = sorted(set(data) - {*SUBJECTS, *COMBINATORS, *TESTS, *MODIFIERS})
    if unknown:
        allowed = ", ".join((*SUBJECTS, *COMBINATORS, *TESTS, *MODIFIERS))
        raise fail(f"{path}.{unknown[0]}", f"a key among {allowed}", unknown[0])
    heads = [key for key in (*SUBJECTS, *COMBINATORS) if key in data]
    if len(heads) != 1:
        choices = ", ".join((*SUBJECTS, *COMBINATORS))
        raise fail(path, f"exactly one of {choices}", heads or sorted(data))
    head = heads[0]
    if head in COMBINATORS:
        extra = sorted(set(data) - {head})
        if extra:
            raise fail(f"{path}.{extra[0]}", f"nothing beside {head!r}", extra[0])
        if head == "not":
            return Not(parse_condition(data["not"], f"{path}.not", depth + 1))
        parts = _parts(data[head], f"{path}.{head}", depth + 1)
        return All(parts) if head == "all" else Any_(parts)
    for modifier, refined in MODIFIERS.items():
        if modifier in data and head != refined:
            raise fail(f"{path}.{modifier}", f"{modifier!r} only with {refined!r}", head)
    subject, kind = _subject(head, data, path, depth)
    tests = tuple(
        (test, _operand(test, data[test], kind, f"{path}.{test}")) for test in TESTS if test in data
    )
    if not tests:
        raise fail(path, f"a test among {', '.join(TESTS)}", "none")
    return Compare(subject, tests)


def _parts(data: Any, path: str, depth: int) -> tuple[Check, ...]:
    if not isinstance(data, list) or not 1 <= len(data) <= MAX_PARTS:
        raise fail(path, f"a list of 1 to {MAX_PARTS} conditions", data)
    return tuple(parse_condition(part, f"{path}[{i}]", depth) for i, part in enumerate(data))


def _name(value: Any, names: tuple[str, ...] | dict[str, Any], path: str) -> str:
    if not isinstance(value, str) or value not in names:
        raise fail(path, f"one of {', '.join(names)}", value)
    return value


def _subject(head: str, data: dict[str, Any], path: str, depth: int) -> tuple[Subject, Kind]:
    value, where = data[head], f"{path}.{head}"
    if head == "field":
        name = _name(value, FIELDS, where)
        return Field(name), FIELDS[name]
    if head == "state":
        name = _name(value, STATE, where)
        return State(name), STATE[name]
    if head == "metric":
        since = None
        if "since" in data:
            since = _followed(data["since"], f"{path}.since", depth)
        return Metric(_name(value, METRICS, where), since), NUMBER_KIND
    if head == "count":
        name = _name(value, COUNTS, where)
        activations = None
        if "activation" in data:
            if name not in BY_ACTIVATION:
                raise fail(f"{path}.activation", f"a count among {', '.join(BY_ACTIVATION)}", name)
            activations = _names(data["activation"], FIELDS["activation"], f"{path}.activation")
        return Count(name, activations), NUMBER_KIND
    if head == "gradient_ratio":
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(_is_int(i) and abs(i) <= MAX_LAYER_INDEX for i in value)
        ):
            raise fail(where, "two weight-layer indices such as [0, -1] (-1 is the last)", value)
        return GradientRatio(value[0], value[1]), NUMBER_KIND
    return EpochsWhile(_followed(value, where, depth)), NUMBER_KIND


def _followed(data: Any, path: str, depth: int) -> Check:
    """A condition whose stretch is followed: it may not follow stretches itself."""
    condition = parse_condition(data, path, depth + 1)
    if any(True for _ in followed(condition)):
        raise fail(path, "a condition without epochs_while or since", "one with them")
    return condition


def _names(value: Any, kind: Kind, path: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    if not values:
        raise fail(path, "a name or a non-empty list of names", value)
    return tuple(_name(item, kind.names, f"{path}[{i}]") for i, item in enumerate(values))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _operand(test: str, operand: Any, kind: Kind, path: str) -> Any:
    """The operand, checked against the subject's kind; lists become tuples."""
    if test in ORDERING:
        if kind.shape != NUMBER:
            raise fail(path, f"{test!r} only with a number subject", kind.shape)
        return _value(operand, kind, path)
    if test == "contains":
        if kind.shape not in (NUMBERS, NAMES):
            raise fail(path, "'contains' only with a list subject", kind.shape)
        item = Kind(NUMBER) if kind.shape == NUMBERS else Kind("name", kind.names)
        return _value(operand, item, path)
    if test == "in":
        if not isinstance(operand, list) or not 1 <= len(operand) <= MAX_PARTS:
            raise fail(path, f"a list of 1 to {MAX_PARTS} values", operand)
        return tuple(_value(item, kind, f"{path}[{i}]") for i, item in enumerate(operand))
    return _value(operand, kind, path)


def _value(value: Any, kind: Kind, path: str) -> Any:
    """One value of ``kind``: a finite number, a known name, or a list of either."""
    if kind.shape == NUMBER:
        if not _is_number(value) or value != value or abs(value) == float("inf"):
            raise fail(path, "a finite number", value)
        return value
    if kind.shape == "name":
        return _name(value, kind.names, path)
    if not isinstance(value, list) or len(value) > MAX_LAYER_INDEX:
        raise fail(path, f"a list of at most {MAX_LAYER_INDEX} values", value)
    item = Kind(NUMBER) if kind.shape == NUMBERS else Kind("name", kind.names)
    return tuple(_value(part, item, f"{path}[{i}]") for i, part in enumerate(value))
