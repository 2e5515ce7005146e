from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.engine import DATASETS
from app.schemas import DatasetOut

router = APIRouter(prefix="/api", tags=["datasets"])


@router.get("/datasets", response_model=list[DatasetOut], summary="The data sets on offer")
async def list_datasets() -> list[dict[str, Any]]:
    """Every data set: its problem kind, class count (null if variable) and what noise does."""
    return [
        {
            "name": spec.name,
            "problem": spec.problem,
            "classes": spec.classes,
            "description": spec.description,
        }
        for spec in DATASETS.values()
    ]
