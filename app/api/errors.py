"""Every error a client can cause becomes a 4xx with a JSON body; none becomes a 500.

- invalid input (pydantic, or ``ValueError("field: expected …, got …")`` from the services
  and the engine) -> 422 ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``, the
  shape FastAPI uses, with ``loc`` naming the field;
- a body that cannot be read as JSON text (not UTF-8, nested too deep, a number with
  too many digits) -> 400 ``{"detail": "body: expected …, got …"}``;
- unknown session -> 404; server full -> 503; a result that is not finite -> 409;
- a room student changing a control the teacher locked -> 403, training while the teacher
  has paused the class -> 409, each ``{"detail": "field: …"}`` naming the field;
- a method the path does not support -> 405 whose ``Allow`` lists every method it does
  (FastAPI registers one route per method, and Starlette's 405 names only the first's).

The echoed ``input`` of a validation error is kept only when it is a small finite scalar
that UTF-8 can encode, so a NaN, a lone surrogate or a megabyte of points never travels
back; a lone surrogate in a field name or message is written as its escape (``\\ud800``).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from app.services.class_rules import ClassLocked, ClassPaused
from app.services.errors import (
    EngineUnavailable,
    NoLesson,
    NotFinite,
    SessionNotFound,
    StoreFull,
    field_path,
)

Loc = tuple[str | int, ...]
PYDANTIC_VALUE_ERROR = "Value error, "
MAX_ECHO_CHARS = 100
RETRY_AFTER_SECONDS = 30
# The order an ``Allow`` header lists methods in (RFC 9110 leaves it free).
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Errors pydantic reports when a body was not parsed as JSON at all (no JSON content type).
_NOT_AN_OBJECT = frozenset({"model_attributes_type", "model_type", "dict_type"})


def wire_text(text: str) -> str:
    """``text`` with any lone surrogate (which UTF-8 cannot encode) written as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def value_error_item(exc: ValueError, prefix: Loc = ("body",)) -> dict[str, Any]:
    path, message = field_path(str(exc))
    return {"loc": [*prefix, *path], "msg": wire_text(message), "type": "value_error"}


@contextmanager
def invalid_input(*prefix: str | int) -> Iterator[None]:
    """Report a ``ValueError`` raised inside as a 422 whose ``loc`` starts with ``prefix``."""
    try:
        yield
    except RequestValidationError:
        raise
    except ValueError as exc:
        raise RequestValidationError([value_error_item(exc, prefix or ("body",))]) from exc


def _small_scalar(value: Any) -> bool:
    if value is None or isinstance(value, bool | int):
        return not isinstance(value, int) or abs(value) < 10**15
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= MAX_ECHO_CHARS and wire_text(value) == value


def _message(error: dict[str, Any]) -> str:
    """pydantic's message, or ours where it says too little."""
    message = str(error.get("msg", ""))
    if error.get("type") == "string_unicode":  # the only str UTF-8 cannot encode
        found = _SURROGATE.search(str(error.get("input", "")))
        shown = f" ({wire_text(found.group())})" if found else ""
        return f"expected a valid Unicode string, got a lone surrogate{shown}"
    if error.get("type") == "json_invalid":  # loc ends with the character offset
        reason = (error.get("ctx") or {}).get("error", "a syntax error")
        return f"expected a JSON document, got invalid JSON ({str(reason).lower()})"
    return message


def clean_error(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error, JSON-safe, with a model-level "field: …" message moved into loc."""
    loc = list(error.get("loc", ()))
    message = _message(error)
    if message.startswith(PYDANTIC_VALUE_ERROR):
        path, message = field_path(message.removeprefix(PYDANTIC_VALUE_ERROR))
        loc.extend(path)
    item: dict[str, Any] = {
        "loc": [wire_text(part) if isinstance(part, str) else part for part in loc],
        "msg": wire_text(message),
        "type": error.get("type", "value_error"),
    }
    if "input" in error and _small_scalar(error["input"]):
        item["input"] = error["input"]
    context = error.get("ctx")
    if context and item["type"] != "value_error":  # a value error's context repeats its msg
        item["ctx"] = {
            key: value if _small_scalar(value) else wire_text(str(value)[:MAX_ECHO_CHARS])
            for key, value in context.items()
        }
    return item


def _validation_response(errors: Sequence[Any]) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [clean_error(e) for e in errors]})


def _not_json(request: Request, error: dict[str, Any]) -> dict[str, Any]:
    """A body sent without a JSON content type reaches the model as bytes: say why."""
    if tuple(error.get("loc", ())) != ("body",) or error.get("type") not in _NOT_AN_OBJECT:
        return error
    content_type = request.headers.get("content-type")
    if content_type is not None and "json" in content_type.lower():
        return error
    got = repr(content_type[:MAX_ECHO_CHARS]) if content_type is not None else "none"
    return {**error, "msg": f"expected Content-Type application/json, got {got}"}


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _validation_response([_not_json(request, error) for error in exc.errors()])


def unreadable_body(cause: BaseException | None) -> str:
    """What was wrong with a body FastAPI could not turn into JSON (it answers 400)."""
    if isinstance(cause, UnicodeDecodeError):
        byte = cause.object[cause.start]
        return f"body: expected UTF-8 text, got byte 0x{byte:02x} at position {cause.start}"
    if isinstance(cause, RecursionError):
        return "body: expected JSON nested less deeply, got deeper nesting than the parser allows"
    if isinstance(cause, ValueError) and "digits" in str(cause):  # int("9" * 5000)
        most = sys.get_int_max_str_digits()
        return f"body: expected integers of at most {most} digits, got a longer one"
    return "body: expected a JSON document, got one that could not be read"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path: the router asked once per method."""
    routes = request.app.router.routes
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and exc.__cause__ is not None:
        exc = HTTPException(400, unreadable_body(exc.__cause__), exc.headers)
    elif exc.status_code == 405:
        methods = allowed_methods(request)
        # A route that matched this very method refused it itself (a mount): keep its Allow.
        if methods and request.method not in methods:
            exc = HTTPException(
                405, exc.detail, {**(exc.headers or {}), "Allow": ", ".join(methods)}
            )
    return await http_exception_handler(request, exc)


async def _on_value_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValueError)
    return _validation_response([value_error_item(exc)])


async def _on_not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _on_store_full(request: Request, exc: Exception) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(status_code=503, content={"detail": str(exc)}, headers=headers)


async def _on_engine_unavailable(request: Request, exc: Exception) -> JSONResponse:
    headers = {"Retry-After": "1"}
    return JSONResponse(status_code=503, content={"detail": str(exc)}, headers=headers)


async def _on_no_lesson(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(exc)})


async def _on_not_finite(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(exc)})


async def _on_class_locked(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=403, content={"detail": wire_text(str(exc))})


async def _on_class_paused(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(exc)})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ValueError, _on_value_error)
    app.add_exception_handler(SessionNotFound, _on_not_found)
    app.add_exception_handler(StoreFull, _on_store_full)
    app.add_exception_handler(NotFinite, _on_not_finite)
    app.add_exception_handler(EngineUnavailable, _on_engine_unavailable)
    app.add_exception_handler(NoLesson, _on_no_lesson)
    app.add_exception_handler(ClassLocked, _on_class_locked)
    app.add_exception_handler(ClassPaused, _on_class_paused)
