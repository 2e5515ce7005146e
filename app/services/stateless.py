"""One-shot training: build a network, train it, return its history and model document.

Nothing is kept, so any worker behind a load balancer can answer.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from app.config import Settings
from app.engine.sweep import finish
from app.services.errors import prefixed
from app.services.session import METRICS, Session
from app.services.training import check_work


def train_once(config: dict[str, Any], epochs: int, settings: Settings) -> dict[str, Any]:
    """``{"config", "state", "history", "model"}`` after ``epochs`` epochs (fewer if diverged).

    At once; ``train_once_by_epoch`` is the same with a pause after every epoch.
    """
    return finish(train_once_by_epoch(config, epochs, settings))


def train_once_by_epoch(
    config: dict[str, Any],
    epochs: int,
    settings: Settings,
    stop: Callable[[], bool] = lambda: False,
) -> Generator[None, None, dict[str, Any]]:
    """``train_once`` as a generator: it yields after every epoch and returns the result,
    so the worker running it can run other sessions' work in between; if ``stop()`` is true
    after an epoch, the training ends there (``truncated``).

    ``history`` holds one record per epoch trained, the one in which the run diverged
    included (its status "diverged", its metrics null). Errors in ``config`` are reported as
    ``config.<field>``, before the first yield.
    """
    try:
        session = Session.create(config, settings)
    except ValueError as exc:
        raise prefixed(exc, "config") from exc
    trainer = session.trainer
    check_work(trainer, settings, epochs=epochs, iterations=None)
    history: list[dict[str, Any]] = []
    truncated = False
    for epoch in range(1, epochs + 1):
        if epoch > 1:
            yield
            if stop():
                truncated = True
                break
        trainer.train_epochs(1)
        state = session.state()
        if state["status"] == "diverged":
            history.append({"epoch": epoch, "status": "diverged", **dict.fromkeys(METRICS)})
            break
        history.append(
            {"epoch": epoch, "status": state["status"], **{name: state[name] for name in METRICS}}
        )
    return {
        "config": session.config(),
        "state": session.state(),
        "history": history,
        "model": session.model(),
        "truncated": truncated,
    }
