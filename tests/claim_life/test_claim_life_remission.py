"""Remission commands on a real database: routing, refusals, decisions, letters, suspensions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from recouvre.domain.model import Benefit, ClaimStatus, Creditor, DomainError, PaymentChannel, Responsibility
from recouvre.domain.remission import RemissionStatus, Route
from recouvre.service import Refused, Services
from recouvre.service.claims import view_claim
from recouvre.service.payments import record_payment
from recouvre.service.remission import (
    case_on,
    decide_remission,
    list_cases,
    pending_claim_ids,
    request_remission,
)
from recouvre.storage import repository
from recouvre.storage.claim_life_tables import RemissionCaseRow
from recouvre.storage.tables import ClaimEventRow, LetterRow, RefusalRow

from .conftest import ORG, Setup, make_claim

ON = date(2026, 2, 2)


def _refusals(services: Services) -> list[tuple[str, str, str]]:
    with services.db.unit_of_work() as session:
        return [
            (r.event, r.subject, r.message)
            for r in session.scalars(select(RefusalRow).order_by(RefusalRow.id))
        ]


def test_request_routes_and_proposes(services: Services, setup: Setup) -> None:
    setup(
        make_claim("C1", lines=((date(2025, 9, 5), 71_156),)),
        make_claim("C2", lines=((date(2025, 9, 5), 71_155),)),
    )
    board = request_remission(
        services, ORG, "C1", ON, "debtor", "phone", "call 42", actor="agent7", why="call"
    )
    services_ = request_remission(services, ORG, "C2", ON, "representative")
    assert (board.route, board.proposed_rate, board.status) == (
        Route.BOARD,
        Decimal(45),
        RemissionStatus.PENDING,
    )
    assert services_.route is Route.SERVICES
    with services.db.unit_of_work() as session:
        case = session.scalars(select(RemissionCaseRow).order_by(RemissionCaseRow.id)).first()
        assert case is not None
        assert (case.recorded_by, case.recorded_why, case.channel, case.trace) == (
            "agent7",
            "call",
            "phone",
            "call 42",
        )
        assert case.data["routing"]["threshold_cents"] == 71_156  # type: ignore[index]
        events = list(session.scalars(select(ClaimEventRow).where(ClaimEventRow.kind == "remission_request")))
    # The request is an acknowledgment of the debt: a dated claim event naming who asked.
    assert sorted(str(event.data["by"]) for event in events) == ["debtor", "representative"]
    # A replay changes nothing; another request while one is pending is refused.
    assert request_remission(services, ORG, "C1", ON, "debtor") == board
    with pytest.raises(Refused):
        request_remission(services, ORG, "C1", date(2026, 2, 3), "mandatary")
    assert [case.claim_ref for case in list_cases(services, ORG, status=RemissionStatus.PENDING)] == [
        "C1",
        "C2",
    ]
    assert [case.claim_ref for case in list_cases(services, ORG, route=Route.SERVICES)] == ["C2"]


def test_refusals_are_recorded_and_change_nothing(services: Services, setup: Setup) -> None:
    setup(make_claim("FRAUD", responsibility=Responsibility.FRAUD), make_claim("C1"))
    with pytest.raises(Refused) as fraud:
        request_remission(services, ORG, "FRAUD", ON, "debtor")
    assert "fraud" in fraud.value.reason
    with pytest.raises(Refused):
        request_remission(services, ORG, "C1", ON, "organism")
    with pytest.raises(Refused):
        decide_remission(services, ORG, "C1", ON, 50)
    assert [(event, subject) for event, subject, _ in _refusals(services)] == [
        ("remission_request", "FRAUD"),
        ("remission_request", "C1"),
        ("remission_decision", "C1"),
    ]
    with services.db.unit_of_work() as session:
        assert session.scalars(select(RemissionCaseRow)).first() is None
        assert (
            session.scalars(select(ClaimEventRow).where(ClaimEventRow.kind != "suspension")).first() is None
        )
    assert view_claim(services, ORG, "C1", ON).balance == 40_000


def test_invalid_values_name_field_and_value(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    with pytest.raises(DomainError) as by:
        request_remission(services, ORG, "C1", ON, "neighbour")
    assert (by.value.field, by.value.value) == ("remission_request.by", "neighbour")
    with pytest.raises(DomainError) as rate:
        decide_remission(services, ORG, "C1", ON, "120")
    assert rate.value.field == "remission_decision.rate"


def test_partial_decision_books_the_movement_and_the_letter(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", lines=((date(2025, 9, 5), 60_000),)))
    request_remission(services, ORG, "C1", ON, "debtor")
    record_payment(services, ORG, "C1", 11_265, date(2026, 2, 10), PaymentChannel.CARD, "p1")
    decided = decide_remission(
        services, ORG, "C1", date(2026, 3, 2), "37.5", reasons="situation précaire", actor="cra", why="séance"
    )
    assert (decided.status, decided.amount, decided.authority) == (
        RemissionStatus.PARTIAL,
        18_276,
        "services",
    )
    view = view_claim(services, ORG, "C1", date(2026, 3, 2))
    assert [(m.kind.value, m.amount) for m in view.booked_on(date(2026, 3, 2))] == [("remission", 18_276)]
    assert view.balance == 30_459
    with services.db.unit_of_work() as session:
        letter = session.scalars(select(LetterRow).where(LetterRow.type == "remission_decision")).one()
        assert letter.data == {
            "decision": "partial",
            "remitted_cents": 18_276,
            "rate": "37.5",
            "authority": "services",
            "decider": "services",
            "motive": "situation précaire",
        }
    # The case as it stood before the decision, and after.
    before = case_on(services, ORG, "C1", date(2026, 3, 1))
    assert before is not None and before.status is RemissionStatus.PENDING
    # A replay of the decision books nothing more.
    assert decide_remission(services, ORG, "C1", date(2026, 3, 2), "37.5").amount == 18_276
    assert view_claim(services, ORG, "C1", date(2026, 3, 2)).balance == 30_459


def test_refused_decision_books_nothing_but_notifies(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    request_remission(services, ORG, "C1", ON, "debtor")
    decided = decide_remission(services, ORG, "C1", date(2026, 3, 2), 0)
    assert (decided.status, decided.amount) == (RemissionStatus.REFUSED, 0)
    assert view_claim(services, ORG, "C1", date(2026, 3, 2)).balance == 40_000
    with services.db.unit_of_work() as session:
        assert session.scalars(
            select(LetterRow.type).where(LetterRow.issued_on == date(2026, 3, 2))
        ).all() == ["remission_decision"]


def test_child_death_case_is_automatic(services: Services, setup: Setup) -> None:
    setup(
        make_claim(
            "C1",
            benefit=Benefit.AF,
            responsibility=Responsibility.CHILD_DEATH,
            notified_on=None,
            established_on=date(2026, 1, 12),
            lines=((date(2026, 1, 5), 39_000),),
        )
    )
    case = case_on(services, ORG, "C1", date(2026, 1, 12))
    assert case is not None
    assert (case.route, case.proposed_rate, case.status, case.requested_by) == (
        Route.BOARD,
        Decimal(100),
        RemissionStatus.PENDING,
        "organism_auto",
    )
    assert case_on(services, ORG, "C1", date(2026, 1, 11)) is None
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        row = repository.claim_row(session, organism_id, "C1")
        assert row is not None
        assert pending_claim_ids(session, [row.id], date(2026, 1, 12)) == {row.id}
        claim_id = row.id
    # The organism asking again is the same case; the board grants it in full.
    assert request_remission(services, ORG, "C1", date(2026, 1, 20), "organism") == case
    decided = decide_remission(services, ORG, "C1", date(2026, 3, 2), 100)
    assert (decided.status, decided.amount, decided.authority) == (RemissionStatus.GRANTED, 39_000, "board")
    assert view_claim(services, ORG, "C1", date(2026, 3, 2)).status is ClaimStatus.SETTLED
    with services.db.unit_of_work() as session:
        assert pending_claim_ids(session, [claim_id], date(2026, 3, 1)) == {claim_id}
        assert pending_claim_ids(session, [claim_id], date(2026, 3, 2)) == set()


def test_rsa_request_suspends_until_decided(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", benefit=Benefit.RSA, creditor=Creditor.DEPARTEMENT))
    request_remission(services, ORG, "C1", ON, "debtor")
    assert view_claim(services, ORG, "C1", ON).status is ClaimStatus.SUSPENDED
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        row = repository.claim_row(session, organism_id, "C1")
        assert row is not None
        state = repository.claim_state(session, row.id)
        assert state is not None and state.suspended_reason == "remission"
    decided = decide_remission(services, ORG, "C1", date(2026, 3, 2), 50)
    assert decided.authority == "departement"
    assert view_claim(services, ORG, "C1", date(2026, 3, 2)).status is ClaimStatus.OPEN
    assert view_claim(services, ORG, "C1", date(2026, 3, 1)).status is ClaimStatus.SUSPENDED
