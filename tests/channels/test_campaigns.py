"""Phone campaigns (télérecouvrement, RULES.md §2.1): target lists at the four triggers, the
call list with the debtor's context and a script, outcome codes as data (an unknown code is
refused, by the campaigns and by task closing alike), promises and callbacks, and the KPIs
beside the seed's 60 % / 73 % / −47 %."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from api.conftest import ORG, PASSWORD, BackOffice, open_back_office
from recouvre.domain.model import DomainError, PaymentChannel
from recouvre.security.authorization import Forbidden
from recouvre.service import Services, accounts, campaigns
from recouvre.service import commands as door
from recouvre.service.commands import campaigns as commands
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, DebtorRow, LetterClaimRow, LetterRow

BASE = f"/api/v1/organisms/{ORG}"


@pytest.fixture
def office(services: Services) -> Iterator[BackOffice]:
    yield from open_back_office(services)


def default_step(services: Services, claim: str, on: date, count: int) -> None:
    with services.db.unit_of_work() as session:
        claim_id = session.scalars(select(ClaimRow.id).where(ClaimRow.ref == claim)).one()
        repository.add_claim_event(
            session,
            f"test:{claim}:{on}:step",
            claim_id,
            on,
            "default_step",
            {"step": f"reminder_{count}", "defaults": count, "cycle": on.strftime("%Y-%m")},
        )


def formal_notice(services: Services, claim: str, on: date) -> None:
    with services.db.unit_of_work() as session:
        claim_row = session.scalars(select(ClaimRow).where(ClaimRow.ref == claim)).one()
        letter = LetterRow(
            key=f"test:{claim}:{on}:fn",
            organism_id=claim_row.organism_id,
            debtor_id=claim_row.debtor_id,
            type="formal_notice",
            issued_on=on,
            cycle=on.strftime("%Y-%m"),
            status="generated",
            data={},
        )
        session.add(letter)
        session.flush()
        session.add(LetterClaimRow(letter_id=letter.id, claim_id=claim_row.id))


def test_outcome_codes_are_data_and_unknown_ones_are_refused() -> None:
    codes = campaigns.load_outcomes()
    assert {"reached", "promise", "callback", "no_answer"} <= set(codes)
    assert codes["promise"].needs == "promise" and codes["callback"].needs == "callback"
    assert not codes["no_answer"].reached and codes["plan"].effective
    with pytest.raises(DomainError, match="issue inconnue"):
        campaigns.check_outcome("whatever-i-like")


def test_the_api_refuses_an_unknown_outcome_when_closing_a_task(office: BackOffice) -> None:
    task = office.ids["task"]
    answer = office.client.post(
        f"{BASE}/tasks/{task}/closing",
        headers=office.headers("phone_operator"),
        json={"outcome": "whatever-i-like", "on": "2026-03-15"},
    )
    assert answer.status_code == 422, answer.text
    assert "whatever-i-like" in answer.text
    closed = office.post(
        "phone_operator", f"{BASE}/tasks/{task}/closing", {"outcome": "no_answer", "on": "2026-03-15"}
    )
    assert isinstance(closed, dict) and closed["status"] == "done"


def test_target_lists_at_the_four_triggers(office: BackOffice) -> None:
    services = office.services
    manager = accounts.actor_of(services, "manager")
    # Every claim was established on 2026-01-10; neither debtor receives benefits.
    new = commands.create_campaign(
        services, manager, ORG, "new_claim_without_rights", date(2026, 1, 1), date(2026, 1, 31)
    )
    assert new.targets == 2  # one line per debtor (D1: C1 and C2; D2: C3 and C4)
    default_step(services, "C2", date(2026, 2, 5), 1)
    default_step(services, "C3", date(2026, 3, 5), 2)
    m1 = commands.create_campaign(services, manager, ORG, "default_m1", date(2026, 2, 1), date(2026, 2, 28))
    m2 = commands.create_campaign(services, manager, ORG, "default_m2", date(2026, 3, 1), date(2026, 3, 31))
    _, m1_lines, script = commands.call_list(services, manager, ORG, m1.id, date(2026, 3, 1))
    assert [(line.debtor_ref, line.claim_ref) for line in m1_lines] == [("D1", "C2")]
    assert "pas reçu le paiement" in script
    _, m2_lines, _ = commands.call_list(services, manager, ORG, m2.id, date(2026, 3, 6))
    assert [(line.debtor_ref, line.claim_ref) for line in m2_lines] == [("D2", "C3")]
    # End of rights: a withholding in the period, then the debtor receives no benefit any more.
    with services.db.unit_of_work() as session:
        assert (
            session.scalars(select(DebtorRow.receives_benefits).where(DebtorRow.ref == "D1")).one() is False
        )
    ended = commands.create_campaign(
        services, manager, ORG, "end_of_rights", date(2026, 3, 1), date(2026, 3, 31)
    )
    assert ended.targets == 0  # nothing was ever withheld in this fixture
    with pytest.raises(DomainError):
        commands.create_campaign(services, manager, ORG, "whenever", date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(Forbidden):
        commands.create_campaign(
            services,
            accounts.actor_of(services, "phone_operator"),
            ORG,
            "default_m1",
            date(2026, 2, 1),
            date(2026, 2, 2),
        )


def test_calls_promises_callbacks_and_kpis_beside_the_seed(office: BackOffice) -> None:
    services = office.services
    manager = accounts.actor_of(services, "manager")
    operator = accounts.actor_of(services, "phone_operator")
    # Last year, the same trigger: two debtors, two formal notices.
    for claim in ("C1", "C3"):
        default_step(services, claim, date(2025, 3, 5), 2)
        formal_notice(services, claim, date(2025, 4, 20))
    # This year: the same two debtors at M+2; only one formal notice after the calls.
    for claim in ("C1", "C3"):
        default_step(services, claim, date(2026, 3, 5), 2)
    campaign = commands.create_campaign(
        services, manager, ORG, "default_m2", date(2026, 3, 1), date(2026, 3, 31)
    )
    _, lines, _ = commands.call_list(services, operator, ORG, campaign.id, date(2026, 3, 6))
    by_debtor = {line.debtor_ref: line for line in lines}
    d1, d2 = by_debtor["D1"], by_debtor["D2"]
    assert d1.phone == "0639980001" and {c.ref for c in d1.claims} == {"C1", "C2"} and d1.total == 70_000

    with pytest.raises(DomainError, match="issue inconnue"):
        commands.record_call(services, operator, ORG, campaign.id, d1.id, "whatever-i-like", date(2026, 3, 6))
    with pytest.raises(DomainError, match="promise"):
        commands.record_call(services, operator, ORG, campaign.id, d1.id, "promise", date(2026, 3, 6))
    commands.record_call(
        services,
        operator,
        ORG,
        campaign.id,
        d1.id,
        "promise",
        date(2026, 3, 6),
        promise=commands.Promise(10_000, date(2026, 3, 20)),
        note="paiera le 20",
    )
    with services.db.unit_of_work() as session:
        kinds = [row.kind for row in session.scalars(select(ClaimEventRow).order_by(ClaimEventRow.id))]
    assert kinds[-2:] == ["promise", "contact"]
    # D2: no answer (called again the next day), then a callback asked for the 10th.
    commands.record_call(services, operator, ORG, campaign.id, d2.id, "no_answer", date(2026, 3, 6))
    _, again, _ = commands.call_list(services, operator, ORG, campaign.id, date(2026, 3, 6))
    assert again == []
    _, again, _ = commands.call_list(services, operator, ORG, campaign.id, date(2026, 3, 7))
    assert [line.debtor_ref for line in again] == ["D2"]
    with pytest.raises(DomainError, match="callback"):
        commands.record_call(services, operator, ORG, campaign.id, d2.id, "callback", date(2026, 3, 7))
    commands.record_call(
        services,
        operator,
        ORG,
        campaign.id,
        d2.id,
        "callback",
        date(2026, 3, 7),
        callback_on=date(2026, 3, 10),
    )
    _, later, _ = commands.call_list(services, operator, ORG, campaign.id, date(2026, 3, 10))
    assert [(line.debtor_ref, line.attempts) for line in later] == [("D2", 2)]

    # D1 kept the promise; D2 got the formal notice.
    accountant = accounts.actor_of(services, "accountant")
    door.record_payment(
        services, accountant, ORG, "C1", 10_000, date(2026, 3, 18), PaymentChannel.TRANSFER, key="virement-1"
    )
    formal_notice(services, "C3", date(2026, 4, 20))
    result = commands.kpis(services, manager, ORG, campaign.id, date(2026, 5, 1))
    assert (result.targets, result.called, result.reached, result.effective) == (2, 2, 2, 1)
    assert (result.reached_rate, result.effective_rate) == (1.0, 0.5)
    assert result.formal_notices == 1 and (result.previous_targets, result.previous_formal_notices) == (2, 2)
    assert result.formal_notices_change == pytest.approx(-0.5)
    assert campaigns.SEED == {"reached": 0.60, "effective": 0.73, "formal_notices": -0.47}


def test_the_api_campaign_flow(office: BackOffice) -> None:
    services = office.services
    default_step(services, "C3", date(2026, 3, 5), 2)
    created = office.post(
        "manager",
        f"{BASE}/campaigns",
        {"trigger": "default_m2", "period_from": "2026-03-01", "period_to": "2026-03-31"},
        201,
    )
    assert isinstance(created, dict) and created["targets"] == 1
    campaign = created["id"]
    calls = office.get("phone_operator", f"{BASE}/campaigns/{campaign}/calls", on="2026-03-06")
    assert isinstance(calls, dict) and "whatever-i-like" not in calls["outcomes"]
    [line] = calls["lines"]
    assert line["debtor"] == "D2" and calls["script"]
    refused = office.client.post(
        f"{BASE}/campaigns/{campaign}/calls/{line['id']}",
        headers=office.headers("phone_operator"),
        json={"outcome": "whatever-i-like", "on": "2026-03-06"},
    )
    assert refused.status_code == 422 and "whatever-i-like" in refused.text
    done = office.post(
        "phone_operator",
        f"{BASE}/campaigns/{campaign}/calls/{line['id']}",
        {"outcome": "plan", "on": "2026-03-06", "note": "échéancier de 50 €"},
        201,
    )
    assert isinstance(done, dict) and done["label"] == "échéancier négocié"
    kpis = office.get("manager", f"{BASE}/campaigns/{campaign}/kpis", on="2026-04-01")
    assert isinstance(kpis, dict)
    reached = next(k for k in kpis["kpis"] if k["name"] == "reached")
    assert (reached["campaign"], reached["seed"], reached["numerator"], reached["denominator"]) == (
        1.0,
        0.6,
        1,
        1,
    )


def test_the_campaign_pages(office: BackOffice) -> None:
    import re

    from web.conftest import build_app

    services = office.services
    default_step(services, "C3", date(2026, 3, 5), 2)
    with build_app(services) as client:

        def sign_in(user: str) -> str:
            client.cookies.clear()
            page = client.get("/connexion")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token is not None
            answer = client.post(
                "/connexion", data={"identifiant": user, "mot_de_passe": PASSWORD, "csrf": token.group(1)}
            )
            found = re.search(r'name="csrf" value="([^"]+)"', answer.text)
            assert found is not None, answer.text
            return found.group(1)

        csrf = sign_in("manager")
        page = client.get(f"/o/{ORG}/campagnes")
        assert page.status_code == 200 and "Nouvelle campagne" in page.text
        created = client.post(
            f"/o/{ORG}/campagnes",
            data={"csrf": csrf, "declencheur": "default_m2", "debut": "2026-03-01", "fin": "2026-03-31"},
        )
        assert created.status_code == 200, created.text
        assert "Débiteurs joints" in created.text and "60 %" in created.text and "-47 %" in created.text
        campaign = re.search(r"/campagnes/(\d+)/appels/(\d+)", created.text)
        assert campaign is not None
        csrf = sign_in("phone_operator")
        url = f"/o/{ORG}/campagnes/{campaign.group(1)}/appels/{campaign.group(2)}"
        refused = client.post(url, data={"csrf": csrf, "issue": "whatever-i-like", "date": "2026-03-15"})
        assert refused.status_code == 400 and "choix inconnu" in refused.text
        done = client.post(
            url, data={"csrf": csrf, "issue": "refused", "date": "2026-03-15", "note": "refus"}
        )
        assert done.status_code == 200 and "L'appel est enregistré." in done.text.replace("&#39;", "'")
        assert client.get(f"/o/{ORG}/campagnes/999").status_code == 404


def test_end_of_rights_after_a_withholding(office: BackOffice) -> None:
    from sqlalchemy import update

    from recouvre.domain.withholding import BenefitPayment
    from recouvre.service.withholding import apply_benefit_payments

    services = office.services
    with services.db.unit_of_work() as session:
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D2").values(receives_benefits=True))
    outcomes = apply_benefit_payments(
        services, ORG, [BenefitPayment("D2", date(2026, 3, 5), {"AL": 40_000})], "run-2026-03"
    )
    assert outcomes[0].withheld > 0
    manager = accounts.actor_of(services, "manager")
    before = commands.create_campaign(
        services, manager, ORG, "end_of_rights", date(2026, 3, 1), date(2026, 3, 31)
    )
    assert before.targets == 0  # D2 still receives benefits
    with services.db.unit_of_work() as session:
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D2").values(receives_benefits=False))
    after = commands.create_campaign(
        services, manager, ORG, "end_of_rights", date(2026, 4, 1), date(2026, 4, 30)
    )
    assert after.targets == 1
    _, lines, script = commands.call_list(services, manager, ORG, after.id, date(2026, 4, 2))
    assert lines[0].debtor_ref == "D2" and "prestations ont pris fin" in script
