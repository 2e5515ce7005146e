"""Ending a room's challenge through a real server: no run restarts, no session is judged
on it any more, and the board keeps the results as they stood until the next preset."""

from __future__ import annotations

import json

import httpx
from server_process import ServerProcess
from test_challenges_api import put_preset, server, train
from test_rooms_api import bearer, board, join, new_room

__all__ = ["server"]  # the fixture, shared with the challenges' test


def test_the_teacher_ends_a_challenge_and_the_results_stay_on_the_board(
    server: ServerProcess,
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        room = new_room(http, "XOR 대회")
        students = [join(http, room["code"], name) for name in ("민준", "Sara", "陈")]
        assert put_preset(http, room, {"challenge": "xor_fewest"}).status_code == 200
        train(http, students[0], {"hidden_layers": [4]}, 300)  # reaches with 4 neurons
        train(http, students[1], {"hidden_layers": [2], "seed": 3}, 300)  # with 2: first
        before = {s["name"]: s for s in board(http, room)["students"]}
        path = f"/api/rooms/{room['code']}/challenge"

        assert http.delete(path).status_code == 401
        assert http.delete(path, headers=bearer("not-the-key")).status_code == 403
        assert http.delete("/api/rooms/ABCDEF/challenge", headers=bearer("x")).status_code == 404
        ended = http.delete(path, headers=bearer(room["teacher_key"]))
        assert ended.status_code == 200, ended.text
        answer = ended.json()
        assert (answer["students"], answer["changed"], answer["not_reached"]) == (3, 3, [])
        assert answer["ended"]["challenge"]["id"] == "xor_fewest"
        results = answer["ended"]["results"]
        assert [(r["name"], r["rank"]) for r in results] == [("Sara", 1), ("민준", 2), ("陈", None)]
        assert results[0]["best"] == before["Sara"]["challenge"]["best"]
        assert results[2]["best"] is None

        shown = board(http, room)
        assert shown["preset"]["challenge"] is None
        assert shown["ended"] == answer["ended"]  # readable on the board
        for student in shown["students"]:
            assert student["challenge"] is None  # no one is judged on it any more
            was = before[student["name"]]
            # Nobody's run restarted: the same network, trained as far as it was.
            assert student["config"] == was["config"]
            assert student["state"]["epoch"] == was["state"]["epoch"]
        standing = http.get(f"/api/sessions/{students[2]['session_id']}/standing").json()
        assert standing["challenge"] is None and standing["top"] is None
        assert "ended" not in json.dumps(standing)  # the results are the board's
        late = join(http, room["code"], "Zoë")
        assert http.get(f"/api/sessions/{late['session_id']}").json()["challenge"] is None

        again = http.delete(path, headers=bearer(room["teacher_key"]))
        assert again.status_code == 409
        assert again.json()["detail"].startswith("challenge: expected room")

        # The next preset is a new task: the old results go with it.
        assert put_preset(http, room, {"config": {"dataset": "circles"}}).status_code == 200
        assert board(http, room)["ended"] is None
