"""The stream's inbox: steps that wait together, bounded waiting, refusals told once, in the
inbox itself and in a worker's stream flooded at once; and a connection whose session and
client are both gone ends quietly."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
from starlette.websockets import WebSocketDisconnect
from workers.front import PATIENCE, Front, with_worker

from app.api.routes.stream import CLOSE_SESSION_NOT_FOUND, Relay
from app.api.stream_inbox import Inbox, Steps
from app.api.stream_messages import FrameRequest, Pause, Play, Step
from app.config import Settings
from app.services.errors import SessionNotFound
from app.workers import stream as worker_stream


def refusal(inbox: Inbox) -> dict[str, Any]:
    """The next entry, which must be the notice of refused messages."""
    notice = inbox.take()
    assert isinstance(notice, dict) and notice["type"] == "error", notice
    return notice


def test_steps_arriving_while_one_of_their_unit_waits_join_it_up_to_a_bound() -> None:
    inbox = Inbox(max_waiting=64, max_text=1000, max_steps=100)
    for _ in range(20_000):
        inbox.put(Step(type="step", unit="epoch"), 30)
    inbox.put(Step(type="step", unit="iteration"), 30)  # another unit waits on its own
    inbox.put(Step(type="step", unit="iteration"), 30)
    assert len(inbox) == 2
    assert refusal(inbox)["message"].startswith("19900 messages were refused")
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
    notice = refusal(inbox)
    assert notice["message"].startswith("2 messages were refused")
    assert "at most 3 messages" in notice["message"]
    assert [type(inbox.take()) for _ in range(3)] == [Play, Play, Play]
    assert inbox.take() is None and not inbox
    # Text: one long message always fits an empty inbox; nothing more beside it.
    assert inbox.put(FrameRequest(type="frame"), 500) is True
    assert inbox.put(FrameRequest(type="frame"), 1) is False
    assert refusal(inbox)["message"].startswith("1 message was refused")
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


def test_a_flood_read_at_once_meets_the_stream_s_inbox_and_is_told_once() -> None:
    async def scenario(front: Front) -> list[dict[str, Any]]:
        session = await front.new_session(dataset="xor", hidden_layers=[3])
        key = front.new_stream(session.id)
        assert (await front.receive_json(key))["type"] == "hello"
        for _ in range(20_000):  # all read by the worker before its stream carries any out
            front.tell(key, {"type": "step", "unit": "epoch"})
        front.tell(key, {"type": "stream", "speed": 2})
        return [await front.receive_json(key), await front.receive_json(key),
                await front.receive_frame(key)]  # fmt: skip

    notice, reply, frame = with_worker(Settings(), scenario)
    refused = 20_000 - worker_stream.MAX_WAITING_STEPS
    assert notice["type"] == "error" and notice["message"].startswith(f"{refused} messages were")
    # The steps that waited together were carried out, then the command after them, and
    # one frame shows it all.
    assert reply == {**reply, "type": "stream", "speed": 2}
    assert frame["state"]["epoch"] == worker_stream.MAX_WAITING_STEPS


class GoneClient:
    """A socket whose client leaves once it is sent the hello: every send after that fails,
    as closing does. Its one message arrives when the test lets it in."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.closed_with: list[int] = []
        self.hello_sent = asyncio.Event()
        self.let_in = asyncio.Event()
        self.messages = [{"type": "websocket.receive", "text": json.dumps({"type": "frame"})}]
        self.scope: dict[str, Any] = {}  # Starlette's socket, without our protocol's extension

    async def receive(self) -> dict[str, Any]:
        await self.let_in.wait()
        if self.messages:
            return self.messages.pop(0)
        await asyncio.Event().wait()  # nothing more, ever
        raise AssertionError("unreachable")

    async def send_text(self, text: str) -> None:
        if self.sent:
            raise WebSocketDisconnect(1006)
        self.sent.append(text)
        self.hello_sent.set()

    async def send_bytes(self, data: bytes) -> None:
        raise WebSocketDisconnect(1006)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with.append(code)
        raise WebSocketDisconnect(1006)


def test_a_session_deleted_under_a_closed_socket_ends_the_connection_quietly() -> None:
    async def scenario(front: Front) -> dict[str, Any]:
        session = await front.new_session(dataset="xor")
        socket = GoneClient()
        relay = Relay(cast(Any, socket), cast(Any, front), next(front.keys), front.settings)
        relayed = asyncio.create_task(relay.run(session.id))
        await asyncio.wait_for(socket.hello_sent.wait(), PATIENCE)
        await front.call("delete", session_id=session.id)
        socket.let_in.set()  # the client's message comes after its session has gone
        await asyncio.wait_for(relayed, PATIENCE)
        with pytest.raises(SessionNotFound):
            await front.call("get", session_id=session.id)
        return {
            "socket": socket,
            "streams": dict(front.worker.streams),
            "counted": session.streams,
            "stored": front.worker.store.get(session.id),
        }

    seen = with_worker(Settings(), scenario)
    socket = seen["socket"]
    assert json.loads(socket.sent[0])["type"] == "hello"
    assert socket.closed_with == [CLOSE_SESSION_NOT_FOUND]
    # The stream has ended in the worker and did not write the deleted session back.
    assert seen["streams"] == {} and seen["counted"] == 0 and seen["stored"] is None
