"""The OpenAPI document as this server enforces it, and the pages that show it.

``install_openapi`` makes ``/openapi.json`` tell the truth about the app it describes: bounds
an operator sets show the settings in force, and every status the server can answer is
listed on the operations that can answer it.

``/docs`` (Swagger UI) and ``/redoc`` are served from assets on disk, not a CDN: the
playground is meant to run where there is no internet (a classroom, a container), and
FastAPI's default pages load their JavaScript from a CDN. The assets ship in the
``fastapi-offline`` package; only its static files are used here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.api.security import content_security_policy, inline_script_hashes
from app.config import Settings
from app.schemas import ErrorOut, apply_settings_bounds

ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"
STATE_CHANGING = ("put", "post", "delete", "patch")
NOT_JSON = "The request has a body whose Content-Type is not application/json"
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_REF = "#/components/schemas/ErrorOut"
UNREADABLE_BODY = (
    "The body is not JSON text that can be read: not UTF-8, nested too deep, or holding "
    "an integer with too many digits"
)
INVALID_INPUT = (
    "Invalid input: each item's `loc` names the field (`body`, `query` or `path` first), "
    "`msg` says what was expected and what came"
)


def error_response(description: str) -> dict[str, Any]:
    """An OpenAPI response whose body is ``ErrorOut``."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in OPERATIONS:
                yield method, operation


def _not_null(parameter: dict[str, Any]) -> None:
    """A query string cannot say null: an optional parameter's schema is its non-null branch."""
    schema = parameter.get("schema", {})
    branches = [branch for branch in schema.get("anyOf", ()) if branch != {"type": "null"}]
    if parameter.get("in") == "query" and len(branches) == 1 < len(schema["anyOf"]):
        outer = {key: value for key, value in schema.items() if key != "anyOf"}
        parameter["schema"] = {**branches[0], **outer}


def finish_openapi(document: dict[str, Any], settings: Settings) -> None:
    """Write the settings' bounds and the statuses every route shares into ``document``.

    Idempotent: marks are consumed and responses only added, so a second call changes
    nothing.
    """
    for _, operation in _operations(document):
        for parameter in operation.get("parameters", ()):
            _not_null(parameter)
    apply_settings_bounds(document, settings)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
    too_large = error_response(
        f"The request body is larger than the server's max_body_bytes "
        f"({settings.max_body_bytes} bytes)"
    )
    for method, operation in _operations(document):
        responses = operation.setdefault("responses", {})
        if "requestBody" in operation:
            responses.setdefault("400", error_response(UNREADABLE_BODY))
        responses.setdefault("413", too_large)  # the limit applies to every request
        if method in STATE_CHANGING:  # a body of any such request must be JSON
            responses.setdefault("415", error_response(NOT_JSON))
        if "422" in responses:
            responses["422"]["description"] = INVALID_INPUT


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Serve the document ``finish_openapi`` makes from FastAPI's (which FastAPI caches)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        finish_openapi(document, settings)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented hook


def with_own_policy(page: HTMLResponse, settings: Settings) -> HTMLResponse:
    """The page with a policy that admits its own inline scripts by hash, and inline styles:
    Swagger UI and ReDoc write style elements as they render."""
    html = bytes(page.body).decode()
    policy = content_security_policy(settings, inline_script_hashes(html), inline_styles=True)
    return HTMLResponse(html, headers={"content-security-policy": policy})


def install_offline_docs(app: FastAPI, settings: Settings) -> None:
    """Add ``/docs`` and ``/redoc`` to an app created with ``docs_url=None, redoc_url=None``."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} — API"
    swagger_page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
    )
    redoc_page = get_redoc_html(
        openapi_url=openapi_url,
        title=title,
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return with_own_policy(swagger_page, settings)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return with_own_policy(redoc_page, settings)
