"""What every route gets: the services of the app, and the signed-in actor (401 without one)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from recouvre.security.authorization import Actor
from recouvre.service import accounts
from recouvre.service.context import Services

log = logging.getLogger("recouvre.api")

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="jeton",
    description="Jeton obtenu par POST /api/v1/auth/token, à envoyer en « Authorization: Bearer … »",
)


def get_services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


def unauthenticated(reason: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": "Bearer"}
    )


def get_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if credentials is None or not credentials.credentials:
        raise unauthenticated("authentification requise")
    return credentials.credentials


def get_actor(
    services: Annotated[Services, Depends(get_services)], token: Annotated[str, Depends(get_token)]
) -> Actor:
    try:
        actor = accounts.actor_from_token(services, token)
    except accounts.Unauthenticated as error:
        raise unauthenticated(str(error)) from None
    log.debug("request by %s (%s)", actor.user, ",".join(sorted(actor.roles)))
    return actor


ServicesDep = Annotated[Services, Depends(get_services)]
ActorDep = Annotated[Actor, Depends(get_actor)]
OrganismPath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
RefPath = Annotated[str, Path(min_length=1, max_length=64)]
