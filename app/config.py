"""Settings: one class, read from environment variables prefixed ``NNP_``.

Every limit the service enforces lives here, so an operator can tighten or loosen it with
``NNP_MAX_SESSIONS=50`` and the like, and tests can build an app with their own ``Settings``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]

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

    max_sessions: int = Field(default=200, ge=1, le=100_000)
    session_idle_seconds: float = Field(default=1800.0, gt=0, le=7 * 24 * 3600)
    expiry_interval_seconds: float = Field(default=60.0, gt=0, le=3600)

    max_hidden_layers: int = Field(default=8, ge=0, le=64)
    max_neurons: int = Field(default=32, ge=1, le=1024)
    max_samples: int = Field(default=2000, ge=4, le=100_000)
    max_custom_points: int = Field(default=2000, ge=1, le=100_000)
    max_resolution: int = Field(default=256, ge=2, le=1024)
    max_epochs_per_call: int = Field(default=1000, ge=1, le=1_000_000)
    max_iterations_per_call: int = Field(default=100_000, ge=1, le=100_000_000)
    max_predict_points: int = Field(default=10_000, ge=1, le=1_000_000)
    max_body_bytes: int = Field(default=2_000_000, ge=1024, le=100_000_000)

    max_fps: int = Field(default=60, ge=1, le=240)
    default_fps: int = Field(default=30, ge=1, le=240)

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
