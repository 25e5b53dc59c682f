"""Rendering: the Jinja2 environment of ``templates/``, the signed-in user's session as the pages
see it, the HTML responses with their security headers, and the errors shown as pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from recouvre.security.authorization import Actor
from recouvre.web import labels

PAGE_HEADERS = {"Cache-Control": "no-store"}
"""Every page: nothing cached (the pages hold personal data). The security headers (a
Content-Security-Policy allowing scripts and styles from the application only, no framing,
nosniff, referrer kept to the same origin, HSTS) are added to every response, pages, API and
static files alike, by ``recouvre.server.SecurityHeaders``."""


@dataclass(frozen=True)
class WebSession:
    """The signed-in user, with what the pages need to show only what they may do."""

    actor: Actor
    token: str
    csrf: str
    allowed: frozenset[str]
    today: date
    inbox: int = 0
    """How many pending proposals the user may decide (the count beside « Propositions »)."""

    def can(self, action: str) -> bool:
        return action in self.allowed

    @property
    def role_names(self) -> str:
        return ", ".join(labels.label(labels.ROLE, role) for role in sorted(self.actor.roles))


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        super().__init__(reason)


class PageError(Exception):
    """An error shown as a page: 403 (not allowed), 404 (unknown), 400 (CSRF, bad request)."""

    def __init__(self, status: int, title: str, message: str, web: WebSession | None = None) -> None:
        self.status = status
        self.title = title
        self.message = message
        self.web = web
        super().__init__(f"{status} {title}: {message}")


def path_part(value: object) -> str:
    """A reference made safe for one segment of a path."""
    return quote(str(value), safe="")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("recouvre.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates are package data: no stat of the file at every page
    )
    env.filters["montant"] = labels.amount
    env.filters["jour"] = labels.day
    env.filters["jour_long"] = labels.long_day
    env.filters["chemin"] = path_part
    env.globals["label"] = labels.label
    env.globals["letter_title"] = labels.letter_title
    env.globals["L"] = labels
    return env


def compile_templates() -> int:
    """Compile every page template now, not at the first request for it: a server process starts
    serving its first minute (fifty people signing in at once) without a second of compiling in
    front of their pages. Returns how many were compiled."""
    env = environment()
    names = [name for name in env.list_templates() if name.endswith(".html")]
    for name in names:
        env.get_template(name)
    return len(names)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    web: WebSession | None,
    status: int = 200,
) -> HTMLResponse:
    values: dict[str, Any] = {
        "org": None,
        **context,
        "web": web,
        "path": request.url.path,
        "htmx": request.headers.get("hx-request") == "true",
    }
    page = environment().get_template(template).render(values)
    return HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
