"""A real server answers as its OpenAPI document says: schemathesis, every check, two runs.

Both runs read ``schemathesis.toml`` beside this file (which 422s the rules between fields
excuse) and add the check in ``schemathesis_hooks.py`` (that each such 422 is one). The
first runs the examples, coverage and fuzzing phases with a live session's id for every
``{session_id}`` (DELETE left out, so the session lives to the end); the second runs the
stateful phase, which creates sessions and follows the links it infers from the responses
to every other operation, DELETE included. Together about 25 s here.

By hand, against a running server:
``SCHEMATHESIS_HOOKS=tests/api/schemathesis_hooks.py schemathesis --config-file
tests/api/schemathesis.toml run URL/openapi.json --checks all``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from server_process import ServerProcess

pytest.importorskip("schemathesis")

CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
RUN_SECONDS = 240
# The same cases every run, so that a failure is the server's, reproducible, not the draw's.
SEED = 20261201
SCHEMATHESIS = [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()"]


def schemathesis_run(config: Path, base_url: str, *options: str, cwd: Path) -> None:
    """Run schemathesis with every check; fail with its report unless it found nothing."""
    command = [
        *SCHEMATHESIS, "--config-file", str(config), "--no-color",
        "run", f"{base_url}/openapi.json", "--checks", "all",
        "--generation-database", "none", "--seed", str(SEED), *options,
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=RUN_SECONDS, check=False
    )
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]


def new_session(base_url: str) -> str:
    request = urllib.request.Request(f"{base_url}/api/sessions", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        session_id: str = json.load(response)["id"]
    return session_id


@pytest.mark.timeout(2 * RUN_SECONDS + 60)
def test_the_server_keeps_to_its_openapi_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fuzzing creates a few hundred sessions; a full store's 503 is tested elsewhere.
    monkeypatch.setenv("NNP_MAX_SESSIONS", "100000")
    monkeypatch.setenv("SCHEMATHESIS_HOOKS", str(HOOKS))
    with ServerProcess(log=tmp_path / "server.log") as server:
        live = tmp_path / "live-session.toml"
        session_id = new_session(server.base_url)
        live.write_text(f'{CONFIG.read_text()}\n[parameters]\nsession_id = "{session_id}"\n')
        schemathesis_run(
            live, server.base_url, "--phases", "examples,coverage,fuzzing",
            "--exclude-method", "DELETE", cwd=tmp_path,
        )  # fmt: skip
        schemathesis_run(CONFIG, server.base_url, "--phases", "stateful", cwd=tmp_path)
