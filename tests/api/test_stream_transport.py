"""A client that floods, leaves or stops reading costs the server nothing afterwards.

Each test runs a real server process (the deployed command) and a client on a bare socket
that misbehaves on purpose. Every wait is for a condition under a generous deadline; no
outcome depends on how fast this machine is.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from raw_websocket import RawWebSocket
from server_process import ServerProcess, server_command

DEADLINE = 120.0  # for conditions that a working server meets within a second or two
MiB = 1 << 20
# An epoch of this session is 1600 updates at batch size 1.
HEAVY = {"dataset": "spiral", "n_samples": 2000, "train_ratio": 0.8, "batch_size": 1,
         "hidden_layers": [16, 16]}  # fmt: skip
# Frames as large as the server allows, as often: a client that does not read is soon behind.
FLOODING = {"type": "stream", "resolution": 256, "fps": 60, "speed": 1}


@contextmanager
def server(tmp_path: Path, *flags: str) -> Iterator[ServerProcess]:
    with ServerProcess(lambda port: server_command(port, *flags), tmp_path / "server.log") as s:
        yield s


def new_session(base_url: str, **config: object) -> str:
    response = httpx.post(f"{base_url}/api/sessions", json=config, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stream_path(session_id: str) -> str:
    return f"/api/sessions/{session_id}/stream"


def state(base_url: str, session_id: str) -> dict[str, object]:
    response = httpx.get(f"{base_url}/api/sessions/{session_id}", timeout=30)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()["state"]
    return result


def wait_for(condition: Callable[[], bool], what: str, seconds: float = DEADLINE) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


def stream_accepted(base_url: str, session_id: str) -> bool:
    """A new, well-behaved stream of the session gets its hello (not a 1013 close)."""
    with RawWebSocket(base_url, stream_path(session_id)) as ws:
        try:
            return ws.receive_json()["type"] == "hello"
        except EOFError:
            return False


def memory_kib(process: ServerProcess, field: str) -> int:
    """VmRSS (now) or VmHWM (the peak so far) of the server process."""
    assert process.process is not None
    for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field}")


def tcp_queues(client: RawWebSocket, server_port: int) -> tuple[int, int]:
    """(unsent, unread) bytes the kernel holds on the server's end of ``client``'s
    connection (/proc/net/tcp's tx_queue and rx_queue)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client.local_port
        ):
            unsent, unread = fields[4].split(":")
            return int(unsent, 16), int(unread, 16)
    return 0, 0


def server_send_queue(client: RawWebSocket, server_port: int) -> int:
    """Bytes the kernel holds unsent on the server's end of ``client``'s connection."""
    return tcp_queues(client, server_port)[0]


def wait_until_stuck(client: RawWebSocket, server_port: int) -> None:
    """Until the server's send queue to a client that reads nothing stops moving: the
    kernel's buffers on both ends are full and the server's own writes are held."""
    history: list[int] = []

    def stuck() -> bool:
        history.append(server_send_queue(client, server_port))
        last = history[-6:]
        return len(last) == 6 and last[0] > 0 and len(set(last)) == 1

    wait_for(stuck, "the server's sends to a client that does not read to back up")


def play_without_reading(client: RawWebSocket, server_port: int) -> None:
    """Play the largest frames as often as allowed, read none, until the server is stuck."""
    client.send_json(FLOODING)
    client.send_json({"type": "play"})
    wait_until_stuck(client, server_port)


def test_commands_stop_with_their_client_and_its_slot_is_free_at_once(tmp_path: Path) -> None:
    with server(tmp_path, "--max-streams-per-session", "1") as running:
        base = running.base_url
        session_id = new_session(base, **HEAVY)
        with RawWebSocket(base, stream_path(session_id)) as flood:
            assert flood.receive_json()["type"] == "hello"
            flood.send_texts([json.dumps({"type": "step", "unit": "epoch"})] * 20_000)
        # Gone: its slot is free (only one stream of this session is allowed) ...
        wait_for(lambda: stream_accepted(base, session_id), "a new stream of the session")
        # ... and nothing it asked for goes on (before, it trained on for half an hour).
        before = state(base, session_id)
        time.sleep(0.5)
        assert state(base, session_id)["iteration"] == before["iteration"]


def server_receive_queue(client: RawWebSocket, server_port: int) -> int:
    """Bytes the kernel holds unread on the server's end of ``client``'s connection."""
    return tcp_queues(client, server_port)[1]


def test_rejected_messages_leave_nothing_behind(tmp_path: Path) -> None:
    # This client reads nothing on purpose: the send timeout must not end it meanwhile.
    with server(tmp_path, "--stream-send-timeout-seconds", "3600") as running:
        base = running.base_url
        session_id = new_session(base)
        with RawWebSocket(base, stream_path(session_id), receive_buffer=4096) as client:
            # A client that reads nothing, so the server's replies cannot leave ...
            play_without_reading(client, running.port)
            baseline = memory_kib(running, "VmRSS")
            # ... sends forty 5 MB messages (over the 2,000,000-character limit) and ten long
            # ones that parse but are then refused (an unknown config field).
            too_long = "x" * (5 * MiB)
            invalid = json.dumps({"type": "update", "config": {"colour": "y" * (MiB + MiB // 2)}})
            for index in range(40):
                client.send_texts([too_long, invalid] if index % 4 == 0 else [too_long])
            wait_for(
                lambda: server_receive_queue(client, running.port) == 0,
                "the server to read everything sent",
            )
            peak = memory_kib(running, "VmHWM")
        grown = (peak - baseline) / 1024
        print(f"server memory peak: {grown:.0f} MiB over its baseline")
        assert grown < 150, f"grew {grown:.0f} MiB"


def test_a_client_that_does_not_read_is_let_go(tmp_path: Path) -> None:
    flags = ("--max-streams-per-session", "1", "--stream-send-timeout-seconds", "1")
    with server(tmp_path, *flags) as running:
        base = running.base_url
        session_id = new_session(base)
        with RawWebSocket(base, stream_path(session_id), receive_buffer=4096) as stuck:
            play_without_reading(stuck, running.port)
            # Its slot comes free while this client still holds its end open ...
            wait_for(lambda: stream_accepted(base, session_id), "the stuck stream's slot")
            # ... and its connection is ended: what it had not read, then the end.
            assert stuck.read_until_closed(DEADLINE) in ("eof", "reset", "close 1008")


def test_sigterm_ends_the_server_promptly_whatever_the_clients_do(tmp_path: Path) -> None:
    with server(tmp_path) as running:
        base = running.base_url
        session_id = new_session(base)
        with (
            RawWebSocket(base, stream_path(session_id), receive_buffer=4096) as first,
            RawWebSocket(base, stream_path(session_id), receive_buffer=4096) as second,
        ):
            for stuck in (first, second):
                stuck.send_json(FLOODING)
                stuck.send_json({"type": "play"})
            for stuck in (first, second):
                wait_until_stuck(stuck, running.port)
            assert running.process is not None
            started = time.monotonic()
            running.process.send_signal(signal.SIGTERM)
            running.process.wait(timeout=30)
            stopped_in = time.monotonic() - started
            print(f"SIGTERM to exit: {stopped_in:.2f} s")
            assert stopped_in < 5.0, f"took {stopped_in:.1f} s"
            assert running.process.returncode in (0, -signal.SIGTERM)  # as uvicorn ends


@pytest.mark.parametrize("unit", ["iteration", "epoch"])
def test_a_flood_of_steps_is_carried_out_or_refused_and_the_connection_answers(
    tmp_path: Path, unit: str
) -> None:
    with server(tmp_path) as running:
        base = running.base_url
        session_id = new_session(base, dataset="xor")
        with RawWebSocket(base, stream_path(session_id)) as client:
            assert client.receive_json()["type"] == "hello"
            steps = [json.dumps({"type": "step", "unit": unit})] * 5000
            client.send_texts([*steps, json.dumps({"type": "stream", "speed": 2})])
            # The stream reply comes once the steps before it were carried out or refused.
            refused = 0
            while (reply := client.receive_json())["type"] != "stream":
                if reply["type"] == "error":
                    assert "refused" in reply["message"], reply
                    refused += int(reply["message"].split(" ", 1)[0])
                else:
                    assert reply["type"] == "frame", reply
            assert reply["speed"] == 2
            trained = state(base, session_id)
            # Each step was either trained or counted in a refusal the client was told of.
            assert trained["iteration" if unit == "iteration" else "epoch"] == 5000 - refused
