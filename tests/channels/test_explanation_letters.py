"""The explanation reaches the debtor: the notification letter and the statement sent when the
monthly withholding changes carry the rules (scale and its year, RMP, bands, the arrears rule,
the order among claims) in the same plain French as the debtor's space."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select, update

from recouvre import policy as policies
from recouvre.domain.withholding import BenefitPayment
from recouvre.domain.withholding_rules import rules_in_french
from recouvre.letters.render import render_html
from recouvre.service import Services, accounts, explanations
from recouvre.service.commands import explanations as commands
from recouvre.service.letters import _context, render
from recouvre.service.withholding import apply_benefit_payments, parameters_on
from recouvre.storage.tables import DebtorRow, LetterRow
from web.conftest import CHEAP_HASHER, NOW, ORG, Clock, populate

SYSTEM = accounts.SYSTEM_ACTOR


@pytest.fixture
def office(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
    services.clock = Clock(NOW)
    populate(services)
    with services.db.unit_of_work() as session:
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D1").values(receives_benefits=True))
    yield services


def test_the_rules_in_plain_french_from_the_policy_in_force() -> None:
    lines = rules_in_french(parameters_on(policies.national("FR"), date(2025, 6, 1)))
    text = " ".join(lines)
    assert "barème 2025" in text
    assert "56,00\u00a0€ par mois tant que le RMP ne dépasse pas 301,00\u00a0€" in text
    assert "25\u00a0% de la part du RMP comprise entre 301,00\u00a0€ et 450,00\u00a0€" in text
    assert "60\u00a0% de la part du RMP au-delà de 898,00\u00a0€" in text
    assert "forfait de 1\u202f345,00\u00a0€" in text
    assert "Les rappels" in text and "100\u00a0%" in text
    assert "d'abord la plus ancienne, puis, pour des dettes de la même date, la plus petite" in text
    older = " ".join(rules_in_french(parameters_on(policies.national("FR"), date(2020, 6, 1))))
    assert "barème 2020" in older and "49,00\u00a0€" in older


def letters_of(services: Services, kind: str) -> list[int]:
    with services.db.unit_of_work() as session:
        return list(
            session.scalars(select(LetterRow.id).where(LetterRow.type == kind).order_by(LetterRow.id))
        )


def html(services: Services, letter_id: int) -> str:
    with services.db.unit_of_work() as session:
        return render_html(_context(services, session, letter_id))


def test_the_notification_carries_the_same_explanation_as_the_page(office: Services) -> None:
    rules = explanations.rules_for(office, ORG, date(2026, 1, 10))
    assert rules
    notification = next(
        letter for letter in letters_of(office, "notification") if "Marie Durand" in html(office, letter)
    )
    text = html(office, notification)
    assert "Comment le montant de la retenue est calculé" in text
    for line in rules:
        assert line.replace("'", "&#39;") in text


def pay(services: Services, on: date, amount: int) -> None:
    apply_benefit_payments(services, ORG, [BenefitPayment("D1", on, {"AL": amount})], f"run-{on.isoformat()}")


def test_a_statement_is_sent_whenever_the_monthly_withholding_changes(office: Services) -> None:
    pay(office, date(2026, 3, 5), 40_000)
    assert commands.issue_statements(office, SYSTEM, ORG, date(2026, 3, 5)) == 1  # the first withholding
    pay(office, date(2026, 4, 5), 40_000)
    assert commands.issue_statements(office, SYSTEM, ORG, date(2026, 4, 5)) == 0  # unchanged
    pay(office, date(2026, 5, 5), 5_000)  # benefits fall: less can be withheld
    assert commands.issue_statements(office, SYSTEM, ORG, date(2026, 5, 5)) == 1
    assert commands.issue_statements(office, SYSTEM, ORG, date(2026, 5, 5)) == 0  # once per payment
    first, changed = letters_of(office, "withholding_statement")
    text = html(office, changed)
    assert "Votre retenue mensuelle sur prestations change" in text
    assert "Le calcul de cette retenue" in text and "revenu mensuel pondéré" in text
    assert "Les règles appliquées" in text and "barème" in text
    assert "lors du paiement précédent" in text and "lors du paiement précédent" not in html(office, first)
    with office.db.unit_of_work() as session:
        debtor_id = session.scalars(select(DebtorRow.id).where(DebtorRow.ref == "D1")).one()
        lines = explanations.payment_lines(session, debtor_id, date(2026, 5, 5))
    assert lines and all(line.replace("'", "&#39;") in text for line in lines)
    assert render(office, changed).startswith(b"%PDF")  # a PDF like every letter
