"""Sessions outlive their server: a crash, a graceful stop, and a second server refused.

Each test runs the deployed command as a real process on a data directory of its own, stops
or kills it, and starts it again on the same directory. A session comes back as its last
snapshot left it, and training on from there is bit for bit the training it would have had:
the same weights and state as a fresh session of the same config (same seed) trained
straight to the same count through REST.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server_process import ServerProcess, free_port, server_command
from server_tree import (
    DEADLINE,
    HTTP,
    create,
    frame_where,
    group_members,
    in_own_group,
    kill_group,
    model_and_state,
    stored_iteration,
    stream,
    wait_for,
)

from app.services.datadir import claim_data_dir

# Three runs unlike each other: optimizers with state (momentum's velocity, Adam's moments
# and step count) and an L2 penalty, so that a restore must bring all of it back.
CONFIGS: tuple[dict[str, Any], ...] = (
    {"dataset": "xor", "seed": 11, "optimizer": "adam", "learning_rate": 0.01},
    {"dataset": "circles", "seed": 12, "optimizer": "momentum", "hidden_layers": [5, 3]},
    {"dataset": "spiral", "seed": 13, "regularization": "l2", "batch_size": 7},
)
# Small frames, often: the stream trains 4 iterations a frame.
PLAY_FAST = {"type": "stream", "fps": 30, "speed": 4, "resolution": 10, "thumbnail_resolution": 8}


def played_past(iteration: int) -> Callable[[dict[str, Any]], bool]:
    """A frame header's test: playing, and trained past ``iteration``."""
    return lambda header: header["playing"] and header["state"]["iteration"] > iteration


def train(base_url: str, session_id: str, **amount: int) -> dict[str, Any]:
    response = HTTP.post(f"{base_url}/api/sessions/{session_id}/train", json=amount)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body["truncated"], body
    return body


def trained_straight(base_url: str, config: dict[str, Any], **amount: int) -> tuple[Any, Any]:
    """A fresh session of ``config`` trained in one REST call: its weights and state."""
    fresh = create(base_url, **config)["id"]
    train(base_url, fresh, **amount)
    return model_and_state(base_url, fresh)


def test_kill_9_while_playing_brings_each_session_back_as_its_last_snapshot(
    tmp_path: Path,
) -> None:
    """Three sessions play on a server of two workers, snapshots every 0.2 s. Each is paused once (a
    pause writes its snapshot: a known lower bound) and played on; once the store holds a
    later snapshot of each, every process of the server is killed with SIGKILL at once.
    Restarted on the same data directory, each session is back exactly as its last
    snapshot holds it, at or past the pause, with the weights of straight REST training."""

    def command(port: int) -> list[str]:
        return server_command(port, "--workers", "2", "--snapshot-seconds", "0.2")

    data_dir = tmp_path / "data"
    with ServerProcess(in_own_group(command), tmp_path / "server.log", data_dir) as server:
        base = server.base_url
        sessions = [create(base, **config)["id"] for config in CONFIGS]
        streams = [stream(base, session_id) for session_id in sessions]
        for ws in streams:
            ws.send_json(PLAY_FAST)
            ws.send_json({"type": "play"})
        for ws in streams:
            frame_where(ws, played_past(40))
            ws.send_json({"type": "pause"})
        paused_at = []
        for session_id, ws in zip(sessions, streams, strict=True):
            paused = frame_where(ws, lambda header: not header["playing"])["state"]["iteration"]
            assert stored_iteration(data_dir, session_id) == paused  # the pause wrote it
            paused_at.append(paused)
            ws.send_json({"type": "play"})
        for session_id, ws, paused in zip(sessions, streams, paused_at, strict=True):
            frame_where(ws, played_past(paused + 40))

            def saved_since_the_pause(session_id: str = session_id, at: int = paused) -> bool:
                return stored_iteration(data_dir, session_id) > at

            wait_for(saved_since_the_pause, "a snapshot written while playing")

        kill_group(server)  # still playing
        for ws in streams:
            assert ws.read_until_closed(DEADLINE) in ("eof", "reset")
            ws.close()
        last_snapshot = [stored_iteration(data_dir, session_id) for session_id in sessions]

        server.start()
        for session_id, config, paused, stored in zip(
            sessions, CONFIGS, paused_at, last_snapshot, strict=True
        ):
            weights, state = model_and_state(base, session_id)
            assert state["iteration"] == stored > paused
            assert (weights, state) == trained_straight(base, config, iterations=stored)


def test_sigterm_loses_nothing_and_training_goes_on_bit_for_bit(tmp_path: Path) -> None:
    """Training is a function of the config and the count alone. One session trains 5
    epochs by REST, another plays by epochs on a stream; no snapshot is due on a timer
    (every hour), so the player's epochs are only in memory. SIGTERM: the stream closes
    with 1012 and the server writes every session before it exits. Restarted, each is where
    it was, and 5 more epochs equal the same total trained straight. A second server on
    the directory meanwhile is refused."""

    def command(port: int) -> list[str]:
        return server_command(port, "--workers", "2", "--snapshot-seconds", "3600")

    data_dir = tmp_path / "data"
    rest_config, stream_config = CONFIGS[0], CONFIGS[2]
    with ServerProcess(command, tmp_path / "server.log", data_dir) as server:
        base = server.base_url
        # The yardstick: one config (one seed) trained the same amount, in one call or in
        # uneven pieces, ends bit for bit the same.
        in_pieces = create(base, **rest_config)["id"]
        for iterations in (1, 12, 50, 3):
            train(base, in_pieces, iterations=iterations)
        assert model_and_state(base, in_pieces) == trained_straight(
            base, rest_config, iterations=66
        )

        by_rest = create(base, **rest_config)["id"]
        train(base, by_rest, epochs=5)
        before_stop = model_and_state(base, by_rest)

        by_stream = create(base, **stream_config)["id"]
        ws = stream(base, by_stream)
        ws.send_json({**PLAY_FAST, "speed": 1, "speed_unit": "epoch"})
        ws.send_json({"type": "play"})
        seen = frame_where(ws, lambda header: header["state"]["epoch"] >= 5)["state"]
        assert stored_iteration(data_dir, by_stream) == 0  # only the shutdown can write it

        assert server.process is not None
        server.process.terminate()  # SIGTERM, while the stream plays
        assert ws.read_until_closed(DEADLINE) == "close 1012"
        ws.close()  # now, rather than make the server wait for it
        server.stop()  # waits for it to exit

        server.start()
        assert model_and_state(base, by_rest) == before_stop
        train(base, by_rest, epochs=5)
        assert model_and_state(base, by_rest) == trained_straight(base, rest_config, epochs=10)

        _, restored = model_and_state(base, by_stream)
        assert restored["iteration"] >= seen["iteration"]  # the player's epochs were kept
        assert restored["iteration"] == stored_iteration(data_dir, by_stream)
        train(base, by_stream, epochs=5)
        total = restored["epoch"] + 5  # "5 epochs" ends at an epoch's end
        assert model_and_state(base, by_stream) == trained_straight(
            base, stream_config, epochs=total
        )

        # The restarted server holds the directory again: a second one on it stops at once,
        # naming NNP_WORKERS, and the first goes on.
        refused = second_server(data_dir, server_command(free_port()))
        assert refused.returncode != 0, refused.stdout
        assert "NNP_WORKERS" in refused.stdout
        assert "one server per data directory" in refused.stdout
        assert HTTP.get(f"{base}/api/sessions/{by_rest}").status_code == 200


def second_server(data_dir: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``command`` on ``data_dir`` (one engine worker) until it exits by itself."""
    return subprocess.run(
        command,
        env=environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=DEADLINE,
    )


def environment(data_dir: Path) -> dict[str, str]:
    """Ours, with the data directory and one engine worker (all these servers need)."""
    return {
        **os.environ,
        "NNP_DATA_DIR": str(data_dir),
        "NNP_WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
    }


def test_uvicorn_workers_2_on_one_data_dir_stops_whole(tmp_path: Path) -> None:
    """``uvicorn app.main:app --workers 2``: two app processes on one data directory. The
    one that finds the directory claimed fails its startup naming NNP_WORKERS, and uvicorn's
    supervisor (0.50 and later) then stops the other and itself: the whole server ends,
    with no process left and the directory free, rather than serving the same sessions
    twice or starting the refused process again and again."""
    data_dir = tmp_path / "data"
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "app.main:app", "--workers", "2",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    process = subprocess.Popen(
        ["setsid", *command],
        env=environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:  # it did not stop: end it, children and all
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise AssertionError(f"uvicorn --workers 2 kept running:\n{output}") from None
    assert "NNP_WORKERS" in output, output
    assert output.count("served by another nn-playground process") == 1, output  # no retry
    wait_for(lambda: not group_members(process.pid), "every process of uvicorn to end")
    with claim_data_dir(data_dir, 1):
        pass  # free again
