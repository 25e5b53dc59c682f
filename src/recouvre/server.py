"""The application ``recouvre serve`` runs, assembled in one place: the REST API under
``/api/v1`` (``recouvre.api``) and the web back office at ``/`` (``recouvre.web``).

Neither edge imports the other: both call the door (``recouvre.service.commands`` and
``recouvre.service.queries``) and find the services on ``app.state.services``.
"""

from __future__ import annotations

from fastapi import FastAPI

from recouvre.api import create_api
from recouvre.api.body_limit import BodyLimit
from recouvre.service.context import Services
from recouvre.web import mount_web


def create_app(services: Services) -> FastAPI:
    app = create_api(services)
    mount_web(app)  # the back office pages: "/", sign-in, queues, debtor files
    app.add_middleware(BodyLimit)  # every route: 413 past MAX_BODY_BYTES, before any parsing
    return app
