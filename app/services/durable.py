"""The session store on disk: snapshots by session id, with the time each was last used.

Sessions outlive their process here: a worker writes a session's snapshot (``snapshots``)
while it trains and when it lets the session go, and reads it back when the session is asked
for again. ``SnapshotStore`` is the whole interface, small enough for another backend (Redis)
to follow; ``SqliteSnapshotStore`` keeps it in one SQLite file, ``data_dir / FILE_NAME``.

Several processes (one per engine worker) open the same file, each with its own connection:

- WAL journal: readers never wait for the writer, and a write is one append to the log,
  made visible by its commit record, so a process killed mid-write leaves the last
  committed row, never part of a new one;
- ``synchronous=NORMAL``: in WAL mode a commit survives the process dying (it is in the
  file); only a power cut may lose the last commits, and never tears one;
- a busy timeout: a writer waits its turn instead of failing with "database is locked".
  Every method is one statement, so one transaction that takes its write lock at once
  (a transaction that reads and then writes could not wait; none here does).

``used_at`` is wall-clock time (``time.time()``), comparable across processes and restarts.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from app.services.datadir import make_data_dir, unusable

FILE_NAME = "sessions.sqlite3"
# Longest a write waits for another's (a put of the largest default network takes ~0.5 ms)
BUSY_TIMEOUT_SECONDS = 30.0
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sessions ("
    " id TEXT PRIMARY KEY, snapshot BLOB NOT NULL, used_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sessions_used_at ON sessions (used_at)",
)


@runtime_checkable
class SnapshotStore(Protocol):
    """Session snapshots by id, each with the wall-clock time it was last used."""

    def put(self, session_id: str, snapshot: bytes, used_at: float) -> None:
        """Insert or replace, atomically: a reader sees the old snapshot or the new one."""

    def get(self, session_id: str) -> bytes | None:
        """The snapshot, or None if there is none."""

    def touch(self, session_id: str, used_at: float) -> None:
        """Set the last-used time (nothing if there is no such session)."""

    def delete(self, session_id: str) -> bool:
        """Forget the session; True if it was there."""

    def count(self) -> int:
        """How many sessions are kept."""

    def forget_unused(self, before: float) -> int:
        """Delete every session last used before ``before``; how many were."""

    def close(self) -> None:
        """Let go of the store (again: nothing)."""


class SqliteSnapshotStore:
    """``SnapshotStore`` in one SQLite file, shared by the processes of one server.

    One connection per instance; calls from several threads of a process take turns.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = open_database(path, SCHEMA)
        self._lock = threading.Lock()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> SqliteSnapshotStore:
        """The store of a data directory (``settings.data_dir``), made if missing."""
        return cls(data_dir / FILE_NAME)

    def put(self, session_id: str, snapshot: bytes, used_at: float) -> None:
        self._write(
            "INSERT INTO sessions (id, snapshot, used_at) VALUES (?, ?, ?) ON CONFLICT (id)"
            " DO UPDATE SET snapshot = excluded.snapshot, used_at = excluded.used_at",
            (session_id, snapshot, used_at),
        )

    def get(self, session_id: str) -> bytes | None:
        row = self._read("SELECT snapshot FROM sessions WHERE id = ?", (session_id,))
        return None if row is None else bytes(row[0])

    def touch(self, session_id: str, used_at: float) -> None:
        self._write("UPDATE sessions SET used_at = ? WHERE id = ?", (used_at, session_id))

    def delete(self, session_id: str) -> bool:
        return self._write("DELETE FROM sessions WHERE id = ?", (session_id,)) > 0

    def count(self) -> int:
        row = self._read("SELECT count(*) FROM sessions", ())
        return 0 if row is None else int(row[0])

    def forget_unused(self, before: float) -> int:
        return self._write("DELETE FROM sessions WHERE used_at < ?", (before,))

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()

    def _write(self, statement: str, parameters: tuple[object, ...]) -> int:
        """Run one statement (its own transaction); the rows it changed."""
        with self._lock:
            return int(self._open().execute(statement, parameters).rowcount)

    def _read(self, statement: str, parameters: tuple[object, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            row: tuple[Any, ...] | None = self._open().execute(statement, parameters).fetchone()
            return row

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError(f"{self.path}: the session store is closed")
        return self._connection


def open_database(
    path: Path,
    statements: Sequence[str],
    migrate: Callable[[sqlite3.Connection], None] | None = None,
) -> sqlite3.Connection:
    """A connection to the SQLite file ``path`` (its folder made if missing) in the WAL
    journal with ``synchronous=NORMAL`` and a busy timeout (see above), once ``statements``
    (the schema) and ``migrate`` have run on it; ``DataDirUnusable`` naming the file if it
    cannot be opened. ``isolation_level=None``: each statement is its own transaction unless
    the caller opens one (``BEGIN ... COMMIT``). Used by the room store too."""
    make_data_dir(path.parent)
    try:
        connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise sqlite3.OperationalError(f"expected the WAL journal, got {mode!r}")
            connection.execute("PRAGMA synchronous = NORMAL")
            for statement in statements:
                connection.execute(statement)
            if migrate is not None:
                migrate(connection)
        except BaseException:
            connection.close()
            raise
    except sqlite3.Error as error:
        raise unusable(path.parent, sqlite3.Error(f"{path.name}: {error}")) from error
    return connection
