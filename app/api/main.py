"""Every router, gathered in one ``api_router``."""

from fastapi import APIRouter

from app.api.routes import (
    datasets,
    health,
    lessons,
    meta,
    model,
    pages,
    sessions,
    stream,
    train,
)

api_router = APIRouter()
for module in (health, meta, datasets, lessons, sessions, model, train, stream, pages):
    api_router.include_router(module.router)
