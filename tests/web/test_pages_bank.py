"""The page of unmatched bank credits: the accountant sees each credit, why it did not match and
the claims it may settle, and books one on a suggested claim in one action; a case worker sees
the queue without the actions; a phone operator does not see it at all."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor
from recouvre.service.claims import view_claim
from recouvre.service.commands import money_in

from .conftest import ORG, Site

BASE = f"/o/{ORG}"
SYSTEM = Actor("system", frozenset({"system"}), organism=ORG)
ON = date(2026, 3, 2)


def receive(site: Site, entry: str, cents: int, reference: str, payer: str) -> int:
    line = money_in.CreditLine("S1", entry, ON, cents, reference, payer_name=payer)
    return money_in.receive_bank_credit(site.services, SYSTEM, ORG, line).id


def test_the_accountant_books_a_suggested_claim(site: Site) -> None:
    credit = receive(site, "E1", 40_000, "dette caf", "MARIE DURAND")
    receive(site, "E2", 1_000, "RF20CAFTESTC1", "X")
    csrf = site.sign_in("accountant")
    page = site.client.get(f"{BASE}/virements")
    assert page.status_code == 200
    assert "Virements non rapprochés" in page.text and "chiffres de contrôle faux" in page.text
    assert 'value="C1" checked' in page.text  # same balance, payer named like the debtor
    answer = site.client.post(
        f"{BASE}/virements/{credit}", data={"csrf": csrf, "choix": "affecter", "creance": "C1"}
    )
    assert answer.status_code == 200 and "paiement est enregistré" in answer.text
    assert view_claim(site.services, ORG, "C1", ON).balance == 0
    refused = site.client.post(
        f"{BASE}/virements/{credit}", data={"csrf": csrf, "choix": "renvoyer", "motif": "x"}
    )
    assert refused.status_code == 409 and "plus en attente" in refused.text


def test_who_sees_the_queue(site: Site) -> None:
    receive(site, "E1", 500, "?", "X")
    site.sign_in("case_worker")
    page = site.client.get(f"{BASE}/virements")
    assert page.status_code == 200 and "Affecter" not in page.text
    site.sign_in("phone_operator")
    assert site.client.get(f"{BASE}/virements").status_code == 403
