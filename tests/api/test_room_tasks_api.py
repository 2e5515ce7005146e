"""The teacher's task reaching the students through a real server (engine worker processes):
a preset pushed while their streams are open is told on each stream, playing or paused.
Frames are read until the message wanted is seen, under a generous deadline; nothing is
timed."""

from __future__ import annotations

import httpx
from server_process import ServerProcess
from test_room_rules_api import bearer, join, new_room, playing, server, stream, until

__all__ = ["server"]  # the fixture, shared with the rules' test


def is_preset(message: dict[str, object]) -> bool:
    return message.get("type") == "preset"


def test_a_preset_is_told_on_every_open_stream_of_the_class(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        room = new_room(http)
        sessions = [join(http, room["code"], name) for name in ("민준", "Sara")]
        streams = [stream(server.base_url, session_id) for session_id in sessions]
        try:
            streams[0].send_json({"type": "play"})
            until(streams[0], playing(True))
            path, key = f"/api/rooms/{room['code']}/preset", bearer(room["teacher_key"])

            assert http.put(path, json={"lesson": "xor"}, headers=key).json()["changed"] == 2
            for ws, session_id, other in zip(streams, sessions, sessions[::-1], strict=True):
                told = until(ws, is_preset)
                assert told["id"] == session_id and other not in str(told)
                assert told["lesson"]["id"] == "xor"
                assert told["config"]["dataset"] == "xor_gate"  # the lesson's preset
                assert room["teacher_key"] not in str(told)
            # The one playing plays on, on the lesson; the paused one stays paused.
            assert until(streams[0], playing(True))["layer_sizes"][1:] == [1]
            streams[1].send_json({"type": "frame"})
            assert until(streams[1], lambda m: m.get("type") == "frame")["playing"] is False

            config = {"dataset": "circles", "hidden_layers": [5], "learning_rate": 0.1}
            assert http.put(path, json={"config": config}, headers=key).json()["changed"] == 2
            for ws in streams:
                told = until(ws, is_preset)
                assert told["lesson"] is None and told["config"]["hidden_layers"] == [5]
                assert (told["config"]["dataset"], told["config"]["learning_rate"]) == (
                    "circles",
                    0.1,
                )
        finally:
            for ws in streams:
                ws.close()

        # A student's own change is answered as ever: no preset message for it.
        with stream(server.base_url, sessions[1]) as ws:
            ws.send_json({"type": "update", "config": {"activation": "relu"}})
            assert until(ws, lambda m: m.get("type") in ("config", "preset"))["type"] == "config"
