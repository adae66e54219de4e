"""The FastAPI application: routers, error handlers, health, metrics and the web UI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from threatflow import __version__
from threatflow.api import errors
from threatflow.api.deps import CoreDep, UserDep
from threatflow.apps.router import router as apps_router
from threatflow.assets.router import router as assets_router
from threatflow.config import Settings
from threatflow.core import Core
from threatflow.credentials.router import router as credentials_router
from threatflow.engine.model import workflow_json_schema
from threatflow.executions.router import router as executions_router
from threatflow.hooks.router import HOOK_OPENAPI, HookEndpoint
from threatflow.hooks.router import router as hooks_router
from threatflow.ids import iso
from threatflow.metrics import IN_FLIGHT, REGISTRY
from threatflow.scheduler import next_times
from threatflow.users.router import router as users_router
from threatflow.workflows.router import router as workflows_router

log = logging.getLogger("threatflow.api")

misc = APIRouter(tags=["misc"])


@misc.get("/schemas/workflow")
def workflow_schema() -> dict[str, Any]:
    return workflow_json_schema()


@misc.get("/schedules/preview")
def schedule_preview(user: UserDep, cron: str, count: int = 5,
                     timezone: str = "UTC") -> dict[str, Any]:
    return {"times": [iso(t) for t in next_times(cron, max(1, min(count, 50)), timezone)]}


def web_dir() -> Path:
    return Path(str(files("threatflow"))) / "web"


def _mount_ui(app: FastAPI) -> None:
    root = web_dir()
    index = root / "index.html"
    if not index.exists():
        log.warning("the web UI is not built (no %s); the API works without it. "
                    "Run 'make ui' to build it.", index)
        return
    if (root / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=root / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    def spa(path: str) -> Response:
        if path.startswith("api/"):
            return JSONResponse(errors.body("not_found", f"no API route /{path}"), 404)
        candidate = (root / path).resolve()
        if path and candidate.is_file() and root in candidate.parents:
            return FileResponse(candidate)
        return FileResponse(index)


def create_app(settings: Settings | None = None, core: Core | None = None) -> HookEndpoint:
    """The ASGI application the server runs: the webhook endpoint in front of the API.

    The Core starts and stops with the application's lifespan; ``.app`` is the FastAPI app.
    """
    core = core or Core(settings or Settings())
    return HookEndpoint(create_api(core), core)


def create_api(core: Core) -> FastAPI:
    """The FastAPI application: every route but the webhook POST."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await core.start()
        try:
            yield
        finally:
            await core.stop()

    app = FastAPI(title="Threatflow", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/openapi.json")
    app.state.core = core
    errors.install(app)
    for router in (users_router, workflows_router, executions_router, hooks_router,
                   credentials_router, apps_router, assets_router, misc):
        app.include_router(router, prefix="/api/v1")

    @app.get("/healthz", tags=["misc"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["misc"])
    def readyz(core: CoreDep) -> JSONResponse:
        try:
            with core.db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "database": str(type(exc).__name__)},
                                status_code=503)
        return JSONResponse({"status": "ready", "database": "ok"})

    @app.get("/metrics", tags=["misc"])
    def metrics(core: CoreDep) -> Response:
        IN_FLIGHT.set(core.executor.in_flight if core.executor else 0)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    _mount_ui(app)
    _document_hooks(app)
    return app


def _document_hooks(app: FastAPI) -> None:
    """Describe the webhook endpoint, which an ASGI layer serves, in the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schema["paths"].setdefault("/api/v1/hooks/{hook_id}", HOOK_OPENAPI)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
