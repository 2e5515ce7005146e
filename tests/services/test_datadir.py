"""One server per data directory: the claim, held by a real second process, and given up."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.services.datadir import (
    LOCK_FILE,
    DataDirInUse,
    DataDirUnusable,
    claim_data_dir,
    make_data_dir,
)

# Claims the folder argv[1], says its pid, then releases on "release" and exits on EOF.
HOLDER = """
import sys
from pathlib import Path
from app.services.datadir import claim_data_dir
claim = claim_data_dir(Path(sys.argv[1]), 1)
print("claimed", flush=True)
for line in sys.stdin:
    claim.release()
    print("released", flush=True)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A second process holding the claim on ``tmp_path / "data"``."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "data")],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        assert process.stdout.readline() == "claimed\n"
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def test_a_second_process_cannot_claim_a_held_folder(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    data = tmp_path / "data"
    with pytest.raises(DataDirInUse) as refused:
        claim_data_dir(data, 2)
    assert str(refused.value) == (
        f"{data} is served by another nn-playground process (pid {holder.pid}): one server per "
        "data directory. For more engine processes set NNP_WORKERS (now 2) instead of starting "
        "more servers (uvicorn --workers); or give this server its own NNP_DATA_DIR."
    )
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write("release\n")
    holder.stdin.flush()
    assert holder.stdout.readline() == "released\n"
    assert holder.poll() is None  # given up by release(), not by the holder's exit
    with claim_data_dir(data, 2) as claim:
        assert claim.held
        assert (data / LOCK_FILE).read_text() == f"{os.getpid()}\n"
    assert not claim.held


def test_a_killed_holder_leaves_no_stale_claim(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    assert (tmp_path / "data" / LOCK_FILE).read_text() == f"{holder.pid}\n"  # the pid stays
    claim_data_dir(tmp_path / "data", 1).release()


def test_a_claim_excludes_even_its_own_process_until_released(tmp_path: Path) -> None:
    claim = claim_data_dir(tmp_path, 3)
    with pytest.raises(DataDirInUse, match=re.escape(f"(pid {os.getpid()})")):
        claim_data_dir(tmp_path, 3)
    claim.release()
    claim.release()  # twice: nothing
    assert (tmp_path / LOCK_FILE).read_text() == ""
    claim_data_dir(tmp_path, 3).release()


def test_a_missing_folder_is_made(tmp_path: Path) -> None:
    with claim_data_dir(tmp_path / "a" / "b", 1) as claim:
        assert claim.lock_path == tmp_path / "a" / "b" / LOCK_FILE
        assert claim.lock_path.is_file()


def test_a_folder_that_cannot_be_made_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DataDirUnusable) as refused:
        claim_data_dir(blocker / "data", 1)
    assert str(refused.value) == (
        "NNP_DATA_DIR: expected a folder this server can create and write, "
        f"got {blocker / 'data'} (Not a directory)"
    )
    with pytest.raises(DataDirUnusable, match="^NNP_DATA_DIR: expected a folder"):
        make_data_dir(blocker)
