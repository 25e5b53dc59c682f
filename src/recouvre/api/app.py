"""``create_api(services)``: the REST API of the application that ``recouvre.server`` assembles.

* ``/api/v1/…``: the REST API (``recouvre.api.routes``); its OpenAPI document at ``/openapi.json``,
  for a signed-in user (bearer token) unless ``RECOUVRE_PUBLIC_OPENAPI=1`` makes it public.
  There is no ``/docs`` page: FastAPI's Swagger UI loads its script from a third-party CDN, which
  the back office never does. Read the document with any local viewer (Swagger UI or Redoc run
  locally, an IDE's OpenAPI plug-in) after ``curl -H "Authorization: Bearer …" …/openapi.json``.
* ``/``: for now a French page that says the back-office pages are coming and where the API is.

Errors are JSON and name the field and the value: ``401`` without a valid token, ``403`` for an
act the roles, mandates or separation of duties forbid, ``404`` for an unknown reference, ``409``
for an event the rules refuse (recorded as refused), ``422`` for an invalid value.

Personal data stays out of the logs: the engine hides SQL parameters (a NIR searched for is a
parameter) and its statement logger is kept at WARNING; searches by NIR go in a POST body, never
in a URL that an access log would print; NIR and IBAN leave the API masked.
"""

from __future__ import annotations

import logging
import math
import os

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from recouvre.api.cnss import router as cnss_router
from recouvre.api.deps import get_actor
from recouvre.api.enforcement import router as enforcement_router
from recouvre.api.routes import router
from recouvre.api.third_party import router as third_party_router
from recouvre.domain.errors import BatchRejected, Busy, NotFound, Refused
from recouvre.domain.model import DomainError
from recouvre.domain.money import AmountError
from recouvre.security.authorization import Forbidden
from recouvre.service.accounts import SignInBusy, SignInRefused, SignInThrottled
from recouvre.service.context import Services
from recouvre.service.door import transient
from recouvre.service.trail import jsonable

log = logging.getLogger("recouvre.api")

DESCRIPTION = """API REST de Recouvre : recouvrement des indus (Caf) et des cotisations (CNSS).

Authentification : `POST /api/v1/auth/token` avec un nom d'utilisateur et un mot de passe, puis
`Authorization: Bearer <jeton>`. Chaque opération indique l'action qu'elle demande (`x-action`),
accordée par les rôles et les mandats (`recouvre/security/roles.yaml`). Montants en texte à deux
décimales (`"120.50"`), dates `AAAA-MM-JJ`, NIR et IBAN toujours masqués.

Renvoi sans risque : toute écriture (`POST`, `PUT`, `PATCH`, `DELETE`) accepte l'en-tête
`Idempotency-Key` (1 à 200 caractères) ; la même requête renvoyée avec la même clé reçoit la
première réponse (en-tête `Idempotent-Replayed: true`) et n'enregistre rien de plus ; la même
clé avec une autre requête est refusée (422).
"""


def _problem(status: int, detail: str, error: DomainError | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": detail}
    if error is not None:
        body.update({"field": error.field, "value": jsonable(error.value), "reason": error.reason})
    return JSONResponse(status_code=status, content=body)


def _busy(detail: str, retry_after: int) -> JSONResponse:
    return JSONResponse(
        status_code=503, content={"detail": detail}, headers={"Retry-After": str(retry_after)}
    )


class NoResultRows(logging.Filter):
    """Drop SQLAlchemy's DEBUG records: they print result rows, whose columns hold NIR and IBAN."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def keep_personal_data_out_of_logs(services: Services) -> None:
    """SQL parameters and result rows (a NIR, an IBAN) are neither logged nor put in error
    messages, even when an operator turns SQL logging on."""
    services.db.engine.hide_parameters = True
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(existing, NoResultRows) for existing in engine_log.filters):
        engine_log.addFilter(NoResultRows())


SECRET_FIELDS = frozenset({"password", "nir", "iban", "token", "access_token"})
"""Fields whose value an error never echoes (personal data, secrets)."""


def _echo(location: tuple[object, ...], value: object) -> object:
    if any(str(part).lower() in SECRET_FIELDS for part in location):
        return "(masqué)"
    if isinstance(value, str | int | float | bool) or value is None:
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)  # JSON has no inf: a 1e999 number is echoed as text
        if isinstance(value, str):
            return value[:100].encode("utf-8", "replace").decode("utf-8")  # a lone surrogate: "?"
        return value
    return "(…)"


def _validation_error(_: Request, error: Exception) -> JSONResponse:
    """422 for an invalid body, path or query: each field with its value and the reason; the value
    of a password, a NIR or an IBAN is not echoed."""
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        location = tuple(item.get("loc", ()))
        problems.append(
            {
                "field": ".".join(str(part) for part in location),
                "value": _echo(location, item.get("input")),
                "reason": item.get("msg", ""),
            }
        )
    first = problems[0] if problems else {"field": "", "value": None, "reason": ""}
    return JSONResponse(
        status_code=422,
        content={"detail": f"{first['field']}={first['value']!r}: {first['reason']}", "problems": problems},
    )


OPENAPI_PATH = "/openapi.json"
PUBLIC_OPENAPI_SETTING = "RECOUVRE_PUBLIC_OPENAPI"


def public_openapi() -> bool:
    """Whether ``/openapi.json`` is served without a token (``RECOUVRE_PUBLIC_OPENAPI=1``)."""
    return os.environ.get(PUBLIC_OPENAPI_SETTING, "").strip() == "1"


def create_api(services: Services, *, public_schema: bool | None = None) -> FastAPI:
    keep_personal_data_out_of_logs(services)
    app = FastAPI(
        title="Recouvre",
        version="1",
        description=DESCRIPTION,
        openapi_url=None,  # served below, behind sign-in
        docs_url=None,  # Swagger UI would load from a CDN
        redoc_url=None,
    )
    app.state.services = services
    app.include_router(router)
    app.include_router(enforcement_router)
    app.include_router(cnss_router)
    app.include_router(third_party_router)
    public = public_openapi() if public_schema is None else public_schema
    signed_in = [] if public else [Depends(get_actor)]

    @app.get(OPENAPI_PATH, include_in_schema=False, dependencies=signed_in)
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())

    app.add_exception_handler(RequestValidationError, _validation_error)

    @app.middleware("http")
    async def log_requests(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        # The path only: a query string could carry what a user typed.
        log.debug("%s %s -> %s", request.method, request.url.path, response.status_code)
        return response

    @app.exception_handler(Forbidden)
    def forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": error.reason, "action": error.action})

    @app.exception_handler(SignInRefused)
    def sign_in_refused(_: Request, error: SignInRefused) -> JSONResponse:
        return JSONResponse(
            status_code=401, content={"detail": error.reason}, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(SignInThrottled)
    def sign_in_throttled(_: Request, error: SignInThrottled) -> JSONResponse:
        return JSONResponse(
            status_code=429,
            content={"detail": error.reason, "retry_after": error.retry_after},
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(SignInBusy)
    def sign_in_busy(_: Request, error: SignInBusy) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": error.reason, "retry_after": error.retry_after},
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(NotFound)
    def not_found(_: Request, error: NotFound) -> JSONResponse:
        return _problem(404, str(error), error)

    @app.exception_handler(Refused)
    def refused(_: Request, error: Refused) -> JSONResponse:
        return _problem(409, str(error), error)

    @app.exception_handler(DomainError)
    def domain_error(_: Request, error: DomainError) -> JSONResponse:
        return _problem(422, str(error), error)

    @app.exception_handler(AmountError)
    def amount_error(_: Request, error: AmountError) -> JSONResponse:
        return _problem(422, str(error))

    @app.exception_handler(Busy)
    def busy(_: Request, error: Busy) -> JSONResponse:
        return _busy(str(error), error.retry_after)

    @app.exception_handler(Exception)
    def failed(_: Request, error: Exception) -> JSONResponse:
        """Anything else: the act rolled back and was audited ``failed`` by the door; a clean
        answer that says nothing of the error (503 for a conflict with another transaction)."""
        if transient(error):
            return _busy("base de données occupée, réessayer", Busy("").retry_after)
        log.error("%s %s", type(error).__name__, "(erreur interne, voir le journal d'audit)")
        return JSONResponse(status_code=500, content={"detail": "erreur interne : l'acte n'a pas été fait"})

    @app.exception_handler(BatchRejected)
    def batch_rejected(_: Request, error: BatchRejected) -> JSONResponse:
        problems = [
            {"index": p.index, "field": p.field, "value": jsonable(p.value), "reason": p.reason}
            for p in error.problems
        ]
        return JSONResponse(status_code=422, content={"detail": str(error), "problems": problems})

    return app
