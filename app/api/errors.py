"""Every error a client can cause becomes a 4xx with a JSON body; none becomes a 500.

- invalid input (pydantic, or ``ValueError("field: expected …, got …")`` from the services
  and the engine) -> 422 ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``, the
  shape FastAPI uses, with ``loc`` naming the field;
- unknown session -> 404; server full -> 503; a result that is not finite -> 409.

The echoed ``input`` of a validation error is kept only when it is a small finite scalar,
so a NaN or a megabyte of points never travels back.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.services.errors import NotFinite, SessionNotFound, StoreFull, field_path

Loc = tuple[str | int, ...]
PYDANTIC_VALUE_ERROR = "Value error, "
MAX_ECHO_CHARS = 100
RETRY_AFTER_SECONDS = 30


def value_error_item(exc: ValueError, prefix: Loc = ("body",)) -> dict[str, Any]:
    path, message = field_path(str(exc))
    return {"loc": [*prefix, *path], "msg": message, "type": "value_error"}


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
    return isinstance(value, str) and len(value) <= MAX_ECHO_CHARS


def clean_error(error: dict[str, Any]) -> dict[str, Any]:
    """One validation error, JSON-safe, with a model-level "field: …" message moved into loc."""
    loc = list(error.get("loc", ()))
    message = str(error.get("msg", ""))
    if message.startswith(PYDANTIC_VALUE_ERROR):
        path, message = field_path(message.removeprefix(PYDANTIC_VALUE_ERROR))
        loc.extend(path)
    item: dict[str, Any] = {"loc": loc, "msg": message, "type": error.get("type", "value_error")}
    if "input" in error and _small_scalar(error["input"]):
        item["input"] = error["input"]
    context = error.get("ctx")
    if context and item["type"] != "value_error":  # a value error's context repeats its msg
        item["ctx"] = {
            key: value if _small_scalar(value) else str(value)[:MAX_ECHO_CHARS]
            for key, value in context.items()
        }
    return item


def _validation_response(errors: Sequence[Any]) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": [clean_error(e) for e in errors]})


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _validation_response(exc.errors())


async def _on_value_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValueError)
    return _validation_response([value_error_item(exc)])


async def _on_not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def _on_store_full(request: Request, exc: Exception) -> JSONResponse:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(status_code=503, content={"detail": str(exc)}, headers=headers)


async def _on_not_finite(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": str(exc)})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ValueError, _on_value_error)
    app.add_exception_handler(SessionNotFound, _on_not_found)
    app.add_exception_handler(StoreFull, _on_store_full)
    app.add_exception_handler(NotFinite, _on_not_finite)
