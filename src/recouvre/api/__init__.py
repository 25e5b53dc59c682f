"""The REST API (FastAPI) and the back office's framework-free commands and queries.

``create_app(services)`` builds the application; ``recouvre.api.commands`` (authorize, service
command, audit) and ``recouvre.api.queries`` (debtor file, queues…) are what the web pages reuse.
"""

from recouvre.api.app import create_app

__all__ = ["create_app"]
