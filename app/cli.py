"""``nn-playground``: serve the playground with uvicorn.

Every setting has a flag (``--max-sessions 50``) as well as its environment variable
(``NNP_MAX_SESSIONS=50``); a flag wins. Per-message deflate is off: frames are already
compact, and with it on one busy stream starves the others. WebSocket connections whose
client stops reading are cut rather than waited for (``app/api/ws_protocol.py``), and on
SIGTERM open connections get ``shutdown_grace_seconds`` to finish. The app's own log
messages are printed beside uvicorn's, session ids shortened (``app/log_config.py``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

import uvicorn
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.config import Settings, app_version
from app.log_config import log_config

VALUE_ERROR_PREFIX = "Value error, "


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nn-playground",
        description="Serve the neural-network playground (page, REST API and live stream).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            metavar=name.upper(),
            default=argparse.SUPPRESS,
            help=f"{field.description or ''} (env NNP_{name.upper()}; default {default})".strip(),
        )
    return parser


def parse_settings(argv: Sequence[str] | None = None) -> Settings:
    """Settings from the environment, overridden by the flags given."""
    parser = build_parser()
    flags = vars(parser.parse_args(argv))
    try:
        return Settings(**flags)
    except ValidationError as exc:
        parser.error("; ".join(flag_message(error) for error in exc.errors()))


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def flag_message(error: ErrorDetails) -> str:
    """``--max-fps: Input should be …``; an error between settings (``"default_fps: expected
    at most max_fps (10), got 30"``) names its flags the same way."""
    message = error["msg"].removeprefix(VALUE_ERROR_PREFIX)
    name = "-".join(str(part) for part in error["loc"])
    if not name:
        name, _, message = message.partition(": ")
    for setting in Settings.model_fields:
        message = re.sub(rf"\b{setting}\b", flag(setting), message)
    return f"{flag(name)}: {message}"


def main(argv: Sequence[str] | None = None) -> None:
    settings = parse_settings(argv)
    from app.api.ws_protocol import StreamProtocol
    from app.lessons import LessonFileError
    from app.services.datadir import DataDirInUse, DataDirUnusable, claim_data_dir
    from app.workers.pool import worker_count

    try:
        from app.main import create_app  # after parsing, so --help works with a broken env

        app = create_app(settings)
        # Said here in one line; the app's start-up claims the folder for good.
        claim_data_dir(settings.data_dir, worker_count(settings)).release()
    except (LessonFileError, DataDirInUse, DataDirUnusable) as error:  # say what, and stop
        raise SystemExit(f"nn-playground: {error}") from None
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level),
        ws=StreamProtocol,
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
