"""A learning-rate sweep asked for by one call: one configuration trained at several rates.

Like one-shot training (``stateless``), nothing is kept. The runs share the data, the initial
weights and the mini-batch order, and train together (``app.engine.sweep``); the call's work
is that of every run, bounded by the same settings as any training call (``check_work``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from app.config import Settings
from app.engine.sweep import check_rates, finish, sweep_by_epoch
from app.services.errors import prefixed
from app.services.session import Session
from app.services.training import check_work


def sweep_rates(
    config: dict[str, Any], learning_rates: list[float], epochs: int, settings: Settings
) -> dict[str, Any]:
    """``sweep_rates_by_epoch`` at once."""
    return finish(sweep_rates_by_epoch(config, learning_rates, epochs, settings))


def sweep_rates_by_epoch(
    config: dict[str, Any],
    learning_rates: list[float],
    epochs: int,
    settings: Settings,
    stop: Callable[[], bool] = lambda: False,
) -> Generator[None, None, dict[str, Any]]:
    """``{"results": [...], "truncated"}``: each rate's loss curves and status, in the order
    given; a pause (``yield``) after every epoch, and the runs end early if ``stop()`` is true
    at one (``truncated``).

    Errors in ``config`` are reported as ``config.<field>``, a rate beyond the server's
    ``max_learning_rate`` as ``learning_rates[i]``, too much work as ``epochs``.
    """
    try:
        trainer = Session.create(config, settings).trainer
    except ValueError as exc:
        raise prefixed(exc, "config") from exc
    rates = check_rates(learning_rates, trainer.limits.max_learning_rate)
    check_work(trainer, settings, epochs=epochs, iterations=None, runs=len(rates))
    runs = yield from sweep_by_epoch(trainer, rates, epochs, stop)
    return {
        "results": [
            {
                "learning_rate": run.learning_rate,
                "train_loss": run.train_loss,
                "test_loss": run.test_loss,
                "status": run.status,
                "diverged_at": None if run.diverged_at is None else list(run.diverged_at),
            }
            for run in runs
        ],
        "truncated": any(run.diverged_at is None and len(run.train_loss) < epochs for run in runs),
    }
