"""The playground page at ``/`` (rendered from ``templates/index.html``).

The page carries ``GET /api/meta``'s document in a ``<script type="application/json">``, so
its menus and sliders are built from the server's tables without another request. It is
rendered in the reader's language (``?lang=ko|en``, else ``Accept-Language``) and carries
every language's catalogue, so that its scripts can switch without reloading.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.templating import Jinja2Templates

from app.api.catalogues import choose_language, load_catalogues, translator
from app.api.deps import SettingsDep
from app.api.routes.meta import page_meta
from app.config import Settings, app_version
from app.rooms.codes import CODE_PATTERN

router = APIRouter(include_in_schema=False)

PAGE = "index.html"


def language_context(request: Request, settings: Settings) -> dict[str, Any]:
    """What every page's template needs: the version, the reader's language (``?lang=``,
    else Accept-Language), both catalogues and ``t`` for the server-rendered words."""
    language = choose_language(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )
    catalogues = load_catalogues(settings.web_root)
    return {
        "version": app_version(),
        "lang": language,
        "catalogues": catalogues,
        # A message the language lacks reads as in English, as it does in the page's scripts.
        "t": translator({**catalogues["en"], **catalogues[language]}),
    }


@router.get("/")
def index(request: Request, settings: SettingsDep) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    if not (settings.web_root / "templates" / PAGE).is_file():
        raise HTTPException(404, f"templates/{PAGE} is missing under {settings.web_root}")
    context = {
        **language_context(request, settings),
        "meta": page_meta(settings),
        # the "join a class" field checks a code as the server reads one (HTML anchors it)
        "code_pattern": CODE_PATTERN.strip("^$"),
    }
    response = templates.TemplateResponse(request, PAGE, context)
    response.headers["vary"] = "Accept-Language"
    return response
