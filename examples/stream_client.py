"""Watch a session train live: create it over REST, play it over the stream, print each frame.

    python examples/stream_client.py --url http://127.0.0.1:8000 --frames 20 --dataset spiral

Needs only the standard library and `websockets` (installed with uvicorn[standard]).
The protocol is in docs/protocol.md.
"""

from __future__ import annotations

import argparse
import json
import urllib.request
from typing import Any

from websockets.sync.client import connect


def create_session(base_url: str, config: dict[str, Any]) -> str:
    request = urllib.request.Request(
        f"{base_url}/api/sessions",
        data=json.dumps(config).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        session_id: str = json.load(response)["id"]
        return session_id


def format_loss(value: float | None) -> str:
    return "  -   " if value is None else f"{value:.4f}"


def watch(base_url: str, session_id: str, frames: int, fps: int, speed: int) -> None:
    url = base_url.replace("http", "ws", 1) + f"/api/sessions/{session_id}/stream"
    with connect(url, proxy=None, compression=None) as ws:
        hello = json.loads(ws.recv(timeout=10))
        print(f"session {hello['id'][:8]}… dataset {hello['config']['dataset']}")
        ws.send(json.dumps({"type": "stream", "fps": fps, "speed": speed}))
        ws.send(json.dumps({"type": "play"}))
        received = 0
        while received < frames:
            message = json.loads(ws.recv(timeout=10))
            if message["type"] == "error":
                raise SystemExit(f"server error: {message['message']}")
            if message["type"] != "frame":
                continue
            grids = ws.recv(timeout=10)  # the binary message that always follows a frame
            state = message["state"]
            print(
                f"frame {message['seq']:4d}  epoch {state['epoch']:4d}  "
                f"iteration {state['iteration']:6d}  "
                f"train loss {format_loss(state['train_loss'])}  "
                f"test loss {format_loss(state['test_loss'])}  bytes {len(grids)}"
            )
            received += 1
            if state["status"] == "diverged":
                print(f"diverged at epoch/iteration {state['diverged_at']}")
                break
        ws.send(json.dumps({"type": "pause"}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL")
    parser.add_argument("--frames", type=int, default=20, help="stop after this many frames")
    parser.add_argument("--dataset", default="circles")
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument("--speed", type=int, default=5, help="iterations per frame")
    args = parser.parse_args()
    base_url = args.url.rstrip("/")
    session_id = create_session(base_url, {"dataset": args.dataset, "hidden_layers": [6, 4]})
    watch(base_url, session_id, args.frames, args.fps, args.speed)


if __name__ == "__main__":
    main()
