"""The stream's inbox: steps that wait together, bounded waiting, refusals told once; and a
connection whose session and client are both gone ends quietly."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from starlette.websockets import WebSocketDisconnect

from app.api.routes.stream import CLOSE_SESSION_NOT_FOUND, StreamConnection
from app.api.stream_inbox import Inbox, Steps
from app.api.stream_messages import FrameRequest, Pause, Play, Step
from app.config import Settings
from app.main import create_app
from app.services.player import Player, StreamSettings


def test_steps_arriving_while_one_of_their_unit_waits_join_it_up_to_a_bound() -> None:
    inbox = Inbox(max_waiting=64, max_text=1000, max_steps=100)
    for _ in range(20_000):
        inbox.put(Step(type="step", unit="epoch"), 30)
    inbox.put(Step(type="step", unit="iteration"), 30)  # another unit waits on its own
    inbox.put(Step(type="step", unit="iteration"), 30)
    assert len(inbox) == 2
    assert inbox.take()["message"].startswith("19900 messages were refused")
    assert inbox.take() == Steps("epoch", 100)
    # Begun, it takes no more: the next epoch step waits anew, behind the iterations.
    assert inbox.put(Step(type="step", unit="epoch"), 30) is True
    assert [inbox.take(), inbox.take(), inbox.take()] == [
        Steps("iteration", 2), Steps("epoch", 1), None
    ]  # fmt: skip


def test_waiting_is_bounded_in_count_and_text_and_refusals_are_told_once() -> None:
    inbox = Inbox(max_waiting=3, max_text=100, max_steps=10)
    assert all(inbox.put(Play(type="play"), 10) for _ in range(3))
    assert inbox.put(Pause(type="pause"), 10) is False  # a fourth: over the count
    assert inbox.put(Step(type="step", unit="epoch"), 10) is False
    notice = inbox.take()
    assert notice["type"] == "error" and notice["message"].startswith("2 messages were refused")
    assert "at most 3 messages" in notice["message"]
    assert [type(inbox.take()) for _ in range(3)] == [Play, Play, Play]
    assert inbox.take() is None and not inbox
    # Text: one long message always fits an empty inbox; nothing more beside it.
    assert inbox.put(FrameRequest(type="frame"), 500) is True
    assert inbox.put(FrameRequest(type="frame"), 1) is False
    assert inbox.take()["message"].startswith("1 message was refused")
    inbox.take()
    assert inbox.put(FrameRequest(type="frame"), 60) and inbox.put(FrameRequest(type="frame"), 40)
    assert inbox.put(FrameRequest(type="frame"), 1) is False  # 101 characters


def test_clear_drops_everything_waiting() -> None:
    inbox = Inbox(max_waiting=2, max_text=100, max_steps=10)
    inbox.put(Step(type="step", unit="epoch"), 10)
    inbox.put(Play(type="play"), 10)
    inbox.put(Play(type="play"), 10)
    inbox.clear()
    assert inbox.take() is None
    inbox.put(Step(type="step", unit="epoch"), 10)
    assert inbox.take() == Steps("epoch", 1)  # not added to a step that was dropped


class GoneClient:
    """A socket whose client has left after sending one message: every send after the
    first (the hello) fails, as closing does."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.closed_with: list[int] = []
        self.messages = [{"type": "websocket.receive", "text": json.dumps({"type": "frame"})}]

    async def receive(self) -> dict[str, Any]:
        if self.messages:
            return self.messages.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send_text(self, text: str) -> None:
        if self.sent:
            raise WebSocketDisconnect(1006)
        self.sent.append(text)

    async def send_bytes(self, data: bytes) -> None:
        raise WebSocketDisconnect(1006)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with.append(code)
        raise WebSocketDisconnect(1006)


@pytest.mark.anyio
async def test_a_session_deleted_under_a_closed_socket_ends_the_connection_quietly() -> None:
    settings = Settings()
    store = create_app(settings).state.store
    session = store.create({"dataset": "xor"})
    player = Player(session, StreamSettings())
    store.delete(session.id)  # gone before the client's message is carried out
    socket = GoneClient()
    with anyio.fail_after(30):
        await StreamConnection(socket, player, settings, store).run()  # type: ignore[arg-type]
    assert json.loads(socket.sent[0])["type"] == "hello"
    assert socket.closed_with == [CLOSE_SESSION_NOT_FOUND]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
