"""Users and mandates: accounts of the back office and the powers delegated to them."""

from __future__ import annotations

from datetime import date

from recouvre.domain.errors import DomainError
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    accounts,
    door,
    mandates,
)
from recouvre.service.context import Services
from recouvre.service.door import NETWORK, guard

# Users and mandates ------------------------------------------------------------------------------


def add_user(
    services: Services,
    actor: Actor,
    username: str,
    roles: list[str],
    *,
    full_name: str = "",
    organism: str | None = None,
    agency: str | None = None,
    why: str = "",
) -> accounts.Administered:
    """Propose a new user (``users.manage``): an inactive account without a password. With a
    financial role (``roles.yaml``) it waits for a director's approval (``approve_user``);
    otherwise its one-time activation link is returned at once. Incompatible roles are refused."""
    guard(services, actor, "users.manage", Subject(organism=organism or NETWORK))
    with door.act(
        services, actor, "users.add", organism=organism, subject=f"user {username}", why=why
    ) as current:
        done = accounts.propose_user(
            services,
            username,
            roles,
            full_name=full_name,
            organism=organism,
            agency=agency,
            by=actor.user,
            why=why,
        )
        current.note(**done.user.audit(), change=None if done.change is None else done.change.audit())
        current.note(activation_issued=done.activation is not None)
    return done


def change_roles(
    services: Services, actor: Actor, username: str, roles: list[str], why: str = ""
) -> accounts.Administered:
    """Change a user's roles (``users.manage``): incompatible roles refused; giving or taking a
    financial role waits for a director's approval."""
    guard(services, actor, "users.manage")
    target = accounts.get_user(services, username)
    guard(services, actor, "users.manage", Subject(organism=target.organism or NETWORK))
    if target.username == actor.user:
        raise DomainError("username", username, "on ne change pas ses propres rôles")
    with door.act(
        services,
        actor,
        "users.roles",
        organism=target.organism,
        subject=f"user {username}",
        why=why,
        before=lambda: target.audit(),
    ) as current:
        done = accounts.propose_roles(services, username, roles, by=actor.user, why=why)
        current.note(**done.user.audit(), change=None if done.change is None else done.change.audit())
    return done


def _guard_decision(services: Services, actor: Actor, username: str) -> tuple[accounts.UserView, str]:
    guard(services, actor, "users.approve")
    target = accounts.get_user(services, username)
    change = accounts.pending_change(services, username)
    guard(
        services,
        actor,
        "users.approve",
        Subject(organism=target.organism or NETWORK, proposed_by=change.proposed_by),
    )
    if target.username == actor.user:
        raise DomainError("username", username, "on n'approuve pas un changement de son propre compte")
    if actor.user == accounts.SYSTEM_ACTOR.user and accounts.may_approve_exists(services):
        raise DomainError(
            "username", username, "le compte système n'approuve que tant qu'aucun directeur n'est actif"
        )
    return target, change.kind


def decide_user(
    services: Services, actor: Actor, username: str, *, approve: bool, why: str = ""
) -> accounts.Administered:
    """Approve or reject the pending creation or change of roles of ``username``
    (``users.approve``, the director; never whoever proposed it). Approving a creation returns
    the one-time activation link to hand to the user."""
    target, _ = _guard_decision(services, actor, username)
    with door.act(
        services,
        actor,
        "users.approve" if approve else "users.reject",
        organism=target.organism,
        subject=f"user {username}",
        why=why,
        before=lambda: target.audit(),
    ) as current:
        done = accounts.decide_change(services, username, approve=approve, by=actor.user, why=why)
        current.note(**done.user.audit(), change=None if done.change is None else done.change.audit())
        current.note(activation_issued=done.activation is not None)
    return done


def reissue_activation(
    services: Services, actor: Actor, username: str, why: str = ""
) -> accounts.Administered:
    """A new one-time link for an approved account never activated (``users.approve``)."""
    guard(services, actor, "users.approve")
    target = accounts.get_user(services, username)
    guard(services, actor, "users.approve", Subject(organism=target.organism or NETWORK))
    with door.act(
        services,
        actor,
        "users.reissue_activation",
        organism=target.organism,
        subject=f"user {username}",
        why=why,
    ) as current:
        done = accounts.reissue_activation(services, username)
        current.note(username=username, activation_issued=True)
    return done


def activate_user(services: Services, token: str, password: str) -> accounts.UserView:
    """The user sets his own password with his one-time link (no sign-in: the link is the
    proof); the act is in the audit trail under his name."""
    username = accounts.activation_user(services, token)
    holder = Actor(user=username, roles=frozenset())
    with door.act(services, holder, "users.activate", organism=None, subject=f"user {username}") as current:
        user = accounts.activate(services, token, password)
        current.note(**user.audit())
    return user


def disable_user(services: Services, actor: Actor, username: str, why: str = "") -> accounts.UserView:
    guard(services, actor, "users.manage")
    target = accounts.get_user(services, username)
    guard(services, actor, "users.manage", Subject(organism=target.organism or NETWORK))
    if target.username == actor.user:
        raise DomainError("username", username, "on ne désactive pas son propre compte")
    with door.act(
        services,
        actor,
        "users.disable",
        organism=target.organism,
        subject=f"user {username}",
        why=why,
        audited_inside=True,
    ):
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
