"""The console entry point really serves: `python -m app` on a free loopback port."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx


def test_python_m_app_serves_the_api_with_flag_settings(
    serve: Callable[[Callable[[int], list[str]]], AbstractContextManager[str]],
) -> None:
    def cli(port: int) -> list[str]:
        return [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", "--max-sessions", "1"]  # fmt: skip

    with serve(cli) as base:
        assert httpx.post(f"{base}/api/sessions", json={"n_samples": 20}).status_code == 201
        full = httpx.post(f"{base}/api/sessions", json={"n_samples": 20})
        assert full.status_code == 503  # --max-sessions 1 took effect
