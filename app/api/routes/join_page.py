"""The students' side of a room: the join page at ``/r/{code}`` and the little a student may
read of a room without the teacher's key, ``GET /api/rooms/{code}/public``.

The join page is rendered in the reader's language (``?lang=ko|en``, else
``Accept-Language``), as the playground is, and carries the server's tables so that it can
hand the playground an address that describes the student's session exactly. An unknown
code still gets the page (with status 404), which says so in words.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.templating import Jinja2Templates
from pydantic import Field

from app.api.deps import SettingsDep
from app.api.routes.meta import page_meta
from app.api.routes.pages import language_context
from app.api.routes.rooms import NOT_FOUND, Code, RoomsDep
from app.rooms import RoomNotFound
from app.rooms.codes import CODE_PATTERN
from app.schemas.base import OutModel
from app.schemas.rooms import RoomCode

router = APIRouter(tags=["rooms"])

PAGE = "join.html"


class RoomPublic(OutModel):
    """What anyone with the code may know of a room: no students, no key."""

    code: RoomCode
    title: str
    lesson: str | None = Field(description="The lesson the room's preset starts, if any")


@router.get(
    "/api/rooms/{code}/public",
    response_model=RoomPublic,
    summary="A room's title, for its join page",
    responses=NOT_FOUND,
)
async def read_public(code: Code, rooms: RoomsDep) -> dict[str, Any]:
    """The room's code, title and current lesson: what a student sees before and after
    joining. Needs no key."""
    room = rooms.room(code)
    return {"code": room.code, "title": room.title, "lesson": room.preset["lesson"]}


@router.get("/r/{code}", include_in_schema=False)
def join_page(code: str, request: Request, rooms: RoomsDep, settings: SettingsDep) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    room = None
    if re.fullmatch(CODE_PATTERN, code):
        try:
            room = rooms.room(code)
        except RoomNotFound:
            room = None
    context = {
        **language_context(request, settings),
        "meta": page_meta(settings),
        "code": room.code if room else code.upper()[:20],
        "title": room.title if room else "",
        "found": room is not None,
        "max_name_length": settings.max_name_length,
    }
    response = templates.TemplateResponse(
        request,
        PAGE,
        context,
        status_code=status.HTTP_200_OK if room else status.HTTP_404_NOT_FOUND,
    )
    response.headers["vary"] = "Accept-Language"
    return response
