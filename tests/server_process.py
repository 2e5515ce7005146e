"""A real server process on loopback: start it, wait for /api/health, stop it.

Used by the test fixtures (a shared server, servers of a test's own, one to stop and start
again) and by bench/bench_stream.py, which puts this folder on ``sys.path``. Stdlib only.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0
TEST_SESSION_BURST = 100_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_command(port: int, *flags: str) -> list[str]:
    """The server as deployed (the ``nn-playground`` command), with settings as flags.

    One test run opens the page hundreds of times from one address, far more sessions than
    a class creates: the creation limit's burst is raised (its own tests set theirs).
    """
    return [
        sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--session-burst", str(TEST_SESSION_BURST), *flags,
    ]  # fmt: skip


def is_healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/api/health", timeout=1.0) as response:
            return int(response.status) == 200
    except OSError:  # refused, reset, timed out, or an HTTP error status
        return False


class ServerProcess:
    """One server command on a fixed free 127.0.0.1 port, to start, stop and start again.

    ``command_for_port`` builds the command line for the port; the process's output goes to
    ``log`` (appended, so restarts keep the earlier output) or, without one, to ours. The
    server keeps its sessions in ``data_dir`` (``NNP_DATA_DIR``; a new temporary folder when
    not given), the same one across restarts.
    """

    def __init__(
        self,
        command_for_port: Callable[[int], list[str]] = server_command,
        log: Path | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="nn-playground-data-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.command = command_for_port(self.port)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    # A process group of its own, for a subclass that stops the whole tree below it.
    own_session = False

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1", "NNP_DATA_DIR": str(self.data_dir)}

    def start(self) -> None:
        """Start the process and return once /api/health answers 200."""
        with contextlib.ExitStack() as stack:
            log_file = None if self.log is None else stack.enter_context(self.log.open("ab"))
            self.process = subprocess.Popen(
                self.command, cwd=PROJECT_ROOT, env=self.environment(), stdout=log_file,
                stderr=None if log_file is None else subprocess.STDOUT,
                start_new_session=self.own_session,
            )  # fmt: skip
        try:
            self._wait_until_healthy(self.process)
        except BaseException:
            self.stop()
            raise

    def _wait_until_healthy(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{self._output()}")
            if is_healthy(self.base_url):
                return
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy after {STARTUP_SECONDS} s:\n{self._output()}")

    def _output(self) -> str:
        return self.log.read_text() if self.log is not None else "(output above)"

    def stop(self) -> None:
        """Terminate the process (kill it if it lingers); a no-op when it is not running."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)
        self.process = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
