"""A challenge: a target in the lessons' check language, and the rules a run must keep.

As plain data (a built-in file's TOML, a teacher's JSON, the room's stored preset)::

    {"id": "xor_fewest", "title": {"en", "ko"} | str, "text": {"en", "ko"} | str,
     "reachable": true, "target": <check>, "config": {starting fields},
     "dataset": "xor_gate", "noise": 0.0, "features": ["x1", "x2"] | null,
     "activations": ["tanh"] | null, "max_hidden_neurons": 4 | null, "max_epochs": 500 | null}

``target`` is a condition of ``app.lessons`` (one, or a list that must all hold) judged on
the run as it is now: no ``epochs_while`` or ``since``. The data is fixed: a run counts only
on the challenge's ``dataset`` and ``noise`` and on the ``n_samples``, ``train_ratio`` and
``data_seed`` (``n_classes`` for blobs) of its starting configuration, so every student is
judged on the same test points. ``features`` and ``activations`` list what a run may use
(null: anything), ``max_hidden_neurons`` counts every hidden layer together, ``max_epochs``
the run's epoch counter. A run whose weights were set by hand or loaded does not count: the
server verifies what it trained itself. ``reachable = false`` says honestly that no run can
meet the target within the rules (the point of the exercise is to see why).

Every key, name and bound is checked by ``parse_challenge``, once; an error names its path,
``challenge.max_epochs: expected an integer in [1, 100000], got 0``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from app.engine import ACTIVATIONS, DATASETS, FEATURES, TrainerConfig
from app.lessons import Text, parse_check
from app.lessons.catalog import LIST_FIELDS, PRESET_FIELDS
from app.lessons.checks import Check, CheckError, Observation, followed

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OWN_ID = "own"  # a teacher's challenge that names no id
MAX_TITLE = 100
MAX_TEXT = 2000
MAX_HIDDEN_NEURONS = 4096
MAX_EPOCHS = 100_000
MAX_NOISE = 0.5
NOISE_TOLERANCE = 1e-9
KEYS = (
    "id", "title", "text", "reachable", "target", "config", "dataset", "noise", "features",
    "activations", "max_hidden_neurons", "max_epochs",
)  # fmt: skip
# The data fields fixed from the starting configuration, beside dataset and noise.
PINNED_DATA = ("n_samples", "train_ratio", "data_seed")
DATASET_NAMES = tuple(name for name in DATASETS if name != "custom")  # custom points vary
# Why a run does not count, in the order a student is told.
RULES = (
    "dataset", "noise", "data", "features", "activations", "hidden_neurons", "epochs", "weights",
)  # fmt: skip


@dataclass(frozen=True)
class Breach:
    """One rule a run breaks: ``rule`` (one of ``RULES``), what it expects and what it got;
    ``field`` names the data field for ``data``."""

    rule: str
    expected: Any
    got: Any
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "field": self.field, "expected": self.expected, "got": self.got}


@dataclass(frozen=True)
class Challenge:
    id: str
    title: Text
    text: Text
    reachable: bool
    target: Check
    target_source: Any  # the target as written (plain data)
    config: Mapping[str, Any]  # the starting fields, API form (lists)
    dataset: str
    noise: float
    pinned: Mapping[str, Any]  # PINNED_DATA (and n_classes for blobs) -> value
    features: tuple[str, ...] | None = None
    activations: tuple[str, ...] | None = None
    max_hidden_neurons: int | None = None
    max_epochs: int | None = None
    source: Any = field(default=None, compare=False)

    def as_document(self) -> dict[str, Any]:
        """Plain data ``parse_challenge`` reads back to this challenge (the wire's form)."""
        return {
            "id": self.id,
            "title": self.title.as_dict(),
            "text": self.text.as_dict(),
            "reachable": self.reachable,
            "target": self.target_source,
            "config": dict(self.config),
            "dataset": self.dataset,
            "noise": self.noise,
            "features": None if self.features is None else list(self.features),
            "activations": None if self.activations is None else list(self.activations),
            "max_hidden_neurons": self.max_hidden_neurons,
            "max_epochs": self.max_epochs,
        }


def fail(path: str, expected: str, got: object) -> ValueError:
    return ValueError(f"{path}: expected {expected}, got {got!r}")


def parse_challenge(data: Any, path: str = "challenge") -> Challenge:
    """A challenge from plain data (layout in the module docstring); ValueError naming the
    path at fault otherwise. The starting configuration must keep every rule itself."""
    if not isinstance(data, dict):
        raise fail(path, "an object with title, target and dataset", type(data).__name__)
    for key in data:
        if key not in KEYS:
            raise fail(f"{path}.{key}", f"a key among {', '.join(KEYS)}", key)
    for key in ("title", "target", "dataset"):
        if key not in data:
            raise fail(f"{path}.{key}", "a value", "nothing")
    challenge_id = data.get("id", OWN_ID)
    if not isinstance(challenge_id, str) or not ID_PATTERN.match(challenge_id):
        raise fail(f"{path}.id", "lowercase letters, digits and _ (a letter first, at most 40)",
                   challenge_id)  # fmt: skip
    reachable = data.get("reachable", True)
    if not isinstance(reachable, bool):
        raise fail(f"{path}.reachable", "true or false", reachable)
    dataset = data["dataset"]
    if dataset not in DATASET_NAMES:
        raise fail(f"{path}.dataset", f"one of {', '.join(DATASET_NAMES)}", dataset)
    noise = data.get("noise", 0.0)
    if not _is_number(noise) or not 0.0 <= noise <= MAX_NOISE:
        raise fail(f"{path}.noise", f"a number in [0, {MAX_NOISE}]", noise)
    config = _config(data.get("config", {}), dataset, float(noise), f"{path}.config")
    complete = _complete(config)
    pinned = {name: getattr(complete, name) for name in PINNED_DATA}
    if dataset == "blobs":
        pinned["n_classes"] = complete.n_classes
    challenge = Challenge(
        id=challenge_id,
        title=_text(data["title"], f"{path}.title", MAX_TITLE, required=True),
        text=_text(data.get("text", ""), f"{path}.text", MAX_TEXT, required=False),
        reachable=reachable,
        target=_target(data["target"], f"{path}.target"),
        target_source=data["target"],
        config=config,
        dataset=dataset,
        noise=float(noise),
        pinned=pinned,
        features=_names(data.get("features"), FEATURES, f"{path}.features"),
        activations=_names(data.get("activations"), ACTIVATIONS, f"{path}.activations"),
        max_hidden_neurons=_bound(
            data.get("max_hidden_neurons"), 0, MAX_HIDDEN_NEURONS, f"{path}.max_hidden_neurons"
        ),
        max_epochs=_bound(data.get("max_epochs"), 1, MAX_EPOCHS, f"{path}.max_epochs"),
        source=data,
    )
    start = config_breaches(challenge, starting_values(complete))
    if start:
        breach = start[0]
        where = {"features": "features", "activations": "activation"}.get(breach.rule)
        raise fail(f"{path}.config.{where or 'hidden_layers'}",
                   f"a start that keeps the challenge's {breach.rule} rule ({breach.expected})",
                   breach.got)  # fmt: skip
    return challenge


# ---------------------------------------------------------------------------- judging a run
def config_breaches(challenge: Challenge, config: Mapping[str, Any]) -> list[Breach]:
    """The rules a configuration (as ``Observation.config`` holds it) breaks."""
    found: list[Breach] = []
    if config.get("dataset") != challenge.dataset:
        found.append(Breach("dataset", challenge.dataset, config.get("dataset")))
    noise: Any = config.get("noise")
    if not _is_number(noise) or abs(noise - challenge.noise) > NOISE_TOLERANCE:
        found.append(Breach("noise", challenge.noise, noise))
    for name, value in challenge.pinned.items():
        if config.get(name) != value:
            found.append(Breach("data", value, config.get(name), field=name))
    for rule, allowed, used in (
        ("features", challenge.features, config.get("features") or ()),
        ("activations", challenge.activations, config.get("hidden_activations") or ()),
    ):
        extra = [] if allowed is None else sorted(set(used) - set(allowed))
        if extra:
            found.append(Breach(rule, list(allowed or ()), extra))
    neurons = sum(config.get("hidden_layers") or ())
    if challenge.max_hidden_neurons is not None and neurons > challenge.max_hidden_neurons:
        found.append(Breach("hidden_neurons", challenge.max_hidden_neurons, neurons))
    return found


def breaches(challenge: Challenge, observation: Observation, edited: bool) -> list[Breach]:
    """Every rule the observed run breaks; ``edited``: its weights were set by hand or loaded."""
    found = config_breaches(challenge, observation.config)
    epoch = observation.state.get("epoch", 0)
    if challenge.max_epochs is not None and epoch > challenge.max_epochs:
        found.append(Breach("epochs", challenge.max_epochs, epoch))
    if edited:
        found.append(Breach("weights", "weights trained here", "weights set by hand or loaded"))
    return found


def starting_values(config: TrainerConfig) -> dict[str, Any]:
    """A configuration as ``Observation.config`` reads one (the fields rules look at)."""
    values = {name: getattr(config, name) for name in ("dataset", "noise", *PINNED_DATA)}
    values["n_classes"] = config.n_classes
    values["features"] = config.features
    values["hidden_layers"] = config.hidden_layers
    values["hidden_activations"] = config.hidden_activations
    return values


# ---------------------------------------------------------------------------- reading
def _config(data: Any, dataset: str, noise: float, path: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise fail(path, "an object of configuration fields", type(data).__name__)
    for key, value in data.items():
        if key not in PRESET_FIELDS:
            raise fail(f"{path}.{key}", f"one of {', '.join(PRESET_FIELDS)}", key)
        fixed = {"dataset": dataset, "noise": noise}.get(key)
        if fixed is not None and value != fixed:
            raise fail(f"{path}.{key}", f"the challenge's own {key}, {fixed!r}", value)
    return {**data, "dataset": dataset, "noise": noise}


def _complete(config: Mapping[str, Any]) -> TrainerConfig:
    """The starting configuration over the defaults (not validated: a session does that)."""
    values: dict[str, Any] = {
        key: tuple(value) if key in LIST_FIELDS and isinstance(value, list) else value
        for key, value in config.items()
    }
    return replace(TrainerConfig(), **values)


def _text(data: Any, path: str, longest: int, *, required: bool) -> Text:
    """A text in both languages, or one text (a teacher's) for both."""
    texts = {"en": data, "ko": data} if isinstance(data, str) else data
    if not isinstance(texts, dict) or set(texts) != {"en", "ko"}:
        raise fail(path, 'a text, or {"en": …, "ko": …}', data)
    shortest = 1 if required else 0
    for language in ("en", "ko"):
        text = texts[language]
        if not isinstance(text, str) or not shortest <= len(text.strip()) <= longest:
            raise fail(f"{path}.{language}", f"a text of {shortest} to {longest} characters", text)
    return Text(en=texts["en"].strip(), ko=texts["ko"].strip())


def _target(data: Any, path: str) -> Check:
    try:
        target = parse_check(data, path)
    except CheckError as error:
        raise ValueError(str(error)) from None
    if any(True for _ in followed(target)):
        raise fail(path, "a condition on the run as it is now (no epochs_while or since)",
                   "one that follows a stretch")  # fmt: skip
    return target


def _names(data: Any, names: Mapping[str, Any], path: str) -> tuple[str, ...] | None:
    if data is None:
        return None
    if not isinstance(data, list) or not 1 <= len(data) <= len(names):
        raise fail(path, f"null or a list of 1 to {len(names)} names", data)
    for i, name in enumerate(data):
        if name not in names or name in data[:i]:
            raise fail(f"{path}[{i}]", f"one of {', '.join(names)}, each once", name)
    return tuple(data)


def _bound(data: Any, lowest: int, highest: int, path: str) -> int | None:
    if data is None:
        return None
    if isinstance(data, bool) or not isinstance(data, int) or not lowest <= data <= highest:
        raise fail(path, f"null or an integer in [{lowest}, {highest}]", data)
    return data


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
