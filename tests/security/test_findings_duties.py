"""Security finding 1: an administrator handed himself every duty (a case worker and an
accountant + board member with passwords he chose; a six-role account). Replayed here: roles
that may never be held together are refused at creation and at every change of roles; a
financial duty waits for a director (another person than the proposer); nobody chooses
another person's password (a one-time activation link); every act is in the audit trail."""

from __future__ import annotations

from datetime import timedelta
from inspect import signature

import pytest

from recouvre.domain.model import DomainError
from recouvre.security.authorization import Forbidden
from recouvre.security.roles import RolesFileError, default_roles, parse_roles
from recouvre.service import Services, accounts, commands, trail

from .conftest import ORG, PASSWORD, Clock

pytestmark = pytest.mark.usefixtures("cheap", "clock")


@pytest.fixture
def people(services: Services) -> None:
    accounts.add_user(services, "admin", PASSWORD, ["administrator"], by="cli:setup")
    accounts.add_user(services, "dir", PASSWORD, ["director"], organism=ORG, by="cli:setup")


def test_the_roles_file_names_incompatible_and_financial_roles() -> None:
    rules = default_roles()
    assert rules.conflicts(frozenset({"case_worker", "accountant"}))
    assert rules.conflicts(frozenset({"accountant", "board_member"}))
    assert rules.conflicts(frozenset({"administrator", "director"}))
    assert not rules.conflicts(frozenset({"case_worker"}))
    assert {"case_worker", "accountant", "board_member", "director"} <= rules.financial_roles
    assert "users.approve" in rules.roles["director"] and "users.approve" not in rules.roles["administrator"]
    with pytest.raises(RolesFileError, match="unknown role"):
        parse_roles(
            {
                "actions": {"a.b": "x"},
                "roles": {"r": {"actions": ["a.b"]}},
                "incompatible_roles": [{"roles": ["r", "chef"], "why": "w"}],
                "financial_roles": ["nobody"],
            }
        )


@pytest.mark.usefixtures("people")
def test_the_probe_is_refused(services: Services) -> None:
    adm = accounts.actor_of(services, "admin")
    assert "password" not in signature(commands.add_user).parameters, "no password chosen by another"
    with pytest.raises(DomainError, match="agent comptable \\+ membre de la commission de recours amiable"):
        commands.add_user(services, adm, "cpt", ["accountant", "board_member"], organism=ORG)
    six = ["case_worker", "accountant", "director", "board_member", "phone_operator", "manager"]
    with pytest.raises(DomainError, match="incompatibles"):
        commands.add_user(services, adm, "tout", six, organism=ORG)
    done = commands.add_user(services, adm, "tech", ["case_worker"], organism=ORG)
    assert done.change is not None and done.change.status == accounts.PENDING
    assert done.activation is None and not done.user.active
    with pytest.raises(accounts.SignInRefused):
        accounts.sign_in(services, "tech", PASSWORD)
    with pytest.raises(Forbidden):  # the administrator does not approve
        commands.decide_user(services, adm, "tech", approve=True)
    # A change of roles is checked the same way
    accounts.add_user(services, "cw", PASSWORD, ["case_worker"], organism=ORG, by="cli:setup")
    with pytest.raises(DomainError, match=r"agent comptable \+ technicien recouvrement"):
        commands.change_roles(services, adm, "cw", ["case_worker", "accountant"])
    changed = commands.change_roles(services, adm, "cw", ["accountant"])
    assert changed.change is not None and changed.change.status == accounts.PENDING
    assert changed.user.roles == ("case_worker",), "the roles change once approved"
    refused = [r for r in trail.show(services, 50) if r.outcome == "refused" and r.action == "users.add"]
    assert len(refused) == 2


@pytest.mark.usefixtures("people")
def test_propose_approve_activate_sign_in(services: Services, clock: Clock) -> None:
    adm = accounts.actor_of(services, "admin")
    director = accounts.actor_of(services, "dir")
    commands.add_user(services, adm, "tech", ["case_worker"], organism=ORG, why="arrivée")
    # a non-financial role: no approval, the link at once
    commands.add_user(services, adm, "other", ["manager"], organism=ORG)
    approved = commands.decide_user(services, director, "tech", approve=True, why="vu")
    assert approved.activation is not None and approved.change is not None
    assert approved.change.decided_by == "dir" != approved.change.proposed_by == "admin"
    token = approved.activation.token
    with pytest.raises(DomainError, match="password"):
        commands.activate_user(services, token, "court")
    clock.advance(timedelta(hours=1))
    user = commands.activate_user(services, token, PASSWORD)
    assert user.active
    with pytest.raises(accounts.Unauthenticated, match="déjà utilisé"):
        commands.activate_user(services, token, PASSWORD + "2")
    assert accounts.sign_in(services, "tech", PASSWORD).username == "tech"
    with services.db.unit_of_work() as session:
        from sqlalchemy import select

        from recouvre.storage.back_office_tables import UserActivationRow

        assert token not in str(list(session.scalars(select(UserActivationRow.token_hash))))
    acts = [(r.actor, r.action, r.outcome) for r in reversed(trail.show(services, 50, organism=None))]
    assert ("admin", "users.add", "done") in acts
    assert ("dir", "users.approve", "done") in acts
    assert ("tech", "users.activate", "done") in acts
    assert "tech" in [r.actor for r in trail.show(services, 50, action="users.activate")]
    # a role change with a financial duty, approved by the director
    commands.change_roles(services, adm, "tech", ["phone_operator"])
    commands.decide_user(services, director, "tech", approve=False, why="non")
    assert accounts.get_user(services, "tech").roles == ("case_worker",)
    assert [r.actor for r in trail.show(services, 5, action="users.reject")] == ["dir"]
    assert [r.actor for r in trail.show(services, 5, action="users.roles")] == ["admin"]


@pytest.mark.usefixtures("people")
def test_the_approver_is_not_the_proposer(services: Services) -> None:
    accounts.add_user(services, "dir2", PASSWORD, ["director"], organism=ORG, by="cli:setup")
    director = accounts.actor_of(services, "dir")
    accounts.propose_user(services, "tech", ["case_worker"], organism=ORG, by="dir")
    with pytest.raises(Forbidden, match="une autre personne"):
        commands.decide_user(services, director, "tech", approve=True)
    done = commands.decide_user(services, accounts.actor_of(services, "dir2"), "tech", approve=True)
    assert done.activation is not None
    with pytest.raises(DomainError, match="système"):
        accounts.propose_user(services, "tech2", ["case_worker"], organism=ORG, by="admin")
        commands.decide_user(services, accounts.SYSTEM_ACTOR, "tech2", approve=True)


@pytest.mark.usefixtures("people")
def test_an_activation_link_expires(services: Services, clock: Clock) -> None:
    done = commands.add_user(
        services, accounts.actor_of(services, "admin"), "pilote", ["manager"], organism=ORG
    )
    assert done.activation is not None and done.user.active is False
    clock.advance(accounts.ACTIVATION_LIFETIME + timedelta(seconds=1))
    with pytest.raises(accounts.Unauthenticated, match="expiré"):
        commands.activate_user(services, done.activation.token, PASSWORD)
