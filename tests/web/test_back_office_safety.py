"""Nothing silently wrong (issue 13): an overpayment is flagged before it is booked and the credit
to refund shown; no promise, plan or suspension on a claim whose recovery is over; a monthly
cycle refused before the month's benefit-payment run (unless confirmed on purpose)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy import select

from recouvre.domain.errors import DomainError, Overpayment, Refused
from recouvre.domain.model import PaymentChannel
from recouvre.service import accounts, commands, payment_runs
from recouvre.storage.tables import BenefitPaymentRow, DebtorRow

from .conftest import ORG, Site

BASE = f"/o/{ORG}"


def pay(site: Site, csrf: str, amount: str, **extra: str) -> httpx.Response:
    data = {
        "csrf": csrf,
        "debiteur": "D1",
        "montant": amount,
        "date": "2026-03-10",
        "canal": "transfer",
        "cle": "web-over-1",
        **extra,
    }
    response: httpx.Response = site.client.post(f"{BASE}/creances/C1/paiement", data=data)
    return response


def test_an_overpayment_asks_for_confirmation_then_shows_the_credit(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    refused = pay(site, csrf, "500")
    assert refused.status_code == 409
    assert "100,00" in refused.text and "trop-perçu à rembourser" in refused.text
    assert 'name="confirmer_trop_percu"' in refused.text
    assert "Le paiement est enregistré." not in refused.text
    assert "-500,00" not in site.debtor_page()
    booked = pay(site, csrf, "500", confirmer_trop_percu="1")
    assert booked.status_code == 200 and "Le paiement est enregistré." in booked.text
    assert "Trop-perçu à rembourser" in booked.text
    assert "trop-perçu à rembourser au débiteur" in booked.text


def test_the_command_refuses_an_overpayment_in_french_unless_confirmed(site: Site) -> None:
    actor = accounts.actor_of(site.services, "accountant")
    on = date(2026, 3, 10)
    with pytest.raises(Overpayment) as caught:
        commands.record_payment(site.services, actor, ORG, "C1", 50_000, on, PaymentChannel.TRANSFER, "k1")
    assert caught.value.credit == 10_000
    assert "10 mars 2026" in caught.value.reason and "trop-perçu" in caught.value.reason
    assert "€" in caught.value.reason
    commands.record_payment(
        site.services, actor, ORG, "C1", 50_000, on, PaymentChannel.TRANSFER, "k1", confirm_overpayment=True
    )
    # A replay of the same payment books nothing and is not refused.
    commands.record_payment(site.services, actor, ORG, "C1", 50_000, on, PaymentChannel.TRANSFER, "k1")


def test_no_promise_plan_or_suspension_on_a_settled_claim(site: Site) -> None:
    actor = accounts.actor_of(site.services, "case_worker")
    on = date(2026, 3, 10)
    commands.record_payment(site.services, actor, ORG, "C1", 40_000, on, PaymentChannel.CARD, "all")
    with pytest.raises(Refused, match="soldée"):
        commands.promise_to_pay(site.services, actor, ORG, "C1", 1_000, date(2026, 4, 1), on)
    with pytest.raises(Refused, match="échéancier"):
        commands.agree_plan(site.services, actor, ORG, "C1", 1_000, date(2026, 4, 5), on)
    with pytest.raises(Refused, match="suspension"):
        commands.suspend_recovery(site.services, actor, ORG, "C1", on, date(2026, 6, 1), "test")


def test_the_page_shows_the_refusal_of_a_promise_on_a_settled_claim(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    pay(site, csrf, "400")
    response = site.client.post(
        f"{BASE}/creances/C1/promesse",
        data={
            "csrf": csrf,
            "debiteur": "D1",
            "montant": "50",
            "echeance": "2026-04-10",
            "date": "2026-03-11",
        },
    )
    assert response.status_code == 409
    assert "est soldée au 11 mars 2026" in response.text


def test_a_cycle_before_the_payment_run_is_refused_unless_confirmed(site: Site) -> None:
    services = site.services
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        debtor = session.scalar(
            select(DebtorRow).where(DebtorRow.organism_id == organism_id, DebtorRow.ref == "D1")
        )
        assert debtor is not None
        debtor.receives_benefits = True
        debtor_id = debtor.id
    assert payment_runs.required(services, ORG)
    admin = accounts.actor_of(services, "administrator")
    with pytest.raises(DomainError, match="paiement des prestations de mars 2026") as caught:
        commands.run_cycle(services, admin, ORG, "2026-03", date(2026, 4, 1))
    assert "sans paiement des prestations" in caught.value.reason
    done = commands.run_cycle(services, admin, ORG, "2026-03", date(2026, 4, 1), without_payment_run=True)
    assert done.month == "2026-03"
    # Once the month's run is booked, the cycle of that month needs no confirmation.
    with services.db.unit_of_work() as session:
        session.add(
            BenefitPaymentRow(
                key=f"{ORG}:run-2026-04:D1",
                organism_id=organism_id,
                debtor_id=debtor_id,
                run_id="run-2026-04",
                paid_on=date(2026, 4, 5),
                gross_cents=10_000,
                withheld_cents=0,
                prp_withheld_cents=0,
                net_cents=10_000,
                explanation={},
            )
        )
    assert payment_runs.booked(services, ORG, date(2026, 4, 1))
    commands.run_cycle(services, admin, ORG, "2026-04", date(2026, 5, 1))


def test_a_refusal_of_the_rules_reads_in_french(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = site.client.post(
        f"{BASE}/creances/C1/promesse",
        data={
            "csrf": csrf,
            "debiteur": "D1",
            "montant": "50",
            "echeance": "2026-03-01",
            "date": "2026-03-11",
        },
    )
    assert response.status_code == 409
    assert "date promise : avant la date de la promesse" in response.text
    assert "before" not in response.text


def test_a_settled_claim_offers_no_promise_plan_or_suspension(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    page = pay(site, csrf, "400").text
    start = page.index('id="creance-C1"')
    section = page[start : page.index('<section id="creance-', start + 10)]
    assert "Le recouvrement de cette créance est terminé (soldée)" in section
    for action in ("/promesse", "/echeancier", "/suspension"):
        assert f'C1{action}"' not in section
