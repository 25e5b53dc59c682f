"""The web back office: French pages for case workers, accountants, the board, phone operators,
agencies, managers and auditors (MISSION.md "People and what they do with it").

``mount_web(app)`` adds to the application that ``recouvre.server.create_app`` assembles:

* ``router``: ``/`` and the pages (sign-in, queues, debtor file, search, proposals), which call
  the same ``recouvre.service.commands`` and ``recouvre.service.queries`` as the REST API;
* ``/static``: the stylesheet and HTMX (vendored from the npm package ``htmx.org``, served by
  the application: no CDN, no network at run time);
* the error pages (403, 404, CSRF refused) and the redirection to the sign-in page.

It replaces the placeholder ``/`` page of ``create_app`` when that one is still there.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from recouvre.web import back_office, campaigns, channels, dashboards, debtor_space
from recouvre.web import bank as bank  # registers the unmatched bank credits' page
from recouvre.web.enforcement import router as enforcement_router
from recouvre.web.pages import PageError, SignInRequired, render
from recouvre.web.routes import home_path, redirect, router
from recouvre.web.session import SESSION_COOKIE, clear_cookie, load_secret

__all__ = ["home_path", "mount_web", "router"]

STATIC_PATH = "/static"


def _sign_in_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    target = "/connexion"
    if request.method == "GET" and request.url.path not in ("/", "/connexion"):
        target = f"/connexion?suite={request.url.path}"
    if request.headers.get("hx-request") == "true":
        response: Response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = redirect(target)
    if SESSION_COOKIE in request.cookies:
        clear_cookie(request, response, SESSION_COOKIE)
    return response


def _page_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    response = render(
        request,
        "error.html",
        {"title": error.title, "message": error.message, "status": error.status, "org": None},
        web=error.web,
        status=error.status,
    )
    if request.headers.get("hx-request") == "true":
        # An HTMX request swaps a part of the page: the error replaces the whole content instead.
        response.headers.update(
            {"HX-Retarget": "#contenu", "HX-Reswap": "outerHTML", "HX-Reselect": "#contenu"}
        )
    return response


def mount_web(app: FastAPI, *, secret: bytes | None = None) -> None:
    """Serve the back office from ``app`` (see the module's docstring). A second call only
    replaces the secret, when one is given."""
    if getattr(app.state, "web_mounted", False):
        if secret is not None:
            app.state.web_secret = secret
        return
    app.state.web_mounted = True
    app.state.web_secret = secret if secret is not None else load_secret()
    app.router.routes[:] = [
        route
        for route in app.router.routes
        if not (isinstance(route, APIRoute) and route.path == "/" and "GET" in (route.methods or ()))
    ]
    app.include_router(router)
    app.include_router(enforcement_router)
    app.include_router(debtor_space.router)  # the debtor's own space, /debiteur/
    app.include_router(campaigns.router)  # phone campaigns, /o/{organism}/campagnes
    app.include_router(channels.router)  # a debtor's e-mail and SMS: consents, messages
    app.include_router(dashboards.router)
    app.include_router(back_office.router)
    app.mount(STATIC_PATH, StaticFiles(packages=[("recouvre.web", "static")]), name="static")
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(debtor_space.DebtorSignInRequired, debtor_space.sign_in_required)
    app.add_exception_handler(debtor_space.DebtorPageMissing, debtor_space.missing_page)
    app.add_exception_handler(debtor_space.CsrfRefused, debtor_space.csrf_refused)
