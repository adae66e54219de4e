"""Every error becomes an HTTP response here, one handler per exception class.

4xx answers are logged at WARNING, 5xx at ERROR; internals never reach the caller.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from threatflow import errors

log = logging.getLogger("threatflow.api")

# (exception class, HTTP status, error type); the first match wins, so subclasses come first
MAPPING: list[tuple[type[Exception], int, str]] = [
    (errors.WorkflowInvalid, 422, "workflow_invalid"),
    (errors.PayloadTooLarge, 413, "too_large"),
    (errors.ParamsInvalid, 422, "invalid"),
    (errors.InvalidInput, 400, "invalid"),
    (errors.NotFound, 404, "not_found"),
    (errors.Conflict, 409, "conflict"),
    (errors.AuthError, 401, "unauthorized"),
    (errors.Unavailable, 503, "unavailable"),
    (errors.ActionError, 502, "action_failed"),
    (errors.ConfigError, 500, "config"),
]


def classify(exc: Exception) -> tuple[int, str] | None:
    """The HTTP status and error type of a Threatflow error, or None for other errors."""
    for cls, status, kind in MAPPING:
        if isinstance(exc, cls):
            return status, kind
    return None


def body(kind: str, message: str, problems: list[dict[str, str]] | None = None) -> dict[str, Any]:
    content: dict[str, Any] = {"error": kind, "message": message}
    if problems is not None:
        content["problems"] = problems
    return content


def _respond(request: Request, status: int, content: dict[str, Any]) -> JSONResponse:
    level = logging.WARNING if status < 500 else logging.ERROR
    log.log(level, "%s %s -> %d %s", request.method, request.url.path, status, content["message"])
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(content, status_code=status, headers=headers)


def _problems(exc: Exception) -> list[dict[str, str]] | None:
    if isinstance(exc, errors.WorkflowInvalid | errors.ParamsInvalid):
        return [p.as_dict() for p in exc.problems]
    return None


def _make_handler(status: int, kind: str) -> Any:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return _respond(request, status, body(kind, str(exc), _problems(exc)))

    return handle


def _loc(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [{"path": _loc(tuple(e["loc"])), "message": e["msg"], "code": e["type"]}
                for e in exc.errors()]
    first = problems[0] if problems else {"path": "", "message": "invalid request"}
    message = f"{first['path']}: {first['message']}" if first["path"] else first["message"]
    return _respond(request, 422, body("invalid", message, problems))


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    kind = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http")
    return _respond(request, exc.status_code, body(kind, str(exc.detail)))


async def _database(request: Request, exc: OperationalError) -> JSONResponse:
    log.error("database unavailable: %s", exc.orig)
    return _respond(request, 503, body("unavailable", "the database is unavailable"))


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(request, 500, body("internal", "internal error; see the server log"))


def install(app: FastAPI) -> None:
    for cls, status, kind in MAPPING:
        app.add_exception_handler(cls, _make_handler(status, kind))
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _database)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal)
