"""``GET /metrics``: the engine workers' counts for Prometheus to scrape (text format).

The numbers come from one ``pool.stats()`` call, which asks every worker for its
``WorkerStats.snapshot``; before the pool runs (or in an app built without one) there is
nothing to ask, hence 503.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from app.api.metrics import render_metrics

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    pool = getattr(request.app.state, "pool", None)
    if pool is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "metrics: the engine workers are not running"
        )
    stats = await pool.stats()
    body, content_type = render_metrics(
        stats["workers"],
        stored_sessions=stats["stored_sessions"],
        front_streams=stats["front_streams"],
    )
    return Response(content=body, media_type=content_type)
