"""Rooms: a teacher creates one, students join it by its code, the teacher reads the board
and pushes a preset to the class (``app/rooms``).

The teacher key travels only in ``Authorization: Bearer <teacher_key>``. A request is
judged in this order: no teacher key 401 (with ``WWW-Authenticate: Bearer``), a code not of
the alphabet 422, no such room 404, another room's key or a wrong one 403, and only then
the body; so a stranger learns nothing of a room but that it exists. A code is read in
either case.

Creating a room has its own limit per client address (``room_burst`` at once, ``room_rate``
per second after); joining spends the sessions' one, since each join creates a session
(and a class behind one address joins within ``session_burst``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Path, Request, status
from fastapi.openapi.models import Example
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from app.api.rate_limit import RATE_LIMITED, CreationLimiter, creation_limit
from app.api.rate_limit import limit_session_creation as limit_joins
from app.config import Settings
from app.rooms import (
    NameTaken,
    PresetUnusable,
    RoomError,
    RoomFull,
    RoomNotFound,
    Rooms,
    TooManyRooms,
    WrongKey,
)
from app.rooms.codes import CODE_PATTERN
from app.schemas import ErrorOut
from app.schemas.challenges import OWN_CHALLENGE_EXAMPLE
from app.schemas.rooms import (
    BoardOut,
    ChallengeEnded,
    Joined,
    JoinRequest,
    PresetApplied,
    RoomCreate,
    RoomCreated,
    RoomOptions,
    RoomOptionsOut,
    RoomPreset,
    RoomRules,
    RulesApplied,
)

router = APIRouter(prefix="/api/rooms", tags=["rooms"])

# The most specific class in an error's MRO decides its status.
STATUS: dict[type[RoomError], int] = {
    RoomNotFound: status.HTTP_404_NOT_FOUND,
    WrongKey: status.HTTP_403_FORBIDDEN,
    NameTaken: status.HTTP_409_CONFLICT,
    RoomFull: status.HTTP_409_CONFLICT,
    PresetUnusable: status.HTTP_409_CONFLICT,
    TooManyRooms: status.HTTP_503_SERVICE_UNAVAILABLE,
    RoomError: status.HTTP_409_CONFLICT,
}
BEARER = {"WWW-Authenticate": "Bearer"}
EXAMPLES_CREATE: dict[str, Example] = {
    "titled": {"summary": "A room with a title", "value": {"title": "Lab 3: XOR"}},
    "untitled": {"summary": "A room without one", "value": {}},
}
EXAMPLES_JOIN: dict[str, Example] = {
    name: {"summary": f"A student named {name}", "value": {"name": name}}
    for name in ("민준", "Sara", "陈")
}
EXAMPLES_PRESET: dict[str, Example] = {
    "lesson": {"summary": "Everyone starts the XOR lesson", "value": {"lesson": "xor"}},
    "config": {
        "summary": "Everyone on the spiral with two hidden layers",
        "value": {"config": {"dataset": "spiral", "hidden_layers": [8, 8]}},
    },
    "builtin_challenge": {
        "summary": "A built-in challenge: XOR with the fewest hidden neurons",
        "value": {"challenge": "xor_fewest"},
    },
    "own_challenge": {
        "summary": "A teacher's own challenge",
        "value": {"challenge": OWN_CHALLENGE_EXAMPLE},
    },
}
EXAMPLES_RULES: dict[str, Example] = {
    "pause": {"summary": "Everyone stops and looks up", "value": {"paused": True}},
    "resume": {"summary": "Everyone may play again", "value": {"paused": False}},
    "lock": {
        "summary": "Data and inputs fixed; the network is theirs",
        "value": {"locked": ["dataset", "noise", "features"]},
    },
    "free": {"summary": "Every control free again", "value": {"locked": []}},
}
EXAMPLES_OPTIONS: dict[str, Example] = {
    "show": {"summary": "Students see the top of the ranking", "value": {"show_top": True}},
    "hide": {"summary": "Students see their own rank only", "value": {"show_top": False}},
}
teacher_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="TeacherKey",
    description="The teacher_key POST /api/rooms answered with.",
)


def error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    documented = {"model": ErrorOut, "description": description}
    return documented if headers is None else {**documented, "headers": headers}


Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: error("No room with that code (never made, or expired)")}
TEACHER_ONLY: Responses = {
    401: error(
        "No teacher key: send `Authorization: Bearer <teacher_key>`",
        {"WWW-Authenticate": {"schema": {"type": "string", "example": "Bearer"}}},
    ),
    403: error("A key that is not this room's teacher key"),
}
ROOM_LIMITED: Responses = {
    429: {
        **RATE_LIMITED[429],
        "description": "This client address created its most rooms for now "
        "(room_burst at once, room_rate per second after)",
    }
}


def get_rooms(connection: HTTPConnection) -> Rooms:
    rooms: Rooms = connection.app.state.rooms
    return rooms


RoomsDep = Annotated[Rooms, Depends(get_rooms)]
Code = Annotated[str, Path(pattern=CODE_PATTERN, description="The room's code (either case).")]


async def teacher_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(teacher_bearer)],
) -> str:
    if credentials is None:
        sent = request.headers.get("authorization")
        got = "no such header" if sent is None else f"{sent.partition(' ')[0][:20]!r} credentials"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"Authorization: expected 'Bearer <teacher_key>', got {got}",
            headers=BEARER,
        )
    return credentials.credentials


TeacherKey = Annotated[str, Depends(teacher_key)]


async def known_room(code: Code, rooms: RoomsDep) -> str:
    """The code of a room that exists: an unknown room is a 404 whatever the body."""
    return rooms.room(code).code


async def teacher_room(key: TeacherKey, code: Code, rooms: RoomsDep) -> str:
    """The code of a room this key is the teacher's of: no key 401 (before anything else
    is judged), an unknown room 404, another key 403."""
    return rooms.teacher_room(code, key).code


KnownRoom = Annotated[str, Depends(known_room)]
TeacherRoom = Annotated[str, Depends(teacher_room)]


limit_room_creation = creation_limit("room_limiter", "rooms")


@router.post(
    "",
    response_model=RoomCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a room",
    dependencies=[Depends(limit_room_creation)],
    responses={**ROOM_LIMITED, 503: error("The server holds its most rooms (max_rooms)")},
)
async def create_room(
    rooms: RoomsDep,
    room: Annotated[RoomCreate | None, Body(openapi_examples=EXAMPLES_CREATE)] = None,
) -> dict[str, Any]:
    """A room with a code to write on the board. Keep the ``teacher_key``: it is told this
    once, and the board and the preset need it."""
    return await rooms.create_room("" if room is None else room.title)


@router.post(
    "/{code}/students",
    response_model=Joined,
    status_code=status.HTTP_201_CREATED,
    summary="Join a room",
    dependencies=[Depends(limit_joins)],
    responses={
        **NOT_FOUND,
        409: error("The name is taken in the room, the room is full, or its preset no longer "
                   "fits the server"),
        **RATE_LIMITED,
        503: error("The server holds its most sessions"),
    },
)  # fmt: skip
async def join_room(
    code: KnownRoom,
    student: Annotated[JoinRequest, Body(openapi_examples=EXAMPLES_JOIN)],
    rooms: RoomsDep,
) -> dict[str, Any]:
    """Seat a student and start their session under the room's preset; from then on the
    student uses ``session_id`` with the session routes and the stream."""
    return await rooms.join(code, student.name)


@router.get(
    "/{code}",
    response_model=BoardOut,
    summary="The teacher's board",
    responses={**TEACHER_ONLY, **NOT_FOUND},
)
async def read_board(code: TeacherRoom, key: TeacherKey, rooms: RoomsDep) -> dict[str, Any]:
    """Every student's name, id, configuration, training state and lesson progress, in
    the order they joined; a student whose session is gone has null ones."""
    return await rooms.board(code, key)


@router.put(
    "/{code}/preset",
    response_model=PresetApplied,
    summary="Push a preset to the class",
    responses={
        **TEACHER_ONLY,
        **NOT_FOUND,
        503: error("The server holds its most sessions (the preset is tried on a scratch one)"),
    },
)
async def set_preset(
    code: TeacherRoom,
    preset: Annotated[RoomPreset, Body(openapi_examples=EXAMPLES_PRESET)],
    key: TeacherKey,
    rooms: RoomsDep,
) -> dict[str, Any]:
    """Every student's session becomes the preset (a lesson from its start; without one,
    the defaults with ``config`` over them; a challenge from its own start, judged by the
    server as each student trains), and students who join later start from it. A preset
    the engine refuses is a 422 that changes no one."""
    return await rooms.set_preset(code, key, preset.as_preset())


@router.delete(
    "/{code}/challenge",
    response_model=ChallengeEnded,
    summary="End the room's challenge",
    responses={**TEACHER_ONLY, **NOT_FOUND, 409: error("The room has no challenge to end")},
)
async def end_challenge(code: TeacherRoom, key: TeacherKey, rooms: RoomsDep) -> dict[str, Any]:
    """The challenge ends and no one's run restarts: every student's session stops being
    judged on it, their pages stop showing it, and students who join later have none. The
    results as they stood (``ended``: each student's rank and best reach) stay in the room's
    preset for the board until the teacher sets another."""
    return await rooms.end_challenge(code, key)


@router.patch(
    "/{code}",
    response_model=RoomOptionsOut,
    summary="Change the room's options",
    responses={**TEACHER_ONLY, **NOT_FOUND},
)
async def set_options(
    code: TeacherRoom,
    options: Annotated[RoomOptions, Body(openapi_examples=EXAMPLES_OPTIONS)],
    key: TeacherKey,
    rooms: RoomsDep,
) -> dict[str, Any]:
    """``show_top``: whether students see the top of the challenge's ranking (names and
    ranks only). Changes no one's session."""
    return await rooms.set_show_top(code, key, options.show_top)


@router.patch(
    "/{code}/rules",
    response_model=RulesApplied,
    summary="Pause the class, lock controls",
    responses={**TEACHER_ONLY, **NOT_FOUND},
)
async def set_rules(
    code: TeacherRoom,
    rules: Annotated[RoomRules, Body(openapi_examples=EXAMPLES_RULES)],
    key: TeacherKey,
    rooms: RoomsDep,
) -> dict[str, Any]:
    """``paused: true`` stops every student's run at once and refuses play, steps and
    training until ``paused: false``; ``locked`` (the whole list) names the controls no
    student may change: their pages disable them, and a change is a 403 naming the field.
    Students who join later get the same rules; they survive a restart."""
    return await rooms.set_rules(code, key, rules.paused, rules.locked)


async def _on_room_error(request: Request, exc: Exception) -> JSONResponse:
    code = next(STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS)
    return JSONResponse(status_code=code, content={"detail": str(exc)})


def install_rooms(app: FastAPI, settings: Settings) -> None:
    """The rooms (opened by the lifespan), their creation limiter and their errors'
    statuses; after ``app.state.pool`` and ``app.state.lessons`` are set."""
    app.state.rooms = Rooms(settings, app.state.pool, app.state.lessons)
    app.state.room_limiter = CreationLimiter(settings.room_rate, settings.room_burst)
    app.add_exception_handler(RoomError, _on_room_error)
