"""Settings: one class, read from environment variables prefixed ``NNP_``.

Every limit the service enforces lives here, so an operator can tighten or loosen it with
``NNP_MAX_SESSIONS=50`` and the like, and tests can build an app with their own ``Settings``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]
DEFAULT_FPS = 30
# About 1.6 s of training here for the largest default network (8 x 32 units, batch 2000);
# the default 2-4-2-1 network needs 6e6 for 1000 epochs of its 250 training points.
DEFAULT_WORK_PER_CALL = 1_000_000_000

# Host names a server on this machine answers to whatever it is bound to; the bound host is
# added (app/api/security.py), so `--host 0.0.0.0` behind a proxy lists its public name.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# A list setting from the environment or a flag: "a,b" (or a JSON list, or a list in code).
CommaList = Annotated[list[str], NoDecode]


def default_data_dir() -> Path:
    """Where sessions are kept when NNP_DATA_DIR is unset: the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "nn-playground"


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# The directory holding ``app/``, ``static/`` and ``templates/`` in a checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Server options and limits; each field can be set as ``NNP_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="NNP_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: LogLevel = "info"
    web_root: Path = Field(
        default=PROJECT_ROOT, description="Directory holding static/ and templates/ for the page."
    )

    allowed_hosts: CommaList = Field(
        default=list(LOCAL_HOSTS),
        description="Host header values answered (the bound --host is added); '*' any, "
        "'*.example.org' a domain's names. Anything else gets 400.",
    )
    allowed_origins: CommaList = Field(
        default=[],
        description="Web page origins (https://name:port) that may open the live stream, "
        "besides the server's own.",
    )
    frame_ancestors: str = Field(
        default="'self'",
        description="Pages that may show the playground in a frame (CSP frame-ancestors).",
    )

    lessons_dir: Path | None = Field(
        default=None,
        description="A folder of lesson files (*.toml, see docs/lessons.md), added to the "
        "built-in lessons; a file named like a built-in one replaces it.",
    )

    workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Engine worker processes that own and train the sessions "
        "(0: one per CPU this process may use). Run one server per data directory.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder of the session store (SQLite); sessions survive a restart.",
    )
    snapshot_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="While a session trains, its snapshot is written at least this often.",
    )
    slice_seconds: float = Field(
        default=0.005,
        gt=0,
        le=1.0,
        description="Longest piece of work a worker does for one session before the next "
        "session's turn.",
    )
    max_call_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Longest a REST call may train; then it answers with what it did (truncated).",
    )
    max_memory_mb: int = Field(
        default=2048,
        ge=16,
        le=1_000_000,
        description="Memory the sessions held by the workers may take, in MiB; idle sessions "
        "go to the store first, then new ones get 503.",
    )
    session_rate: float = Field(
        default=2.0,
        gt=0,
        le=10_000,
        description="Sessions one client address may create per second, once its burst is spent.",
    )
    session_burst: int = Field(
        default=150,
        ge=1,
        le=100_000,
        description="Sessions one client address may create at once (a class behind one NAT).",
    )

    max_sessions: int = Field(
        default=5000,
        ge=1,
        le=1_000_000,
        description="Sessions kept, in memory and in the store together.",
    )
    session_idle_seconds: float = Field(
        default=1800.0,
        gt=0,
        le=7 * 24 * 3600,
        description="A session unused this long, with no stream, leaves memory for the store.",
    )
    session_retention_seconds: float = Field(
        default=14 * 24 * 3600.0,
        gt=0,
        le=366 * 24 * 3600,
        description="A session unused this long is deleted from the store.",
    )
    expiry_interval_seconds: float = Field(default=60.0, gt=0, le=3600)

    # The upper bounds (le=…) below are the absolute caps in app/schemas.py.
    max_hidden_layers: int = Field(default=8, ge=0, le=64)
    max_neurons: int = Field(default=32, ge=1, le=1024)
    max_samples: int = Field(default=2000, ge=4, le=100_000)
    max_custom_points: int = Field(default=2000, ge=1, le=100_000)
    max_learning_rate: float = Field(default=10.0, gt=0, le=100.0)
    max_regularization_rate: float = Field(default=10.0, gt=0, le=100.0)
    max_resolution: int = Field(
        default=256, ge=2, le=1024, description="Cells per side of a boundary or stream grid."
    )
    max_epochs_per_call: int = Field(default=1000, ge=1, le=1_000_000)
    max_iterations_per_call: int = Field(default=100_000, ge=1, le=100_000_000)
    max_work_per_call: int = Field(
        default=DEFAULT_WORK_PER_CALL,
        ge=1,
        le=10**15,
        description="Training work one call may ask for, in multiply-adds: "
        "iterations x examples per batch x network parameters.",
    )
    max_predict_points: int = Field(default=10_000, ge=1, le=1_000_000)
    max_body_bytes: int = Field(default=2_000_000, ge=1024, le=100_000_000)

    max_fps: int = Field(default=60, ge=1, le=240)
    default_fps: int = Field(
        default=DEFAULT_FPS, ge=1, le=240, description="At most max_fps; lowered to it if unset."
    )
    max_speed: int = Field(
        default=1000, ge=1, le=1_000_000, description="Most iterations a stream trains per frame."
    )
    max_epochs_per_frame: int = Field(
        default=100, ge=1, le=100_000, description="Most epochs a stream trains per frame."
    )
    max_edited_parameter: float = Field(
        default=1000.0,
        gt=0,
        le=1e6,
        description="Largest |value| a stream may give a weight or bias.",
    )
    max_streams: int = Field(
        default=256, ge=1, le=100_000, description="Open streams, server-wide."
    )
    max_streams_per_session: int = Field(default=4, ge=1, le=1000)
    stream_send_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="A stream whose client has not taken a message for this long is closed.",
    )
    shutdown_grace_seconds: int = Field(
        default=3,
        ge=1,
        le=3600,
        description="On SIGTERM, how long open connections may take to finish before they are cut.",
    )

    # Classrooms (app/rooms): a teacher's room, the students who joined it by its code.
    max_rooms: int = Field(
        default=1000, ge=1, le=1_000_000, description="Rooms kept by the server at once."
    )
    max_students_per_room: int = Field(
        default=100, ge=1, le=10_000, description="Students who may join one room."
    )
    max_name_length: int = Field(
        default=40, ge=1, le=100, description="Most characters of a student's display name."
    )
    room_idle_seconds: float = Field(
        default=7 * 24 * 3600.0,
        gt=0,
        le=366 * 24 * 3600,
        description="A room unused this long (no join, board or preset) is deleted with its "
        "list of students; their sessions follow session_retention_seconds.",
    )
    room_rate: float = Field(
        default=0.1,
        gt=0,
        le=10_000,
        description="Rooms one client address may create per second, once its burst is spent.",
    )
    room_burst: int = Field(
        default=20, ge=1, le=100_000, description="Rooms one client address may create at once."
    )
    board_updates_per_second: float = Field(
        default=4.0,
        ge=0.2,
        le=20,
        description="Board documents sent a second to a teacher's board.",
    )

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text == "[]" or text.startswith('["'):  # JSON; "[::1]" is a host
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]

    @model_validator(mode="before")
    @classmethod
    def _default_fps_follows_max(cls, data: Any) -> Any:
        """With default_fps unset, it is lowered to max_fps: NNP_MAX_FPS=10 alone is valid."""
        if not isinstance(data, dict) or data.get("default_fps") is not None:
            return data
        try:
            most = int(data["max_fps"])
        except (KeyError, TypeError, ValueError):
            return data  # max_fps unset, or invalid: its own validation reports it
        return {**data, "default_fps": max(1, min(DEFAULT_FPS, most))}

    @model_validator(mode="after")
    def _default_fps_within_max(self) -> Settings:
        if self.default_fps > self.max_fps:
            raise ValueError(
                f"default_fps: expected at most max_fps ({self.max_fps}), got {self.default_fps}"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


@lru_cache
def app_version() -> str:
    """The installed package's version (``0+unknown`` when run from an uninstalled tree)."""
    try:
        return metadata.version("nn-playground")
    except metadata.PackageNotFoundError:
        return "0+unknown"
