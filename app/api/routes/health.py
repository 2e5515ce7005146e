from __future__ import annotations

from fastapi import APIRouter

from app.api.examples import json_example
from app.config import app_version
from app.schemas import HealthOut

router = APIRouter(prefix="/api", tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    summary="Liveness probe",
    responses=json_example({"status": "ok", "version": "0.1.0"}),
)
async def health() -> dict[str, str]:
    return {"status": "ok", "version": app_version()}
