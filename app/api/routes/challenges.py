"""Challenges: the built-in ones a teacher can set for a room (``app/challenges``), and a
student's standing in their room's challenge, asked with their own session id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import SessionId
from app.api.routes.rooms import RoomsDep, error
from app.challenges import builtin_challenges
from app.schemas.challenges import ChallengeOut
from app.schemas.rooms import StandingOut

router = APIRouter(tags=["rooms"])


@router.get(
    "/api/sessions/{session_id}/standing",
    response_model=StandingOut,
    summary="A student's standing in their room's challenge",
    responses={404: error("No such session, or the student's room has expired")},
)
async def read_standing(session_id: SessionId, rooms: RoomsDep) -> dict[str, Any]:
    """The room's challenge, this student's progress and rank, how many have reached it,
    and (if the teacher shows it) the top of the ranking by name and rank only."""
    return await rooms.standing(session_id)


@router.get(
    "/api/challenges",
    response_model=list[ChallengeOut],
    summary="The built-in challenges, in order",
)
def list_challenges() -> list[dict[str, Any]]:
    """Each challenge's target (in the lessons' check language), its rules, its start and
    its text in English and Korean; ``reachable: false`` marks one meant to be out of reach."""
    return [challenge.as_document() for challenge in builtin_challenges().values()]
