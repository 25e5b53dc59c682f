"""Bailiffs: placement only with an enforceable title, acts reported back (payment collected,
fees booked as costs, remittances), the monthly reconciliation; statements and league table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from recouvre.domain.errors import Refused
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Phase
from recouvre.security.authorization import Forbidden
from recouvre.service import Services, agency_reports, commands, placements
from recouvre.service.claims import view_claim
from recouvre.storage import repository
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimStateRow

from .conftest import ON, ORG, agent, staff


def enforceable(services: Services, ref: str, on: date) -> None:
    """What an enforceable title does to a claim (the titles' procedure, not this module's)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        row = repository.claim_row(session, organism_id, ref)
        assert row is not None
        repository.add_claim_event(
            session, f"{ORG}:{ref}:test:phase", row.id, on, "phase", {"phase": "enforcement"}
        )
        session.execute(
            update(ClaimStateRow).where(ClaimStateRow.claim_id == row.id).values(phase="enforcement")
        )


def test_bailiff_acts_and_reconciliation(portfolio: Services) -> None:
    worker = staff("case_worker")
    with pytest.raises(Refused, match="titre exécutoire"):
        commands.place_claim(portfolio, worker, ORG, "C3", "huissier", date(2026, 3, 1))
    enforceable(portfolio, "C3", date(2026, 3, 2))
    assert view_claim(portfolio, ORG, "C3", date(2026, 3, 2)).phase is Phase.ENFORCEMENT
    with pytest.raises(Refused, match="agence amiable"):
        commands.place_claim(portfolio, worker, ORG, "C3", "acme", date(2026, 3, 3))
    commands.place_claim(portfolio, worker, ORG, "C3", "huissier", date(2026, 3, 3))
    bailiff = agent("huissier")
    commands.report(
        portfolio, bailiff, ORG, "C3", "bailiff_act", date(2026, 3, 5), {"act": "service"}, key="b1"
    )
    commands.report(
        portfolio,
        bailiff,
        ORG,
        "C3",
        "bailiff_act",
        date(2026, 3, 6),
        {"act": "fees", "amount": "50.00"},
        key="b2",
    )
    collected = commands.report(
        portfolio,
        bailiff,
        ORG,
        "C3",
        "bailiff_act",
        date(2026, 3, 7),
        {"act": "payment_collected", "amount": "1000.00"},
        key="b3",
    )
    assert collected.data["amount"] == 100_000
    commands.report(
        portfolio, bailiff, ORG, "C3", "remittance", date(2026, 3, 20), {"amount": "600.00"}, key="b4"
    )
    view = view_claim(portfolio, ORG, "C3", date(2026, 3, 31))
    kinds = [(movement.kind, movement.amount, movement.channel) for movement in view.movements[1:]]
    assert kinds == [(MovementKind.COSTS, 5_000, None), (MovementKind.PAYMENT, 100_000, "agency")]
    assert view.balance == 900_000 + 5_000 - 100_000
    (line,) = commands.agency_statements(portfolio, staff("accountant"), ORG, "2026-03", "huissier")
    assert (line.collected, line.remitted, line.commission, line.payments) == (100_000, 60_000, 5_000, 1)
    assert line.as_row()["gap"] == "400.00"
    # An agency reads its own statement only, whatever it asks for.
    (own,) = commands.agency_statements(portfolio, bailiff, ORG, "2026-03", "acme")
    assert own.agency == "huissier"
    with pytest.raises(Forbidden):
        commands.report(
            portfolio, agent("acme"), ORG, "C3", "contact", ON, {"channel": "x", "outcome": "y"}, key="z"
        )
    # The enforceable title's letter is handed over with the file, as a PDF.
    with portfolio.db.unit_of_work() as session:
        organism_id, _ = portfolio.organism(session, ORG)
        row = repository.claim_row(session, organism_id, "C3")
        assert row is not None
        draft = LetterDraft(
            f"{ORG}:C3:contrainte:test", organism_id, row.debtor_id, "contrainte", date(2026, 3, 2), (row.id,)
        )
        repository.insert_letters(session, [draft])
    (file,) = commands.handover(portfolio, bailiff, ORG, "huissier", ON)
    assert len(file.title_letters) == 1
    pdfs = commands.handover_titles(portfolio, staff("accountant"), ORG, "huissier", ON)
    assert [(claim, pdf[:4]) for claim, _, pdf in pdfs] == [("C3", b"%PDF")]


def test_amicable_statement_and_league(portfolio: Services) -> None:
    worker = staff("case_worker")
    commands.place_claim(portfolio, worker, ORG, "C1", "acme", date(2026, 3, 1))
    commands.place_claim(portfolio, worker, ORG, "C2", "acme", date(2026, 3, 1))
    commands.place_claim(portfolio, worker, ORG, "C5", "beta", date(2026, 3, 1))
    acme = agent("acme")
    commands.report(portfolio, acme, ORG, "C1", "letter", date(2026, 3, 3), {"type": "reminder_1"}, key="l1")
    commands.report(
        portfolio,
        acme,
        ORG,
        "C2",
        "contact",
        date(2026, 3, 6),
        {"channel": "phone", "outcome": "reached"},
        key="c2",
    )
    commands.report(
        portfolio,
        acme,
        ORG,
        "C2",
        "asset",
        date(2026, 3, 7),
        {"asset_kind": "land", "description": "titre foncier", "estimated_value": "20000"},
        key="a2",
    )
    commands.record_agency_payment(portfolio, acme, ORG, "C1", "acme", 10_000, date(2026, 3, 10), "p1")
    commands.record_agency_payment(
        portfolio, staff("accountant"), ORG, "C5", "beta", 30_000, date(2026, 3, 11), "p2"
    )
    (line,) = commands.agency_statements(portfolio, staff("accountant"), ORG, "2026-03", "acme")
    assert (line.collected, line.remitted, line.commission) == (10_000, 10_000, 800)
    placements.save_agency(  # the service level: first reminder within 3 days of receipt
        portfolio, ORG, placements.AgencySpec("acme", "amicable", Decimal("8.00"), first_reminder_days=3)
    )
    rows = commands.agency_league(portfolio, staff("manager"), ORG, date(2026, 3, 1), date(2026, 3, 31))
    by_code = {row.agency: row for row in rows}
    assert [row.agency for row in rows] == ["beta", "acme", "huissier"]
    assert by_code["acme"].files == 2
    assert by_code["acme"].recovery_rate == Decimal("15.38")  # 100 / 650
    assert by_code["acme"].cost_per_unit == Decimal("0.0800")
    assert by_code["acme"].days_to_first_contact == Decimal("3.5")  # (2 + 5) / 2
    assert by_code["acme"].asset_share == Decimal("50.00")
    assert by_code["acme"].service_level_share == Decimal("50.00")  # C1 on time, C2 no letter
    assert by_code["beta"].service_level_share is None
    assert by_code["beta"].recovery_rate == Decimal("25.00")
    assert by_code["beta"].days_to_first_contact is None
    assert by_code["huissier"].files == 0 and by_code["huissier"].cost_per_unit is None
    assert agency_reports.league(portfolio, ORG, date(2026, 4, 1), date(2026, 4, 30))[0].collected == 0
