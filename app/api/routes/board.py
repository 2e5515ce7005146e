"""The teacher's board: the page at ``/board/{code}`` and its one WebSocket,
``/api/rooms/{code}/board``.

The teacher key never travels in a URL: the socket's first message is
``{"type": "auth", "key": "<teacher_key>"}``. No such message within ``AUTH_SECONDS`` closes
with 4401, a wrong key with 4403, an unknown room with 4404, each after an
``{"type": "error", "detail"}`` message. Once the key is the room's, the server sends the
board document (``app/rooms/board.py``) ``board_updates_per_second`` times a second until
the client leaves. The client may send ``{"type": "spotlight", "student_id": id | null}``:
that student's tile then carries a finer thumbnail too (anything else is answered with an
``error`` message, the board going on). The receiver notices a close at once, and nothing
of the board runs after it. The origin check of every WebSocket handshake (``OriginCheck``)
applies here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import re
import time
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.templating import Jinja2Templates

from app.api.deps import SettingsDep
from app.api.routes.pages import language_context
from app.config import Settings
from app.rooms import RoomNotFound, Rooms, WrongKey
from app.rooms.board import SPOTLIGHT_RESOLUTION, board_document
from app.rooms.codes import CODE_PATTERN

logger = logging.getLogger(__name__)

router = APIRouter(tags=["rooms"])
PAGE = "board.html"
AUTH_SECONDS = 5.0
TOUCH_SECONDS = 60.0  # a watched room is not idle; its store is told so now and then
CLOSE_NO_KEY = 4401
CLOSE_WRONG_KEY = 4403
CLOSE_NO_ROOM = 4404
CLOSE_POLICY_VIOLATION = 1008


class BoardState(enum.Enum):
    """A board connection's lifecycle."""

    AWAITING_KEY = "awaiting_key"
    STREAMING = "streaming"
    CLOSED = "closed"


class Refused(Exception):
    def __init__(self, close_code: int, detail: str) -> None:
        super().__init__(detail)
        self.close_code = close_code
        self.detail = detail


def read_key(text: str | None) -> str:
    """The key of an ``{"type": "auth", "key"}`` message, or Refused(4401) saying what came."""
    try:
        message = json.loads(text or "")
    except ValueError:
        message = None
    if not isinstance(message, dict) or message.get("type") != "auth":
        raise Refused(CLOSE_NO_KEY, 'first message: expected {"type": "auth", "key": …}')
    key = message.get("key")
    if not isinstance(key, str) or not key:
        raise Refused(CLOSE_NO_KEY, "key: expected the room's teacher key, got none")
    return key


class Board:
    """One teacher's board socket."""

    def __init__(self, websocket: WebSocket, rooms: Rooms, settings: Settings) -> None:
        self.websocket = websocket
        self.rooms = rooms
        self.period = 1.0 / settings.board_updates_per_second
        self.send_timeout = settings.stream_send_timeout_seconds
        self.state = BoardState.AWAITING_KEY
        self.spotlight: tuple[str, int] | None = None
        self.spotlight_resolution = min(SPOTLIGHT_RESOLUTION, settings.max_resolution)
        self.notices: list[dict[str, Any]] = []  # sent by the send loop, before the next board

    async def authenticate(self, code: str) -> str:
        try:
            with anyio.fail_after(AUTH_SECONDS):
                text = await self.websocket.receive_text()
        except TimeoutError as error:
            raise Refused(CLOSE_NO_KEY, f"no auth message within {AUTH_SECONDS:g} s") from error
        key = read_key(text)
        try:
            room = self.rooms.teacher_room(code, key)
        except RoomNotFound as error:
            raise Refused(CLOSE_NO_ROOM, str(error)) from error
        except WrongKey as error:
            raise Refused(CLOSE_WRONG_KEY, str(error)) from error
        return room.code

    async def run(self, code: str) -> None:
        try:
            code = await self.authenticate(code)
        except Refused as refused:
            await self.refuse(refused)
            return
        except (WebSocketDisconnect, RuntimeError):
            self.state = BoardState.CLOSED
            return
        self.state = BoardState.STREAMING
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self.receive_loop, tasks.cancel_scope)
            tasks.start_soon(self.send_loop, tasks.cancel_scope, code)
        self.state = BoardState.CLOSED

    async def refuse(self, refused: Refused) -> None:
        self.state = BoardState.CLOSED
        with contextlib.suppress(Exception):
            await self.websocket.send_json({"type": "error", "detail": refused.detail})
            await self.websocket.close(refused.close_code, refused.detail[:120])

    async def receive_loop(self, scope: anyio.CancelScope) -> None:
        """Reads what the client sends, so that its leaving is seen at once."""
        try:
            while (message := await self.websocket.receive())["type"] != "websocket.disconnect":
                self.command(message.get("text"))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            scope.cancel()

    def command(self, text: str | None) -> None:
        try:
            message = json.loads(text or "")
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "spotlight":
            student_id = message.get("student_id")
            if student_id is None or isinstance(student_id, str):
                self.spotlight = None if not student_id else (student_id, self.spotlight_resolution)
                return
        self.notices.append(
            {
                "type": "error",
                "detail": 'message: expected {"type": "spotlight", "student_id": id or null}, '
                f"got {(text or '')[:40]!r}",
            }
        )

    async def send_loop(self, scope: anyio.CancelScope, code: str) -> None:
        touched = 0.0
        try:
            while True:
                started = time.monotonic()
                if started - touched > TOUCH_SECONDS:
                    self.rooms.store.touch(code)
                    touched = started
                try:
                    document: dict[str, Any] = await board_document(
                        self.rooms, code, self.spotlight
                    )
                except RoomNotFound as error:
                    await self.refuse(Refused(CLOSE_NO_ROOM, str(error)))
                    return
                try:
                    with anyio.fail_after(self.send_timeout):
                        while self.notices:
                            await self.websocket.send_json(self.notices.pop(0))
                        await self.websocket.send_json(document)
                except TimeoutError:
                    await self.refuse(
                        Refused(CLOSE_POLICY_VIOLATION, "the board took no message in time")
                    )
                    return
                await asyncio.sleep(max(0.0, self.period - (time.monotonic() - started)))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            scope.cancel()


@router.websocket("/api/rooms/{code}/board")
async def board_socket(websocket: WebSocket, code: str) -> None:
    await websocket.accept()
    rooms: Rooms = websocket.app.state.rooms
    settings: Settings = websocket.app.state.settings
    await Board(websocket, rooms, settings).run(code)


@router.get("/board/{code}", include_in_schema=False)
def board_page(request: Request, code: str, settings: SettingsDep) -> Response:
    """The board page; it asks for the teacher key (or reads it from ``#key=``) itself."""
    if re.fullmatch(CODE_PATTERN, code) is None:
        raise HTTPException(404, f"code: expected a room code like ABC234, got {code[:20]!r}")
    templates: Jinja2Templates = request.app.state.templates
    context = {**language_context(request, settings), "code": code.upper()}
    response = templates.TemplateResponse(request, PAGE, context)
    response.headers["vary"] = "Accept-Language"
    return response
