"""Appeals: deadlines, suspension, implicit rejection, decisions on the ledger, the organism's appeal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.appeals import AppealOutcome, AppealStage, AppealStatus, Appellant
from recouvre.domain.model import Benefit, ClaimStatus, DomainError, PaymentChannel, Responsibility
from recouvre.service import Refused, Services
from recouvre.service.appeals import appeals_of, decide_appeal, file_appeal, sweep_implicit, withdraw
from recouvre.service.claims import view_claim
from recouvre.service.payments import record_payment
from recouvre.storage.tables import ClaimEventRow

from .conftest import ORG, Setup, make_claim


def _booked(services: Services, ref: str, on: date) -> list[tuple[str, int]]:
    return [(m.kind.value, m.amount) for m in view_claim(services, ORG, ref, on).booked_on(on)]


def test_deadline_and_refusal(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    with pytest.raises(Refused) as late:
        file_appeal(services, ORG, "C1", date(2026, 3, 11))
    assert "forclusion" in late.value.reason
    view = file_appeal(services, ORG, "C1", date(2026, 3, 10), actor="accueil", why="courrier du 9 mars")
    assert (view.stage, view.status, view.filing_deadline, view.implicit_rejection_on) == (
        AppealStage.AMICABLE,
        AppealStatus.PENDING,
        date(2026, 3, 10),
        date(2026, 5, 10),
    )
    assert view.suspends
    with pytest.raises(Refused):
        file_appeal(services, ORG, "C1", date(2026, 3, 12))  # one is pending
    with pytest.raises(Refused):
        file_appeal(services, ORG, "C1", date(2026, 3, 12), stage="court")


def test_child_death_claim_has_no_time_limit(services: Services, setup: Setup) -> None:
    setup(
        make_claim(
            "C1",
            benefit=Benefit.AF,
            responsibility=Responsibility.CHILD_DEATH,
            notified_on=None,
            established_on=date(2026, 1, 12),
        )
    )
    assert file_appeal(services, ORG, "C1", date(2027, 1, 1)).filing_deadline is None


def test_implicit_rejection_then_court(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"), make_claim("C2"))
    file_appeal(services, ORG, "C1", date(2026, 2, 1))
    file_appeal(services, ORG, "C2", date(2026, 2, 1))
    assert view_claim(services, ORG, "C1", date(2026, 3, 31)).status is ClaimStatus.SUSPENDED
    assert view_claim(services, ORG, "C1", date(2026, 4, 1)).status is ClaimStatus.OPEN
    assert [v.status for v in appeals_of(services, ORG, "C1", date(2026, 4, 1))] == [
        AppealStatus.IMPLICITLY_REJECTED
    ]
    swept = sweep_implicit(services, ORG, date(2026, 4, 2), actor="batch", why="R142-6")
    assert [(v.claim_ref, v.court_deadline) for v in swept] == [
        ("C1", date(2026, 6, 1)),
        ("C2", date(2026, 6, 1)),
    ]
    assert sweep_implicit(services, ORG, date(2026, 4, 2)) == []
    court = file_appeal(services, ORG, "C1", date(2026, 5, 20))
    assert (court.stage, court.suspends) == (AppealStage.COURT, False)
    with pytest.raises(Refused):
        file_appeal(services, ORG, "C2", date(2026, 6, 2))  # too late for the court


def test_decisions_need_an_open_appeal_and_valid_values(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    with pytest.raises(Refused):
        decide_appeal(services, ORG, "C1", date(2026, 2, 1), "rejected")
    with pytest.raises(DomainError) as outcome:
        decide_appeal(services, ORG, "C1", date(2026, 2, 1), "quashed")
    assert (outcome.value.field, outcome.value.value) == ("appeal.outcome", "quashed")
    with pytest.raises(DomainError) as missing:
        decide_appeal(services, ORG, "C1", date(2026, 2, 1), "reduced")
    assert missing.value.field == "appeal.amount"
    with pytest.raises(DomainError):
        decide_appeal(services, ORG, "C1", date(2026, 2, 1), "upheld", 100)
    file_appeal(services, ORG, "C1", date(2026, 2, 1))
    with pytest.raises(DomainError) as above:
        decide_appeal(services, ORG, "C1", date(2026, 3, 1), "reduced", 40_000)
    assert above.value.field == "appeal.amount"


def test_withdraw_resumes(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    with pytest.raises(Refused):
        withdraw(services, ORG, "C1", date(2026, 2, 1))
    file_appeal(services, ORG, "C1", date(2026, 2, 1))
    view = withdraw(services, ORG, "C1", date(2026, 2, 10), actor="débiteur", why="courrier")
    assert view.status is AppealStatus.WITHDRAWN
    assert view_claim(services, ORG, "C1", date(2026, 2, 10)).status is ClaimStatus.OPEN
    # Withdrawn: a new appeal to the board is possible within the original time limit.
    assert file_appeal(services, ORG, "C1", date(2026, 3, 1)).stage is AppealStage.AMICABLE


def test_reduced_fraud_claim_reduces_the_indemnity(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", benefit=Benefit.AF, responsibility=Responsibility.FRAUD))
    # 400.00 + 40.00 indemnity; 100.00 paid; reduced to 150.00: indemnity becomes 15.00.
    record_payment(services, ORG, "C1", 10_000, date(2026, 1, 20), PaymentChannel.CARD, "p1")
    file_appeal(services, ORG, "C1", date(2026, 2, 1))
    view = decide_appeal(services, ORG, "C1", date(2026, 3, 1), AppealOutcome.REDUCED, 15_000)
    assert (view.cancellation, view.refund, view.new_principal) == (27_500, 0, 15_000)
    assert view_claim(services, ORG, "C1", date(2026, 3, 1)).balance == 6_500


def test_organism_appeal_restores_the_claim(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", lines=((date(2025, 9, 5), 50_000),)))
    record_payment(services, ORG, "C1", 20_000, date(2026, 1, 20), PaymentChannel.CARD, "p1")
    with pytest.raises(Refused):
        file_appeal(services, ORG, "C1", date(2026, 1, 25), filed_by="organism")
    file_appeal(services, ORG, "C1", date(2026, 2, 1))
    decide_appeal(services, ORG, "C1", date(2026, 3, 1), "rejected")
    file_appeal(services, ORG, "C1", date(2026, 4, 1))
    court = decide_appeal(services, ORG, "C1", date(2026, 9, 1), "upheld")
    assert (court.cancellation, court.refund) == (50_000, 20_000)
    assert view_claim(services, ORG, "C1", date(2026, 9, 1)).status is ClaimStatus.CANCELLED
    own = file_appeal(services, ORG, "C1", date(2026, 9, 20), filed_by=Appellant.ORGANISM, actor="directeur")
    assert (own.stage, own.filed_by, own.suspends) == (AppealStage.COURT, Appellant.ORGANISM, False)
    # Recorded without touching the ledger until decided; the court action interrupts prescription.
    assert _booked(services, "C1", date(2026, 9, 20)) == []
    with services.db.unit_of_work() as session:
        kinds = session.scalars(
            select(ClaimEventRow.kind).where(ClaimEventRow.occurred_on == date(2026, 9, 20))
        )
        assert "court_action" in list(kinds)
    decided = decide_appeal(services, ORG, "C1", date(2027, 3, 1), "reduced", 30_000)
    assert _booked(services, "C1", date(2027, 3, 1)) == [("reversal", 50_000), ("cancellation", 20_000)]
    # The 20,000 paid were refunded: the debtor owes the new principal of 30,000 in full.
    assert view_claim(services, ORG, "C1", date(2027, 3, 1)).balance == 30_000
    assert decided.new_principal == 30_000
