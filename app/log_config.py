"""The server's logging: uvicorn's own set-up, plus the app's loggers, session ids shortened.

A session id is the only key to a session, so logs, which more people read than should
drive a session, carry its first 8 characters: enough to tell sessions apart. uvicorn's
access log prints each request's path (``/api/sessions/{id}/train``), hence a filter on
every handler rather than care at each call.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOG_LEVELS, LOGGING_CONFIG

# A session id is 32 URL-safe characters (secrets.token_urlsafe(24), app/services/session.py).
SESSION_ID = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z0-9_-]{8})[A-Za-z0-9_-]{24}(?![A-Za-z0-9_-])")
SHOWN = r"\1…"


def shorten_session_ids(text: str) -> str:
    return SESSION_ID.sub(SHOWN, text)


class ShortSessionIds(logging.Filter):
    """Shortens every session id in a record's message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = shorten_session_ids(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                shorten_session_ids(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging config, with the ``app`` loggers printed at ``level`` beside its own
    (without this, Python shows only their warnings) and every handler filtered."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"short_session_ids": {"()": ShortSessionIds}}
    for handler in config["handlers"].values():
        handler["filters"] = ["short_session_ids"]
    config["loggers"]["app"] = {
        "handlers": ["default"],
        "level": LOG_LEVELS[level],
        "propagate": False,
    }
    return config
