"""The playground page at ``/`` (rendered from ``templates/index.html``)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.templating import Jinja2Templates

from app.api.deps import SettingsDep
from app.config import app_version

router = APIRouter(include_in_schema=False)

PAGE = "index.html"


@router.get("/")
def index(request: Request, settings: SettingsDep) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    if not (settings.web_root / "templates" / PAGE).is_file():
        raise HTTPException(404, f"templates/{PAGE} is missing under {settings.web_root}")
    limits = {
        "max_fps": settings.max_fps,
        "default_fps": settings.default_fps,
        "max_resolution": settings.max_resolution,
        "max_hidden_layers": settings.max_hidden_layers,
        "max_neurons": settings.max_neurons,
        "max_samples": settings.max_samples,
        "max_custom_points": settings.max_custom_points,
    }
    return templates.TemplateResponse(request, PAGE, {"version": app_version(), "limits": limits})
