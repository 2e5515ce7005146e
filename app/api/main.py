"""Every router, gathered in one ``api_router``."""

from fastapi import APIRouter

from app.api.routes import (
    datasets,
    health,
    lessons,
    meta,
    metrics,
    model,
    pages,
    sessions,
    stream,
    sweeps,
    train,
)

api_router = APIRouter()
for module in (
    health,
    metrics,
    meta,
    datasets,
    lessons,
    sessions,
    model,
    train,
    sweeps,
    stream,
    pages,
):
    api_router.include_router(module.router)
