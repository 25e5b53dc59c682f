"""Users and mandates: accounts of the back office and the powers delegated to them."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from recouvre.domain.errors import DomainError
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    accounts,
    door,
    mandates,
)
from recouvre.service.context import Services
from recouvre.service.door import NETWORK, guard

T = TypeVar("T")
TASK_OPEN = "open"
TASK_DONE = "done"
REFUSALS = door.REFUSALS


# Users and mandates ------------------------------------------------------------------------------


def add_user(
    services: Services,
    actor: Actor,
    username: str,
    password: str,
    roles: list[str],
    *,
    full_name: str = "",
    organism: str | None = None,
    agency: str | None = None,
    why: str = "",
) -> accounts.UserView:
    guard(services, actor, "users.manage", Subject(organism=organism or NETWORK))
    return accounts.add_user(
        services,
        username,
        password,
        roles,
        full_name=full_name,
        organism=organism,
        agency=agency,
        by=actor.user,
        why=why,
    )


def disable_user(services: Services, actor: Actor, username: str, why: str = "") -> accounts.UserView:
    guard(services, actor, "users.manage")
    target = accounts.get_user(services, username)
    guard(services, actor, "users.manage", Subject(organism=target.organism or NETWORK))
    if target.username == actor.user:
        raise DomainError("username", username, "one does not disable one's own account")
    return accounts.disable_user(services, username, by=actor.user, why=why)


def grant_mandate(
    services: Services,
    actor: Actor,
    username: str,
    power: str,
    valid_from: date,
    valid_until: date,
    why: str,
) -> mandates.MandateView:
    guard(services, actor, "mandates.manage")
    target = accounts.get_user(services, username)
    guard(services, actor, "mandates.manage", Subject(organism=target.organism or NETWORK))
    return mandates.grant_mandate(services, username, power, valid_from, valid_until, by=actor.user, why=why)


def revoke_mandate(
    services: Services, actor: Actor, mandate_id: int, on: date, why: str
) -> mandates.MandateView:
    guard(services, actor, "mandates.manage")
    found = mandates.get_mandate(services, mandate_id)
    guard(services, actor, "mandates.manage", Subject(organism=found.organism or NETWORK))
    return mandates.revoke_mandate(services, mandate_id, on, by=actor.user, why=why)
