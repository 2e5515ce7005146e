"""The rooms' service over the real session operations, run in this process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fresh_loop import run_fresh
from room_engine import InProcessPool

from app.config import Settings
from app.lessons import load_catalog
from app.rooms import (
    NameTaken,
    PresetUnusable,
    RoomFull,
    RoomNotFound,
    Rooms,
    TooManyRooms,
    WrongKey,
)
from app.services.configs import default_config

SMALL = {"dataset": "xor", "n_samples": 40, "hidden_layers": [3]}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, max_students_per_room=4, max_rooms=3)


@pytest.fixture
def pool(settings: Settings) -> InProcessPool:
    return InProcessPool(settings, load_catalog())


@pytest.fixture
def rooms(settings: Settings, pool: InProcessPool) -> Iterator[Rooms]:
    service = Rooms(settings, pool, load_catalog())
    service.open()
    yield service
    service.close()


def run(coroutine: Any) -> Any:
    return run_fresh(coroutine)


def sessions_of(pool: InProcessPool) -> dict[str, Any]:
    return pool.worker.sessions


def test_a_room_is_made_with_a_code_a_key_and_its_pages(rooms: Rooms) -> None:
    made = run(rooms.create_room("  Lab 3:  XOR "))
    assert set(made) == {"code", "title", "teacher_key", "join_url", "board_url"}
    assert made["title"] == "Lab 3: XOR"
    assert made["join_url"] == f"/r/{made['code']}"
    assert made["board_url"] == f"/board/{made['code']}"
    with pytest.raises(ValueError, match=r"^title: expected letters"):
        run(rooms.create_room("a\x00b"))


def test_the_server_keeps_at_most_max_rooms(rooms: Rooms) -> None:
    for _ in range(3):
        run(rooms.create_room())
    with pytest.raises(TooManyRooms):
        run(rooms.create_room())


def test_students_join_with_sessions_of_their_own(rooms: Rooms, pool: InProcessPool) -> None:
    code = run(rooms.create_room())["code"]
    joined = [run(rooms.join(code.lower(), name)) for name in ("민준", " Sara ", "陈")]
    assert [j["name"] for j in joined] == ["민준", "Sara", "陈"]
    assert len({j["student_id"] for j in joined}) == len({j["session_id"] for j in joined}) == 3
    assert set(sessions_of(pool)) == {j["session_id"] for j in joined}
    with pytest.raises(NameTaken, match="'SARA' is already taken"):
        run(rooms.join(code, "SARA"))
    with pytest.raises(ValueError, match=r"^name: expected at least one character"):
        run(rooms.join(code, "   "))
    with pytest.raises(RoomNotFound, match="room 'ZZZ999' not found"):
        run(rooms.join("ZZZ999", "Kim"))
    run(rooms.join(code, "Kim"))
    with pytest.raises(RoomFull, match=r"room .* is full"):
        run(rooms.join(code, "Lee"))
    assert len(sessions_of(pool)) == 4  # the refused created none


def test_a_session_that_cannot_start_frees_the_seat(rooms: Rooms, pool: InProcessPool) -> None:
    code = run(rooms.create_room())["code"]
    rooms.store.set_preset(code, {"config": {"hidden_layers": [999]}, "lesson": None})
    with pytest.raises(PresetUnusable, match=r"its preset does not fit .*\(hidden_layers\[0\]"):
        run(rooms.join(code, "Sara"))
    assert rooms.store.students(code) == [] and not sessions_of(pool)


def test_the_board_shows_every_student_but_no_session_id(rooms: Rooms, pool: InProcessPool) -> None:
    made = run(rooms.create_room("Lab"))
    code, key = made["code"], made["teacher_key"]
    joined = [run(rooms.join(code, name)) for name in ("민준", "Sara", "陈")]
    sessions_of(pool)[joined[1]["session_id"]].train(epochs=2)
    del sessions_of(pool)[joined[2]["session_id"]]  # expired, say

    board = run(rooms.board(code, key))
    assert (board["code"], board["title"]) == (code, "Lab")
    assert board["preset"] == {"config": {}, "lesson": None, "challenge": None}
    students = board["students"]
    assert [s["name"] for s in students] == ["민준", "Sara", "陈"]
    assert [s["student_id"] for s in students] == [j["student_id"] for j in joined]
    assert students[0]["state"]["epoch"] == 0 and students[1]["state"]["epoch"] == 2
    assert students[1]["config"] == default_config()
    assert students[2]["state"] is students[2]["config"] is students[2]["lesson"] is None
    text = json.dumps(board)
    assert not any(j["session_id"] in text for j in joined)
    assert key not in text
    with pytest.raises(WrongKey):
        run(rooms.board(code, "not the key"))
    other = run(rooms.create_room())
    with pytest.raises(WrongKey):
        run(rooms.board(code, other["teacher_key"]))


def test_a_lesson_preset_reaches_everyone_and_every_later_joiner(
    rooms: Rooms, pool: InProcessPool
) -> None:
    made = run(rooms.create_room())
    code, key = made["code"], made["teacher_key"]
    joined = [run(rooms.join(code, name)) for name in ("민준", "Sara")]
    before = len(sessions_of(pool))

    applied = run(rooms.set_preset(code, key, {"config": {"learning_rate": 0.3}, "lesson": "xor"}))
    assert applied == {
        "preset": {"config": {"learning_rate": 0.3}, "lesson": "xor", "challenge": None},
        "students": 2, "changed": 2, "not_reached": [],
    }  # fmt: skip
    assert len(sessions_of(pool)) == before  # the scratch session is gone again
    late = run(rooms.join(code, "陈"))
    for student in [*joined, late]:
        session = sessions_of(pool)[student["session_id"]]
        assert session.lesson is not None and session.lesson.lesson.id == "xor"
        assert session.config()["dataset"] == "xor_gate"
        assert session.config()["learning_rate"] == 0.3
    assert run(rooms.board(code, key))["preset"]["lesson"] == "xor"


def test_a_config_preset_makes_every_session_what_a_joiner_gets(
    rooms: Rooms, pool: InProcessPool
) -> None:
    made = run(rooms.create_room())
    code, key = made["code"], made["teacher_key"]
    run(rooms.set_preset(code, key, {"config": {}, "lesson": "xor"}))
    first = run(rooms.join(code, "Sara"))
    gone = run(rooms.join(code, "Kim"))
    del sessions_of(pool)[gone["session_id"]]

    applied = run(rooms.set_preset(code, key, {"config": SMALL, "lesson": None}))
    assert (applied["changed"], applied["not_reached"]) == (1, [gone["student_id"]])
    late = run(rooms.join(code, "Lee"))
    now = sessions_of(pool)[first["session_id"]]
    joiner = sessions_of(pool)[late["session_id"]]
    assert now.lesson is None and now.config() == joiner.config()
    assert now.config() == {**default_config(), **SMALL}


def test_a_preset_the_engine_refuses_changes_no_one(rooms: Rooms, pool: InProcessPool) -> None:
    made = run(rooms.create_room())
    code, key = made["code"], made["teacher_key"]
    student = run(rooms.join(code, "Sara"))
    config = sessions_of(pool)[student["session_id"]].config()
    with pytest.raises(ValueError, match=r"^config\.hidden_layers\[0\]: expected"):
        run(rooms.set_preset(code, key, {"config": {"hidden_layers": [999]}}))
    with pytest.raises(ValueError, match=r"^lesson: expected one of .*xor"):
        run(rooms.set_preset(code, key, {"lesson": "no_such_lesson"}))
    with pytest.raises(WrongKey):
        run(rooms.set_preset(code, "wrong", {"lesson": "xor"}))
    assert sessions_of(pool)[student["session_id"]].config() == config
    assert set(sessions_of(pool)) == {student["session_id"]}
    assert rooms.store.room(code).preset == {"config": {}, "lesson": None, "challenge": None}  # type: ignore[union-attr]


def test_a_closed_service_says_it_is_not_open(settings: Settings, pool: InProcessPool) -> None:
    with pytest.raises(RuntimeError, match="not open"):
        run(Rooms(settings, pool, load_catalog()).create_room())


def test_a_preset_set_while_a_student_joins_reaches_them(rooms: Rooms, pool: InProcessPool) -> None:
    made = run(rooms.create_room())
    code, key = made["code"], made["teacher_key"]
    creating = asyncio.Event()
    created = asyncio.Event()
    call = pool.call

    async def slow_create(session_id: str, op: str, **args: Any) -> Any:
        if op == "create" and not creating.is_set():
            creating.set()
            await created.wait()
        return await call(session_id, op, **args)

    pool.call = slow_create  # type: ignore[method-assign]

    async def both() -> tuple[dict[str, Any], dict[str, Any]]:
        joining = asyncio.create_task(rooms.join(code, "Sara"))
        await creating.wait()  # seated, its session not made yet
        applied = await rooms.set_preset(code, key, {"lesson": "xor"})
        created.set()
        return await joining, applied

    joined, applied = run(both())
    assert applied["not_reached"] == [joined["student_id"]]
    session = sessions_of(pool)[joined["session_id"]]
    assert session.lesson is not None and session.lesson.lesson.id == "xor"
