"""The ASGI application: ``app.main:app``, or ``create_app(settings)`` for a custom one."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.api.docs import install_offline_docs, install_openapi
from app.api.errors import install_error_handlers
from app.api.main import api_router
from app.api.middleware import BodySizeLimit
from app.api.rate_limit import install_creation_limiter
from app.api.routes.rooms import install_rooms
from app.api.security import (
    HostCheck,
    JsonBodiesOnly,
    OriginCheck,
    SecurityHeaders,
    allowed_host_names,
    content_security_policy,
)
from app.config import Settings, app_version, get_settings
from app.lessons import load_catalog
from app.services.configs import engine_limits
from app.services.datadir import claim_data_dir
from app.services.durable import SqliteSnapshotStore
from app.workers.pool import WorkerPool, worker_count

logger = logging.getLogger(__name__)

DESCRIPTION = """
Train small NumPy neural networks on 2D data sets, step by step, on the server.

- **REST**: create a session, train it, change its config live, read its data, decision
  boundary, predictions and weights, train once without a session (`POST /api/train`), or
  compare learning rates on the same start (`POST /api/sweeps`).
- **WebSocket** `/api/sessions/{id}/stream`: play/pause/step and live frames (see
  `docs/protocol.md`).

Invalid input answers 422 naming the field; a body that is not readable JSON text 400; a
body over the server's size limit 413; a body whose Content-Type is not JSON 415; an unknown
session 404; a result that is not finite (a diverged network) 409; too many sessions created
from one address 429; a full server 503 with `Retry-After`. The bounds shown here are the
limits this server was started with.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app; ``settings`` default to the environment's.

    Its lifespan claims the data directory (one server per directory: a second one, such as
    ``uvicorn --workers 2`` would start, stops with a message naming NNP_WORKERS) and starts
    the engine workers; at shutdown the workers write every session to the store.
    """
    settings = settings or get_settings()
    # Read here too, so that a bad lesson file stops the server before anything starts.
    lessons = load_catalog(settings.lessons_dir, engine_limits(settings))
    pool = WorkerPool(settings, lessons)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with claim_data_dir(settings.data_dir, worker_count(settings)):
            # Made (WAL, tables) once here: the workers then open it side by side.
            SqliteSnapshotStore.in_data_dir(settings.data_dir).close()
            app.state.rooms.open()
            await pool.start()
            logger.info(
                "%d engine worker(s) serving the sessions in %s",
                len(pool.workers),
                settings.data_dir,
            )
            try:
                yield
            finally:
                await pool.stop()
                app.state.rooms.close()

    app = FastAPI(
        title="nn-playground",
        version=app_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_openapi(app, settings)
    install_offline_docs(app, settings)
    app.state.settings = settings
    app.state.pool = pool
    app.state.lessons = lessons
    install_creation_limiter(app, settings)
    install_rooms(app, settings)
    app.state.templates = Jinja2Templates(directory=settings.web_root / "templates")
    install_error_handlers(app)
    # The last added runs first: headers on every answer, then who asks, then what comes.
    app.add_middleware(JsonBodiesOnly)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(OriginCheck, allowed=settings.allowed_origins)
    app.add_middleware(HostCheck, allowed=allowed_host_names(settings))
    app.add_middleware(SecurityHeaders, policy=content_security_policy(settings))
    app.include_router(api_router)
    app.mount(
        "/static",
        StaticFiles(directory=settings.web_root / "static", check_dir=False),
        name="static",
    )
    return app


app = create_app()
