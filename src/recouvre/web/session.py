"""Web sessions and CSRF protection for the back-office pages.

A web session *is* an API token of ``recouvre.service.accounts`` (``issue_token``: the same
sign-in, the same failure count and temporary lock, the same expiry after a working day, the same
revocation on sign-out or when the user is disabled), carried in a cookie instead of an
``Authorization`` header:

* the cookie ``recouvre_session`` holds ``<token>.<signature>``, the signature being an
  HMAC-SHA256 of the token under the installation's web secret; it is ``HttpOnly``,
  ``SameSite=Lax``, ``Path=/``, and ``Secure`` when the page was asked for over https;
* the database keeps only the token's SHA-256 (``accounts``), so a copy of the database does not
  give a session.

CSRF: every POST carries the session's CSRF token, in the hidden field ``csrf`` or in the header
``X-CSRF-Token`` (HTMX sends it from ``hx-headers`` on ``<body>``). The token is an HMAC of the
session token under the secret (``csrf:`` domain): one per session, never stored, compared in
constant time. The sign-in form, before any session, is protected the same way with a random
pre-session cookie ``recouvre_presession`` (signed double submit). A POST whose ``Origin`` names
another site is refused as well.

The secret comes from the environment variable ``RECOUVRE_WEB_SECRET`` (at least 32
characters); without it, a random secret is drawn when the application starts: sessions then
do not survive a restart and cannot be shared between worker processes. It is never written in
the repository nor in a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "recouvre_session"
PRESESSION_COOKIE = "recouvre_presession"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SECRET_VARIABLE = "RECOUVRE_WEB_SECRET"
MIN_SECRET_LENGTH = 32
MAX_COOKIE_LENGTH = 512


class SecretTooShort(ValueError):
    """``RECOUVRE_WEB_SECRET`` is set but too short to sign anything."""


def load_secret() -> bytes:
    """The web secret: ``RECOUVRE_WEB_SECRET``, or a random one for this process."""
    configured = os.environ.get(SECRET_VARIABLE)
    if configured is None or configured == "":
        return secrets.token_bytes(32)
    if len(configured) < MIN_SECRET_LENGTH:
        raise SecretTooShort(f"{SECRET_VARIABLE}: at least {MIN_SECRET_LENGTH} characters")
    return configured.encode("utf-8")


def _mac(secret: bytes, domain: str, value: str) -> str:
    digest = hmac.new(secret, f"{domain}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_session(secret: bytes, token: str) -> str:
    return f"{token}.{_mac(secret, 'session', token)}"


def unsign_session(secret: bytes, value: str | None) -> str | None:
    """The token of a session cookie whose signature holds, else ``None``."""
    if not value or len(value) > MAX_COOKIE_LENGTH or "." not in value:
        return None
    token, _, signature = value.rpartition(".")
    if not token or not hmac.compare_digest(signature, _mac(secret, "session", token)):
        return None
    return token


def csrf_token(secret: bytes, session_token: str) -> str:
    """The CSRF token of a session (or of a pre-session nonce, for the sign-in form)."""
    return _mac(secret, "csrf", session_token)


def csrf_matches(secret: bytes, session_token: str | None, sent: str | None) -> bool:
    if not session_token or not sent:
        return False
    return hmac.compare_digest(sent, csrf_token(secret, session_token))


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, path="/", httponly=True, samesite="lax", secure=is_https(request), max_age=None
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))


def same_origin(request: Request) -> bool:
    """``False`` when the browser says the POST comes from another site (``Origin``)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    # The host only: behind a TLS proxy without forwarded headers, the scheme seen here is http.
    return urlsplit(origin).netloc == request.url.netloc


@dataclass(frozen=True)
class PreSession:
    """The nonce of the sign-in form, with its CSRF token."""

    nonce: str
    csrf: str
    new: bool


def presession(request: Request, secret: bytes) -> PreSession:
    """The pre-session nonce of this browser (a new one when it has none or a forged one)."""
    nonce = unsign_session(secret, request.cookies.get(PRESESSION_COOKIE))
    if nonce is not None:
        return PreSession(nonce, csrf_token(secret, nonce), new=False)
    nonce = secrets.token_urlsafe(24)
    return PreSession(nonce, csrf_token(secret, nonce), new=True)
