"""``authorize`` as a pure rule: roles, mandates by date, organism and agency scope, separation of duties."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.security import Actor, Forbidden, MandateGrant, Subject, authorize

ON = date(2026, 3, 15)
CLAIM = Subject(organism="CAF-44", claim="C1", established_by="ordo", placed_with=frozenset({"acme"}))


def actor(*roles: str, user: str = "u", organism: str | None = "CAF-44", **kwargs: object) -> Actor:
    return Actor(user=user, roles=frozenset(roles), organism=organism, **kwargs)  # type: ignore[arg-type]


def test_a_role_grants_its_actions() -> None:
    authorize(actor("case_worker"), "payments.record", ON, CLAIM)
    with pytest.raises(Forbidden, match="non permis à u") as raised:
        authorize(actor("phone_operator"), "payments.record", ON, CLAIM)
    assert raised.value.action == "payments.record"
    with pytest.raises(ValueError, match="not in the roles file"):
        authorize(actor("case_worker"), "payments.steal", ON, CLAIM)


def test_a_mandate_holds_between_its_dates_until_revoked() -> None:
    grant = MandateGrant("sign_enforcement_titles", date(2026, 3, 1), date(2026, 3, 31))
    deputy = actor("accountant", mandates=(grant,))
    authorize(deputy, "enforcement.sign", date(2026, 3, 1), CLAIM)
    authorize(deputy, "enforcement.sign", date(2026, 3, 31), CLAIM)
    for outside in (date(2026, 2, 28), date(2026, 4, 1)):
        with pytest.raises(Forbidden):
            authorize(deputy, "enforcement.sign", outside, CLAIM)
    with pytest.raises(Forbidden):  # a mandate gives its own power only
        authorize(deputy, "court.represent", ON, CLAIM)
    revoked = actor(
        "accountant", mandates=(MandateGrant(grant.power, grant.valid_from, grant.valid_until, ON),)
    )
    authorize(revoked, "enforcement.sign", date(2026, 3, 14), CLAIM)
    with pytest.raises(Forbidden):
        authorize(revoked, "enforcement.sign", ON, CLAIM)
    authorize(actor("director"), "enforcement.sign", ON, CLAIM)


def test_organism_scope() -> None:
    authorize(actor("case_worker", organism=None), "claims.read", ON, CLAIM)
    with pytest.raises(Forbidden, match="travaille pour CAF-13"):
        authorize(actor("case_worker", organism="CAF-13"), "claims.read", ON, CLAIM)


def test_an_agency_sees_only_what_is_placed_with_it() -> None:
    acme = actor("collection_agency", agency="acme")
    authorize(acme, "claims.read", ON, CLAIM)
    authorize(acme, "debtors.search", ON, Subject(organism="CAF-44"))
    with pytest.raises(Forbidden, match="non confié à l'agence other"):
        authorize(actor("collection_agency", agency="other"), "claims.read", ON, CLAIM)
    with pytest.raises(Forbidden, match="non confié"):
        authorize(acme, "debtors.read", ON, Subject(organism="CAF-44", debtor="D9"))
    # even a role that would allow more gives an agency user only the agency's actions
    with pytest.raises(Forbidden, match="non permis à une agence"):
        authorize(actor("case_worker", agency="acme"), "plans.agree", ON, CLAIM)


def test_the_author_of_a_claim_does_not_book_its_recovery() -> None:
    ordo = actor("case_worker", user="ordo")
    authorize(ordo, "claims.read", ON, CLAIM)
    authorize(ordo, "plans.agree", ON, CLAIM)
    for action in ("payments.record", "write_offs.propose"):
        with pytest.raises(Forbidden, match="séparation ordonnateur / comptable"):
            authorize(ordo, action, ON, CLAIM)
    with pytest.raises(Forbidden):
        authorize(actor("accountant", user="ordo"), "write_offs.decide", ON, CLAIM)


def test_maker_checker() -> None:
    proposal = Subject(organism="CAF-44", claim="C1", proposed_by="alice")
    authorize(actor("board_member", user="bob"), "write_offs.decide", ON, proposal)
    with pytest.raises(Forbidden, match="une autre personne"):
        authorize(actor("accountant", user="alice"), "write_offs.decide", ON, proposal)
    with pytest.raises(Forbidden, match="une autre personne"):
        authorize(actor("accountant", user="alice"), "remissions.decide_services", ON, proposal)
