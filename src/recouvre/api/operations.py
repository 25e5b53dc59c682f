"""Endpoints for the operator's probes and scraper, outside ``/api/v1`` and without sign-in:

* ``GET /health``: the process answers (liveness; reads nothing);
* ``GET /ready``: the database answers and its schema is at the migrations' head (readiness:
  503 with the reason otherwise, so that a load balancer sends no user to a server whose
  migrations have not run);
* ``GET /metrics``: Prometheus figures (``recouvre.service.metrics``). They hold no personal
  data but describe the activity: with ``RECOUVRE_METRICS_TOKEN`` set, the scraper presents it
  as a bearer token; without it, only a client on the same machine is answered.
"""

from __future__ import annotations

import hmac
import os
import time
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recouvre.service import metrics
from recouvre.service.commands import operations

TOKEN_VARIABLE: Final = "RECOUVRE_METRICS_TOKEN"
LOOPBACK: Final = frozenset({"127.0.0.1", "::1", "localhost", "testclient"})

router = APIRouter(include_in_schema=False)


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    found = operations.readiness(request.app.state.services)
    if found.ready:
        return JSONResponse({"status": "prêt", "schema": found.revision})
    return JSONResponse({"status": "non prêt", "raison": found.problem}, status_code=503)


def _may_scrape(request: Request) -> bool:
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.client is not None and request.client.host in LOOPBACK


@router.get("/metrics")
def scrape(request: Request) -> Response:
    if not _may_scrape(request):
        return JSONResponse({"detail": "accès refusé"}, status_code=403)
    return Response(metrics.exposition(request.app.state.services), media_type=metrics.CONTENT_TYPE)


class RequestMetrics:
    """Observes every HTTP request's duration under its route template (``/api/v1/claims/{ref}``,
    never the concrete path), method and status class."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(aucune route)"
            metrics.observe_request(scope["method"], template, status, time.perf_counter() - started)
