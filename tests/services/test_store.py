"""SessionStore: ids, capacity, idle expiry, streams keeping a session alive."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.services.errors import SessionNotFound, StoreFull
from app.services.store import SessionStore

SMALL = {"n_samples": 40, "hidden_layers": [2]}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_store(**overrides: object) -> tuple[SessionStore, FakeClock]:
    clock = FakeClock()
    settings = Settings(**{"max_sessions": 3, "session_idle_seconds": 60.0, **overrides})
    return SessionStore(settings, clock=clock), clock


def test_ids_are_random_urlsafe_and_at_least_128_bits() -> None:
    store, _ = make_store(max_sessions=50)
    ids = {store.create(SMALL).id for _ in range(20)}
    assert len(ids) == 20
    for session_id in ids:
        # token_urlsafe: 6 bits per character
        assert len(session_id) * 6 >= 128
        assert session_id.replace("-", "").replace("_", "").isalnum()


def test_get_returns_the_session_and_unknown_ids_raise() -> None:
    store, _ = make_store()
    session = store.create(SMALL)
    assert store.get(session.id) is session
    with pytest.raises(SessionNotFound, match="not found"):
        store.get("no-such-id")


def test_delete_removes_and_a_second_delete_raises() -> None:
    store, _ = make_store()
    session = store.create(SMALL)
    store.delete(session.id)
    assert len(store) == 0
    with pytest.raises(SessionNotFound):
        store.get(session.id)
    with pytest.raises(SessionNotFound):
        store.delete(session.id)


def test_full_store_refuses_with_a_message() -> None:
    store, _ = make_store(max_sessions=2)
    store.create(SMALL)
    store.create(SMALL)
    with pytest.raises(StoreFull, match="maximum of 2 sessions"):
        store.create(SMALL)
    assert len(store) == 2


def test_a_full_store_reclaims_idle_sessions() -> None:
    store, clock = make_store(max_sessions=2)
    old = store.create(SMALL)
    clock.now += 30
    recent = store.create(SMALL)
    clock.now += 31  # old: idle 61 s > 60; recent: 31 s
    fresh = store.create(SMALL)
    assert len(store) == 2
    assert store.get(recent.id) is recent
    assert store.get(fresh.id) is fresh
    with pytest.raises(SessionNotFound):
        store.get(old.id)


def test_expire_idle_counts_and_get_refreshes() -> None:
    store, clock = make_store()
    kept = store.create(SMALL)
    dropped = store.create(SMALL)
    clock.now += 50
    store.get(kept.id)  # touching resets the idle time
    clock.now += 20
    assert store.expire_idle() == 1
    assert store.get(kept.id) is kept
    with pytest.raises(SessionNotFound):
        store.get(dropped.id)


def test_an_idle_session_expires_on_lookup() -> None:
    store, clock = make_store()
    session = store.create(SMALL)
    clock.now += 61
    with pytest.raises(SessionNotFound):
        store.get(session.id)
    assert len(store) == 0


def test_a_streamed_session_never_expires() -> None:
    store, clock = make_store()
    session = store.create(SMALL)
    with session.attach_stream():
        assert session.streams == 1
        clock.now += 10_000
        assert store.expire_idle() == 0
        assert store.get(session.id) is session
    assert session.streams == 0
    clock.now += 59  # detaching counted as use
    assert store.expire_idle() == 0
    clock.now += 2
    assert store.expire_idle() == 1


def test_a_bad_config_creates_nothing() -> None:
    store, _ = make_store()
    with pytest.raises(ValueError, match="hidden_layers"):
        store.create({"hidden_layers": [4] * 9})
    assert len(store) == 0
