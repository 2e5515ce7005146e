"""Whether a run is *unstable*: training goes on, but its loss says the steps are too large.

The judgement is made at every epoch end, over the objective the optimizer minimises on the
training set, ``loss = data loss + penalty`` (the data loss alone when there is no penalty:
switching on L2 raises the data loss by design, which is no sign of too large a step).

A *stretch* of training starts with a fresh network and again whenever the run changes under
it (a live setting, new data, edited parameters). At its start the watch takes

- the reference ``s``: the objective at that moment;
- the scale ``m = max(s, b)``, ``b`` being the data loss of a network whose logits are all
  zero (ln 2 for two classes, ln k for k classes, mean(y²) for regression): what knowing
  nothing costs. Rises are measured in ``m`` so that a well trained run, restarted at a tiny
  ``s``, is not judged by the noise of its last digits.

Over the last ``WINDOW`` epoch-end losses ``l_1 … l_W`` of the stretch (none is judged before
``WINDOW`` have been recorded), a *rise* is a change ``l_(i+1) - l_i > RISE · m``. The run is
unstable if

(a) every ``l_i > s + ABOVE · m``: the loss has stayed above where it started, or
(b) at least ``RISES`` rises: the loss keeps jumping up, or
(c) at least one rise and no ``l_i < PROGRESS · s``: it jumps and makes no headway.

The judgement is redone at every epoch end, so a run is ready again as soon as the rule stops
holding; a restart empties the window.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any, Literal

from app.engine.config import fail

Status = Literal["ready", "unstable", "diverged"]
STATUSES: tuple[str, ...] = ("ready", "unstable", "diverged")

WINDOW = 10  # epoch ends judged together
RISE = 0.05  # a rise: the loss grew by more than this fraction of the scale in one epoch
RISES = 3  # this many rises in the window are unstable on their own
ABOVE = 0.01  # margin over the reference, in units of the scale, for "stayed above"
PROGRESS = 0.9  # a window that never gets below this fraction of the reference made no headway


def rises(losses: Sequence[float], scale: float) -> int:
    """How many epoch-to-epoch changes in ``losses`` grew by more than ``RISE · scale``."""
    return sum(
        after - before > RISE * scale for before, after in zip(losses[:-1], losses[1:], strict=True)
    )


def is_unstable(losses: Sequence[float], reference: float, scale: float) -> bool:
    """The module's rule over a full window of ``losses`` (see above); False if not full."""
    if len(losses) < WINDOW:
        return False
    window = losses[-WINDOW:]
    jumps = rises(window, scale)
    stayed_above = all(loss > reference + ABOVE * scale for loss in window)
    no_headway = all(loss >= PROGRESS * reference for loss in window)
    return stayed_above or jumps >= RISES or (jumps >= 1 and no_headway)


class StabilityWatch:
    """The reference, scale and last ``WINDOW`` epoch-end losses of one stretch of training.

    ``reference`` is None until the stretch has started (the trainer starts it lazily, at the
    first update after a restart, so that restarting costs nothing).
    """

    def __init__(self) -> None:
        self.reference: float | None = None
        self.scale: float | None = None
        self.losses: deque[float] = deque(maxlen=WINDOW)

    @property
    def started(self) -> bool:
        return self.reference is not None

    def start(self, loss: float, zero_logit_loss: float) -> None:
        """Begin the stretch at objective ``loss``; ``zero_logit_loss`` is ``b`` above."""
        self.reference = loss
        self.scale = max(loss, zero_logit_loss)
        self.losses.clear()

    def record(self, loss: float) -> bool:
        """Add an epoch-end loss; whether the stretch is now unstable."""
        assert self.reference is not None and self.scale is not None, "start() comes first"
        self.losses.append(loss)
        return is_unstable(list(self.losses), self.reference, self.scale)

    # ---------------------------------------------------------------- export
    def snapshot(self) -> dict[str, Any]:
        """A plain dict (floats or None, a list of floats) that ``restore`` reads back."""
        return {"reference": self.reference, "scale": self.scale, "losses": list(self.losses)}

    @classmethod
    def restore(cls, values: Any) -> StabilityWatch:
        """A watch from ``snapshot()``; None (an export that predates the watch) is empty."""
        watch = cls()
        if values is None:
            return watch
        field = "state.stability"
        if not isinstance(values, dict) or set(values) != {"reference", "scale", "losses"}:
            raise fail(field, "a dict of reference, scale and losses", values)
        reference, scale, losses = values["reference"], values["scale"], values["losses"]
        if not isinstance(losses, list) or not all(map(_finite_number, losses)):
            raise fail(f"{field}.losses", "a list of finite numbers", losses)
        if reference is None and scale is None and not losses:
            return watch
        if not (_finite_number(reference) and _finite_number(scale) and scale >= reference):
            raise fail(field, "a finite reference and a scale at least as large", values)
        if len(losses) > WINDOW:
            raise fail(f"{field}.losses", f"at most {WINDOW} losses", len(losses))
        watch.reference, watch.scale = float(reference), float(scale)
        watch.losses.extend(float(loss) for loss in losses)
        return watch


def _finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
