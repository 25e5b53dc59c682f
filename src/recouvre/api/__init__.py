"""The REST API (FastAPI): HTTP concerns only — parse the request, call the door
(``recouvre.service.commands`` and ``recouvre.service.queries``), format the answer.

``create_api(services)`` builds it; ``recouvre.server.create_app`` adds the web pages to it.
"""

from recouvre.api.app import create_api

__all__ = ["create_api"]
