"""The session store on disk: its operations, several connections and processes at once, and a
writer killed mid-write that leaves no torn row."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.services.datadir import DataDirUnusable
from app.services.durable import FILE_NAME, SnapshotStore, SqliteSnapshotStore

# A blob that proves itself whole: the sha256 of the rest, an 8-byte sequence number, payload.
SEQUENCE_BYTES = 8
DIGEST_BYTES = 32


def unsealed(blob: bytes) -> int:
    """The blob's sequence number; AssertionError if it is not whole."""
    digest, body = blob[:DIGEST_BYTES], blob[DIGEST_BYTES:]
    assert hashlib.sha256(body).digest() == digest, "a torn or corrupted blob"
    return int.from_bytes(body[:SEQUENCE_BYTES], "big")


# The writing scripts seal each blob so: the sha256 of the rest, then the sequence number.
SEALED = """
import hashlib
def sealed(sequence, payload):
    body = sequence.to_bytes(8, "big") + payload
    return hashlib.sha256(body).digest() + body
"""

# argv: database path, id prefix, rows, payload bytes. Waits for a line on stdin so that two
# writers start together; writes its own rows and, every time, the shared row "shared".
WRITER = (
    SEALED
    + """
import sys, time
from pathlib import Path
from app.services.durable import SqliteSnapshotStore
path, prefix, rows, size = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = SqliteSnapshotStore(path)
sys.stdin.readline()
for row in range(rows):
    store.put(f"{prefix}-{row}", sealed(row, bytes([row % 256]) * size), time.time())
    store.put("shared", sealed(row, prefix.encode() * size), time.time())
    store.touch("shared", time.time())
    store.get(f"{prefix}-{row}")
    store.forget_unused(0.0)
store.close()
"""
)

# argv: database path, ids, payload bytes. Replaces the rows in turn with ever larger sequence
# numbers, printing "<id> <sequence>" once each put has returned, until it is killed.
ENDLESS_WRITER = (
    SEALED
    + """
import os, sys, time
from pathlib import Path
from app.services.durable import SqliteSnapshotStore
path, ids, size = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
store = SqliteSnapshotStore(path)
sequence = 0
while True:
    sequence += 1
    session_id = f"session-{sequence % ids}"
    store.put(session_id, sealed(sequence, os.urandom(size)), time.time())
    print(session_id, sequence, flush=True)
"""
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteSnapshotStore]:
    opened = SqliteSnapshotStore.in_data_dir(tmp_path / "data")
    yield opened
    opened.close()


def python(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_snapshot_goes_in_and_comes_back(store: SqliteSnapshotStore) -> None:
    assert isinstance(store, SnapshotStore)
    assert store.path == store.path.parent / FILE_NAME and store.path.is_file()
    assert store.get("a") is None and store.count() == 0
    store.put("a", b"\x00first\xff", 10.0)
    assert store.get("a") == b"\x00first\xff"
    assert store.count() == 1


def test_a_put_replaces_the_snapshot_and_its_time(store: SqliteSnapshotStore) -> None:
    store.put("a", b"old", 10.0)
    store.put("a", b"new", 30.0)
    assert store.get("a") == b"new" and store.count() == 1
    assert store.forget_unused(20.0) == 0  # the time was replaced too


def test_touch_moves_the_time_only(store: SqliteSnapshotStore) -> None:
    store.put("a", b"kept", 10.0)
    store.touch("a", 30.0)
    store.touch("missing", 30.0)  # nothing to touch: nothing happens
    assert store.count() == 1
    assert store.forget_unused(20.0) == 0
    assert store.get("a") == b"kept"
    assert store.forget_unused(31.0) == 1


def test_delete_says_whether_the_session_was_there(store: SqliteSnapshotStore) -> None:
    store.put("a", b"1", 1.0)
    store.put("b", b"2", 1.0)
    assert store.delete("a") is True
    assert store.delete("a") is False
    assert store.get("a") is None and store.get("b") == b"2" and store.count() == 1


def test_forget_unused_deletes_what_was_last_used_before(store: SqliteSnapshotStore) -> None:
    for used_at, session_id in enumerate("abcd"):
        store.put(session_id, session_id.encode(), float(used_at))
    assert store.forget_unused(2.0) == 2  # used at 0 and 1; the one used at 2.0 stays
    assert [store.get(session_id) for session_id in "abcd"] == [None, None, b"c", b"d"]
    assert store.forget_unused(2.0) == 0


def test_the_file_is_in_wal_mode_and_a_closed_store_says_so(store: SqliteSnapshotStore) -> None:
    with sqlite3.connect(store.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    store.close()
    store.close()
    with pytest.raises(RuntimeError, match="the session store is closed"):
        store.get("a")


def test_two_connections_see_each_others_writes(store: SqliteSnapshotStore) -> None:
    other = SqliteSnapshotStore(store.path)
    try:
        for row in range(50):
            (store if row % 2 else other).put(f"s{row}", bytes([row]) * 1000, float(row))
        assert store.count() == other.count() == 50
        assert all(other.get(f"s{row}") == bytes([row]) * 1000 for row in range(50))
        assert other.forget_unused(25.0) == 25
        assert store.count() == 25
    finally:
        other.close()


def test_two_processes_writing_at_once_never_find_the_file_locked(tmp_path: Path) -> None:
    path, rows, size = tmp_path / FILE_NAME, 150, 20_000
    SqliteSnapshotStore(path).close()  # made once, as the front process does
    writers = [python(WRITER, path, prefix, rows, size) for prefix in ("x", "y")]
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors[-2000:]
    store = SqliteSnapshotStore(path)
    try:
        assert store.count() == 2 * rows + 1
        for prefix in ("x", "y"):
            for row in range(rows):
                blob = store.get(f"{prefix}-{row}")
                assert blob is not None and unsealed(blob) == row
                assert blob.endswith(bytes([row % 256]) * size)
        shared = store.get("shared")
        assert shared is not None and unsealed(shared) == rows - 1  # one of the two last puts
    finally:
        store.close()


@pytest.mark.parametrize("round_", range(3))
def test_a_writer_killed_mid_write_leaves_no_torn_row(tmp_path: Path, round_: int) -> None:
    path, ids = tmp_path / FILE_NAME, 6
    writer = python(ENDLESS_WRITER, path, ids, 2_000_000 + 300_000 * round_)
    assert writer.stdout is not None
    acknowledged: dict[str, int] = {}
    try:
        for _ in range(15 + 7 * round_):
            session_id, sequence = writer.stdout.readline().split()
            acknowledged[session_id] = int(sequence)
        time.sleep(0.003 * round_)  # land somewhere else inside the next put
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = SqliteSnapshotStore(path)
    try:
        assert store.count() == ids
        for session_id in (f"session-{n}" for n in range(ids)):
            blob = store.get(session_id)
            assert blob is not None
            # whole, and no older than the last put that returned
            assert unsealed(blob) >= acknowledged[session_id]
    finally:
        store.close()


def test_a_folder_that_cannot_hold_the_store_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DataDirUnusable, match="^NNP_DATA_DIR: expected a folder"):
        SqliteSnapshotStore.in_data_dir(tmp_path / "file")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / FILE_NAME).write_bytes(b"this is no database, it only says so" * 100)
    with pytest.raises(DataDirUnusable, match=f"{FILE_NAME}: file is not a database"):
        SqliteSnapshotStore.in_data_dir(tmp_path / "data")
