"""The teacher's task reaching the students through a real server (engine worker processes):
a preset pushed while their streams are open is told on each stream, playing or paused.
Frames are read until the message wanted is seen, under a generous deadline; nothing is
timed."""

from __future__ import annotations

import httpx
from server_process import ServerProcess
from test_room_rules_api import bearer, join, new_room, playing, server, set_rules, stream, until

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


def test_the_rules_refuse_a_lesson_restart_and_an_inspected_step_by_name(
    server: ServerProcess,
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        room, teacher_s = new_room(http), {"lesson": "xor", "config": {"learning_rate": 0.3}}
        key = bearer(room["teacher_key"])  # the teacher's lesson, over its learning rate 0.1
        assert http.put(f"/api/rooms/{room['code']}/preset", json=teacher_s, headers=key).is_success
        session_id = join(http, room["code"], "민준")
        restart = f"/api/sessions/{session_id}/lesson/restart"

        set_rules(http, room, locked=["learning_rate"])
        refused = http.post(restart)
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"].startswith(
            "learning_rate: your teacher locked learning_rate for this class"
        )
        assert "expected it to stay 0.3, got 0.1" in refused.json()["detail"]
        assert http.get(f"/api/sessions/{session_id}").json()["config"]["learning_rate"] == 0.3
        set_rules(http, room, locked=["dataset"])  # the lesson's start keeps its data set
        assert http.post(restart).status_code == 200

        with stream(server.base_url, session_id) as ws:
            ws.send_json({"type": "update", "config": {"dataset": "spiral"}})
            locked = until(ws, lambda m: m.get("type") == "error")
            assert (locked["field"], locked["rule"]) == ("config.dataset", "locked")
            ws.send_json({"type": "update", "config": {"learning_rate": 0.5}})
            assert until(ws, lambda m: m.get("type") in ("config", "error"))["type"] == "config"

            set_rules(http, room, paused=True)
            ws.send_json({"type": "inspect_step", "layer": 0, "from": 0, "to": 0})
            paused = until(ws, lambda m: m.get("type") in ("error", "inspection"))
            assert (paused["type"], paused["field"], paused["rule"]) == (
                "error",
                "paused",
                "paused",
            )
            assert paused["message"].startswith("paused: your teacher paused the class")
            ws.send_json({"type": "frame"})
            assert until(ws, lambda m: m.get("type") == "frame")["state"]["iteration"] == 0
            # A bad value is no rule's: its error carries none.
            ws.send_json({"type": "update", "config": {"noise": 9}})
            bad = until(ws, lambda m: m.get("type") == "error")
            assert bad["field"] == "config.noise" and "rule" not in bad
        # Starting the lesson again trains nothing: a paused class may, as it may reset.
        assert http.post(restart).status_code == 200
