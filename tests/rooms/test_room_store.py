"""The room store: a round trip through the file, limits kept in one transaction, expiry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fake_clock import FakeClock

from app.rooms import NameTaken, RoomFull, TooManyRooms
from app.rooms.codes import key_digest
from app.rooms.store import FILE_NAME, CodeTaken, Room, RoomStore, Student

DAY = 24 * 3600.0
PRESET = {"config": {"dataset": "xor", "hidden_layers": [3]}, "lesson": None}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> RoomStore:
    return RoomStore.in_data_dir(tmp_path, idle_seconds=7 * DAY, clock=clock)


def room(code: str = "ABC234", title: str = "Lab 3") -> Room:
    return Room(code, title, key_digest("the key"), PRESET)


def test_rooms_and_students_come_back_from_the_file(
    tmp_path: Path, store: RoomStore, clock: FakeClock
) -> None:
    made = store.add_room(room(), max_rooms=10)
    assert made.created_at == made.used_at == clock.now
    clock.now += 5
    for name in ("민준", "Sara", "陈"):
        store.add_student("ABC234", Student(f"id-{name}", name, f"session-{name}"), 100)
    store.set_preset("ABC234", {"config": {}, "lesson": "xor"})
    store.close()

    again = RoomStore.in_data_dir(tmp_path, idle_seconds=7 * DAY, clock=clock)
    found = again.room("ABC234")
    assert found is not None
    assert (found.title, found.key_hash) == ("Lab 3", key_digest("the key"))
    assert found.preset == {"config": {}, "lesson": "xor"}
    assert (found.created_at, found.used_at) == (clock.now - 5, clock.now)
    students = again.students("ABC234")
    assert [s.name for s in students] == ["민준", "Sara", "陈"]
    assert students[1] == Student("id-Sara", "Sara", "session-Sara", clock.now)
    assert again.room("ZZZ999") is None
    assert (tmp_path / FILE_NAME).exists()


def test_only_the_digest_of_the_key_is_on_disk(tmp_path: Path, store: RoomStore) -> None:
    store.add_room(room(), max_rooms=10)
    store.close()
    raw = b"".join(path.read_bytes() for path in tmp_path.glob(FILE_NAME + "*"))
    assert b"the key" not in raw and key_digest("the key").encode() in raw


def test_the_journal_is_wal(tmp_path: Path, store: RoomStore) -> None:
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_taken_code_is_told_apart_from_a_full_server(store: RoomStore) -> None:
    store.add_room(room("ABC234"), max_rooms=2)
    with pytest.raises(CodeTaken):
        store.add_room(room("ABC234"), max_rooms=2)
    store.add_room(room("XYZ789"), max_rooms=2)
    with pytest.raises(TooManyRooms, match=r"most rooms \(2, max_rooms\)"):
        store.add_room(room("QRS456"), max_rooms=2)
    assert store.count_rooms() == 2


def test_names_are_unique_in_a_room_whatever_their_case(store: RoomStore) -> None:
    store.add_room(room("ABC234"), max_rooms=10)
    store.add_room(room("XYZ789"), max_rooms=10)
    store.add_student("ABC234", Student("a", "Sara", "s1"), 100)
    for taken in ("Sara", "SARA", "ｓａｒａ"):
        with pytest.raises(NameTaken, match=r"already taken in room ABC234"):
            store.add_student("ABC234", Student("b", taken, "s2"), 100)
    store.add_student("XYZ789", Student("c", "Sara", "s3"), 100)  # another room's Sara
    assert [s.student_id for s in store.students("ABC234")] == ["a"]


def test_a_full_room_takes_no_one_more(store: RoomStore) -> None:
    store.add_room(room(), max_rooms=10)
    for index in range(3):
        store.add_student("ABC234", Student(str(index), f"s{index}", f"x{index}"), 3)
    with pytest.raises(RoomFull, match=r"most students \(3, max_students_per_room\)"):
        store.add_student("ABC234", Student("9", "late", "x9"), 3)
    assert store.remove_student("ABC234", "0")
    assert not store.remove_student("ABC234", "0")
    store.add_student("ABC234", Student("9", "late", "x9"), 3)


def test_a_room_unused_for_its_idle_time_is_gone_with_its_students(
    store: RoomStore, clock: FakeClock
) -> None:
    store.add_room(room("ABC234"), max_rooms=10)
    store.add_room(room("XYZ789"), max_rooms=10)
    store.add_student("ABC234", Student("a", "Sara", "s1"), 100)
    clock.now += 6 * DAY
    store.touch("XYZ789")
    clock.now += 1 * DAY + 1
    assert store.room("ABC234") is None  # unused for 7 days and a second
    assert store.students("ABC234") == []
    assert store.room("XYZ789") is not None  # used a day ago
    clock.now += 6 * DAY + 1
    assert store.forget_idle() == 1
    assert store.count_rooms() == 0


def test_expired_rooms_make_way_for_new_ones(store: RoomStore, clock: FakeClock) -> None:
    store.add_room(room("ABC234"), max_rooms=1)
    clock.now += 7 * DAY + 1
    store.add_room(room("XYZ789"), max_rooms=1)
    assert store.room("ABC234") is None and store.room("XYZ789") is not None


def test_joining_and_a_new_preset_count_as_use(store: RoomStore, clock: FakeClock) -> None:
    store.add_room(room(), max_rooms=10)
    clock.now += 5 * DAY
    store.add_student("ABC234", Student("a", "Sara", "s1"), 100)
    clock.now += 5 * DAY
    store.set_preset("ABC234", PRESET)
    clock.now += 5 * DAY
    assert store.room("ABC234") is not None


def test_a_closed_store_says_so(store: RoomStore) -> None:
    store.close()
    store.close()
    with pytest.raises(RuntimeError, match="room store is closed"):
        store.room("ABC234")
