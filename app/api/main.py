"""Every router, gathered in one ``api_router``."""

from fastapi import APIRouter

from app.api.routes import (
    board,
    challenges,
    datasets,
    health,
    join_page,
    lessons,
    meta,
    metrics,
    model,
    pages,
    rooms,
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
    rooms,
    challenges,
    board,
    join_page,
    model,
    train,
    sweeps,
    stream,
    pages,
):
    api_router.include_router(module.router)
