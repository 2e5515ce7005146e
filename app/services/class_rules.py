"""What a room's teacher holds over a student's session: the class paused, controls locked.

A student's session carries its room's ``ClassRules`` (set by the front whenever the teacher
changes them, kept in the session's snapshot), so that the engine worker owning it refuses,
on every path (a PATCH, a stream's ``update``, ``play`` or ``step``, a training call, a
loaded model), what the teacher has ruled out. A lock is on a *control* as the page shows
it; ``LOCKABLE`` says which configuration fields each one covers. A locked field may be sent
with the value it has (a page sending its whole state changes nothing); changing it is
refused with ``ClassLocked``, naming the field. Training while paused is refused with
``ClassPaused``. Both are ``ValueError``s whose message starts with the field, so a stream
answers them as it answers any bad value; the REST routes give them statuses of their own
(``app/api/errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

# control -> the configuration fields it sets (the names the board and the page show)
LOCKABLE: dict[str, tuple[str, ...]] = {
    "dataset": ("dataset", "n_classes", "points", "problem"),
    "noise": ("noise",),
    "features": ("features",),
    "hidden_layers": ("hidden_layers",),
    "activation": ("activation", "layer_activations"),
    "learning_rate": ("learning_rate",),
    "optimizer": ("optimizer", "momentum"),
    "regularization": ("regularization", "regularization_rate"),
    "batch_size": ("batch_size",),
    "train_ratio": ("train_ratio", "n_samples"),
}
Control = Literal[
    "dataset",
    "noise",
    "features",
    "hidden_layers",
    "activation",
    "learning_rate",
    "optimizer",
    "regularization",
    "batch_size",
    "train_ratio",
]
CONTROLS: tuple[str, ...] = get_args(Control)
SHOWN_CHARS = 60


class ClassLocked(ValueError):
    """A change to a field the teacher locked for the room."""

    rule = "locked"  # a stream's error says which rule refused it, for the page to word


class ClassPaused(ValueError):
    """Training asked for while the teacher has paused the class."""

    rule = "paused"


@dataclass(frozen=True)
class ClassRules:
    paused: bool = False
    locked: frozenset[str] = frozenset()

    @classmethod
    def from_document(cls, document: Any) -> ClassRules:
        """``{"paused": bool, "locked": [control, ...]}`` read back; ValueError naming what
        is wrong."""
        if not isinstance(document, dict):
            raise ValueError(f"class_rules: expected an object, got {type(document).__name__}")
        paused, locked = document.get("paused", False), document.get("locked", [])
        if not isinstance(paused, bool):
            raise ValueError(f"paused: expected true or false, got {paused!r}")
        if not isinstance(locked, list | tuple):
            raise ValueError(f"locked: expected a list of controls, got {type(locked).__name__}")
        for index, control in enumerate(locked):
            if control not in LOCKABLE:
                raise ValueError(
                    f"locked[{index}]: expected one of {', '.join(CONTROLS)}, got {control!r}"
                )
        return cls(paused, frozenset(locked))

    def as_document(self) -> dict[str, Any]:
        """``{"paused", "locked"}``, the controls in ``CONTROLS`` order."""
        return {"paused": self.paused, "locked": [c for c in CONTROLS if c in self.locked]}

    def check_changes(self, current: dict[str, Any], target: dict[str, Any]) -> None:
        """ClassLocked if the complete configuration ``target`` differs from ``current`` in
        a field of a locked control."""
        for control in CONTROLS:
            if control not in self.locked:
                continue
            for name in LOCKABLE[control]:
                if target.get(name) != current.get(name):
                    raise ClassLocked(
                        f"{name}: your teacher locked {control} for this class; expected it "
                        f"to stay {_shown(current.get(name))}, got {_shown(target.get(name))}"
                    )

    def check_not_paused(self) -> None:
        if self.paused:
            raise ClassPaused(
                "paused: your teacher paused the class; expected no training until they "
                "let everyone play again"
            )


def _shown(value: Any) -> str:
    """A value as a message quotes it: custom points are thousands of numbers."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
