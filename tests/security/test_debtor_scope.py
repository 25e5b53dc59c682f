"""The debtor scope of ``authorize``: a debtor in his own space acts only on his own file, and
only the actions the roles file lets debtors do; the role is never a user's."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.security.authorization import Actor, Forbidden, Subject, authorize

ON = date(2026, 3, 1)
DEBTOR = Actor("debiteur:D1", frozenset({"debtor"}), organism="CAF", debtor="D1")


def test_his_own_claim_and_file() -> None:
    authorize(DEBTOR, "claims.read", ON, Subject(organism="CAF", claim="C1", owner="D1"))
    authorize(DEBTOR, "debtors.read", ON, Subject(organism="CAF", debtor="D1", owner="D1"))
    authorize(DEBTOR, "remissions.request", ON, Subject(organism="CAF", claim="C1", owner="D1"))


@pytest.mark.parametrize("owner", ["D2", None])
def test_another_debtors_claim_or_an_unknown_one(owner: str | None) -> None:
    with pytest.raises(Forbidden, match="pas le dossier"):
        authorize(DEBTOR, "claims.read", ON, Subject(organism="CAF", claim="C3", owner=owner))


def test_another_organism() -> None:
    with pytest.raises(Forbidden):
        authorize(DEBTOR, "claims.read", ON, Subject(organism="CAF-2", claim="C1", owner="D1"))


@pytest.mark.parametrize("action", ["payments.record", "debtors.search", "queues.read", "remissions.propose"])
def test_no_back_office_action(action: str) -> None:
    with pytest.raises(Forbidden):
        authorize(DEBTOR, action, ON, Subject(organism="CAF", claim="C1", owner="D1"))


def test_a_staff_actor_with_the_debtor_role_but_no_debtor_is_still_scoped_by_role() -> None:
    staff = Actor("someone", frozenset({"case_worker"}), organism="CAF")
    authorize(staff, "payments.record", ON, Subject(organism="CAF", claim="C3", owner="D2"))
