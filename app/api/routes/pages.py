"""The playground page at ``/`` (rendered from ``templates/index.html``).

The page carries ``GET /api/meta``'s document in a ``<script type="application/json">``, so
its menus and sliders are built from the server's tables without another request.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.templating import Jinja2Templates

from app.api.deps import SettingsDep
from app.api.routes.meta import page_meta
from app.config import app_version

router = APIRouter(include_in_schema=False)

PAGE = "index.html"


@router.get("/")
def index(request: Request, settings: SettingsDep) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    if not (settings.web_root / "templates" / PAGE).is_file():
        raise HTTPException(404, f"templates/{PAGE} is missing under {settings.web_root}")
    context = {"version": app_version(), "meta": page_meta(settings)}
    return templates.TemplateResponse(request, PAGE, context)
