"""One server per data directory: the front process claims the folder before it serves.

The engine workers of one server share the session store in ``data_dir``, and nothing else may
write it: a second server (``uvicorn --workers 2``, or a second ``nn-playground`` on the same
folder) would own the same sessions twice. So the front process takes an exclusive, non-blocking
``flock`` on ``data_dir / "server.lock"`` and writes its pid there for the next one to read.
The kernel drops the lock when the process ends, however it ends (kill -9 included), so a
crashed server never leaves a stale claim behind, unlike a pid file on its own.

A ``flock`` belongs to the open file, which a ``fork`` shares: children forked while the claim
is held hold it too, until they exit or the claim is released. Start engine workers with the
``spawn`` or ``forkserver`` method, or fork them on purpose to keep the folder claimed.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

LOCK_FILE = "server.lock"
MAX_PID_BYTES = 32


class DataDirInUse(RuntimeError):
    """Another process serves this data directory."""


class DataDirUnusable(RuntimeError):
    """The data directory cannot be created, or a file in it cannot be opened or written."""


def unusable(path: Path, error: Exception) -> DataDirUnusable:
    """The error for a data directory ``path`` that failed with ``error``."""
    reason = getattr(error, "strerror", None) or str(error)
    return DataDirUnusable(
        f"NNP_DATA_DIR: expected a folder this server can create and write, got {path} ({reason})"
    )


def make_data_dir(path: Path) -> Path:
    """``path``, made with its parents if missing; ``DataDirUnusable`` if it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unusable(path, error) from error
    return path


class DataDirClaim:
    """A held claim on a data directory; ``release()`` (or leaving ``with``) gives it up."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self.lock_path = path / LOCK_FILE
        self._descriptor: int | None = descriptor

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def release(self) -> None:
        """Give up the claim (again: nothing); the file stays, emptied of the pid."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        try:
            os.ftruncate(descriptor, 0)  # while still held: no one reads a stale pid
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)

    def __enter__(self) -> DataDirClaim:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def claim_data_dir(path: Path, workers: int) -> DataDirClaim:
    """Claim ``path`` (made if missing) for this process until ``release()``.

    ``workers`` is the number of engine processes this server runs, for the message of
    ``DataDirInUse``, raised when another process holds the claim. ``DataDirUnusable`` if the
    folder or its lock file cannot be made or locked.
    """
    make_data_dir(path)
    try:
        # not truncated on open: the file holds the pid of whoever has the lock now
        descriptor = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise unusable(path, error) from error
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(descriptor)
        os.close(descriptor)
        raise DataDirInUse(
            f"{path} is served by another nn-playground process (pid {holder}): one server per "
            f"data directory. For more engine processes set NNP_WORKERS (now {workers}) instead "
            "of starting more servers (uvicorn --workers); or give this server its own "
            "NNP_DATA_DIR."
        ) from None
    except OSError as error:  # a file system without locks (ENOLCK)
        os.close(descriptor)
        raise unusable(path, error) from error
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
    return DataDirClaim(path, descriptor)


def _holder(descriptor: int) -> str:
    """The holder's pid as it wrote it; "unknown" in the instant before it has."""
    text = os.pread(descriptor, MAX_PID_BYTES, 0).decode("ascii", "replace").strip()
    return text if text.isdigit() else "unknown"
