"""Fixtures shared by every test directory: a real server process on loopback."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from server_process import ServerProcess, server_command


@contextlib.contextmanager
def running_server(command_for_port: Callable[[int], list[str]]) -> Iterator[str]:
    """Start a server process on a free loopback port; yield its base URL; stop it."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        ServerProcess(command_for_port, Path(tmp) / "server.log") as server,
    ):
        yield server.base_url


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every app a test builds keeps its sessions in a folder of the test's own."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("NNP_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real server process on a free 127.0.0.1 port; yields its base URL."""
    with running_server(server_command) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def serve() -> Callable[[Callable[[int], list[str]]], contextlib.AbstractContextManager[str]]:
    """``with serve(lambda port: [...command...]) as base_url:`` for a server of one's own."""
    return running_server
