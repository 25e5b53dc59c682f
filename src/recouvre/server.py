"""The application ``recouvre serve`` runs, assembled in one place: the REST API under
``/api/v1`` (``recouvre.api``) and the web back office at ``/`` (``recouvre.web``).

Neither edge imports the other: both call the door (``recouvre.service.commands`` and
``recouvre.service.queries``) and find the services on ``app.state.services``.

Every response, API, pages, static files and errors alike, carries the security headers of
``SECURITY_HEADERS`` (``SecurityHeaders``, an ASGI middleware around the whole application). The
Content-Security-Policy allows nothing but the application's own origin: the pages load their
stylesheet and the vendored HTMX from ``/static`` and have no inline script or style (HTMX is
configured with ``includeIndicatorStyles: false`` and ``allowEval: false``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recouvre.api import create_api
from recouvre.api.body_limit import BodyLimit
from recouvre.api.idempotency import IdempotencyKeys
from recouvre.api.operations import RequestMetrics
from recouvre.api.operations import router as operations_router
from recouvre.security import logs
from recouvre.service.context import Services, open_services
from recouvre.web import mount_web
from recouvre.web.pages import compile_templates

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final = (
    ("strict-transport-security", "max-age=63072000; includeSubDomains"),
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),  # no-referrer would make browsers send "Origin: null"
)


INTERNAL_ERROR: Final = JSONResponse(status_code=500, content={"detail": "erreur interne"})
_ENCODED: Final = tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS)
_NAMES: Final = frozenset(name for name, _ in _ENCODED)


class SecurityHeaders:
    """Sets ``SECURITY_HEADERS`` on every HTTP response the wrapped application starts (replacing
    any value a route gave them: one policy for the whole application)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (name, value) for name, value in message.get("headers", []) if name.lower() not in _NAMES
                ]
                headers.extend(_ENCODED)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # An error no handler answered: Starlette's outermost error middleware would answer
            # it without these headers; answer here, then let it log the error.
            if not started:
                await INTERNAL_ERROR(scope, receive, send_with_headers)
            raise


def create_app(services: Services) -> FastAPI:
    app = create_api(services)
    app.include_router(operations_router)  # /health, /ready, /metrics: probes and scraper
    mount_web(app)  # the back office pages: "/", sign-in, queues, debtor files
    app.add_middleware(IdempotencyKeys)  # a write sent again with its key is answered once
    app.add_middleware(RequestMetrics)  # latency by route template
    app.add_middleware(BodyLimit)  # every route: 413 past MAX_BODY_BYTES, before any parsing
    app.add_middleware(SecurityHeaders)  # outermost: the 413 and every other answer carry them
    return app


SWITCH_INTERVAL_SECONDS: Final = float(os.environ.get("RECOUVRE_SWITCH_INTERVAL", "0.001"))
"""How long a server thread keeps the interpreter before another may run (Python's default:
5 ms). A request waits for the database some forty times (a payment); each time it must get the
interpreter back from the threads computing pages, up to this long: at 1 ms, the payment's p95
under the load scenario went from 210–300 to 200–210 ms (docs/operations.md, "Load")."""


def serving_app(services: Services) -> FastAPI:
    """The application of a server process: ``create_app`` with its page templates compiled
    before the first request."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    app = create_app(services)
    compile_templates()
    return app


DB_VARIABLE: Final = "RECOUVRE_SERVE_DB"
POLICY_VARIABLE: Final = "RECOUVRE_SERVE_POLICY_DIR"
LOG_LEVEL_VARIABLE: Final = "RECOUVRE_SERVE_LOG_LEVEL"
LOG_FORMAT_VARIABLE: Final = "RECOUVRE_SERVE_LOG_FORMAT"


def app_from_environment() -> FastAPI:
    """The application of one worker process of ``recouvre serve --workers N``.

    uvicorn starts each worker as a new process (``spawn``: nothing of the parent's memory, no
    connection inherited) and calls this factory there: the worker opens its own database engine
    from ``RECOUVRE_SERVE_DB`` (and ``RECOUVRE_SERVE_POLICY_DIR``), set by ``serve``, and
    configures its own logs. The workers share nothing but the database and the environment: the
    web sessions are signed cookies whose token lives in the database (``RECOUVRE_WEB_SECRET``,
    which ``serve`` draws once for all workers when it is not set), the idempotency keys are
    rows, the audit chain is appended under a lock the database holds.
    """
    url = os.environ.get(DB_VARIABLE)
    if not url:
        raise RuntimeError(f"{DB_VARIABLE}: the database of the worker is not set")
    logs.configure(
        os.environ.get(LOG_LEVEL_VARIABLE, "info"), json_lines=os.environ.get(LOG_FORMAT_VARIABLE) == "json"
    )
    policy = os.environ.get(POLICY_VARIABLE)
    return serving_app(open_services(url, Path(policy) if policy else None))
