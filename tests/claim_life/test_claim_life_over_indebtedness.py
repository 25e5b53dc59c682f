"""Over-indebtedness: admissibility, plan, contest, personal recovery."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.model import Benefit, ClaimStatus, Creditor, DomainError, Responsibility
from recouvre.domain.over_indebtedness import FileStatus
from recouvre.service import NotFound, Refused, Services
from recouvre.service.claims import view_claim
from recouvre.service.over_indebtedness import admissible, contested, discharge, file_of, plan
from recouvre.storage.tables import LetterClaimRow, LetterRow, PlanRow

from .conftest import ORG, Setup, make_claim

ON = date(2026, 2, 2)


def test_admissible_suspends_and_lists_every_claim(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"), make_claim("C2", benefit=Benefit.AF), make_claim("OTHER", debtor="D2"))
    view = admissible(
        services, ORG, "D1", ON, commission="BdF Nantes", procedure_ref="S-1", actor="a", why="w"
    )
    assert (view.status, view.claims) == (FileStatus.ADMISSIBLE, ("C1", "C2"))
    assert view_claim(services, ORG, "C1", ON).status is ClaimStatus.SUSPENDED
    assert view_claim(services, ORG, "OTHER", ON).status is ClaimStatus.OPEN
    with services.db.unit_of_work() as session:
        letters = session.scalars(select(LetterRow).where(LetterRow.type == "claims_list")).all()
        assert len(letters) == 1
        assert letters[0].data["commission"] == "BdF Nantes"
        covered = session.scalars(
            select(LetterClaimRow.claim_id).where(LetterClaimRow.letter_id == letters[0].id)
        )
        assert len(list(covered)) == 2
    assert admissible(services, ORG, "D1", ON) == view  # replay
    with pytest.raises(Refused):
        admissible(services, ORG, "D1", date(2026, 2, 3))  # a file is already open
    with pytest.raises(NotFound):
        admissible(services, ORG, "NOBODY", ON)


def test_plan_sets_instalments_and_resumes(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"), make_claim("C2", benefit=Benefit.AF))
    admissible(services, ORG, "D1", ON)
    with pytest.raises(DomainError) as monthly:
        plan(services, ORG, "D1", date(2026, 3, 31), 0)
    assert monthly.value.field == "over_indebtedness.monthly"
    view = plan(services, ORG, "D1", date(2026, 3, 31), 4_000, actor="a", why="plan BdF")
    assert (view.status, view.monthly) == (FileStatus.PLAN, 4_000)
    with services.db.unit_of_work() as session:
        plans = session.scalars(select(PlanRow).order_by(PlanRow.id)).all()
    # One month later, same day: 31 March -> 30 April.
    assert [(p.origin, p.monthly_cents, p.first_due) for p in plans] == [
        ("over_indebtedness", 4_000, date(2026, 4, 30)),
        ("over_indebtedness", 4_000, date(2026, 4, 30)),
    ]
    assert view_claim(services, ORG, "C1", date(2026, 3, 31)).status is ClaimStatus.OPEN
    # A replay books no second plan.
    plan(services, ORG, "D1", date(2026, 3, 31), 4_000)
    with services.db.unit_of_work() as session:
        assert len(session.scalars(select(PlanRow)).all()) == 2


def test_contested_keeps_the_suspension(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    with pytest.raises(Refused):
        contested(services, ORG, "D1", ON, date(2026, 3, 2))
    admissible(services, ORG, "D1", ON)
    view = contested(
        services, ORG, "D1", date(2026, 2, 20), date(2026, 3, 5), actor="a", why="plan trop long"
    )
    assert (view.status, view.contest_deadline) == (FileStatus.CONTESTED, date(2026, 3, 5))
    assert view_claim(services, ORG, "C1", date(2026, 2, 20)).status is ClaimStatus.SUSPENDED
    with pytest.raises(DomainError):
        contested(services, ORG, "D1", date(2026, 2, 20), date(2026, 2, 19))


def test_discharge(services: Services, setup: Setup) -> None:
    setup(
        make_claim("OLD"),
        make_claim("AF_FRAUD", benefit=Benefit.AF, responsibility=Responsibility.FRAUD),
        make_claim(
            "RSA_FRAUD",
            benefit=Benefit.RSA,
            creditor=Creditor.DEPARTEMENT,
            responsibility=Responsibility.FRAUD,
        ),
        make_claim(
            "SAME_DAY",
            lines=((date(2025, 9, 5), 1_000), (date(2026, 3, 10), 2_000)),
            notified_on=date(2026, 3, 10),
        ),
    )
    admissible(services, ORG, "D1", ON)
    view = discharge(services, ORG, "D1", date(2026, 3, 10), actor="a", why="jugement")
    erased = {d.claim_ref: (d.erased, d.kept) for d in view.decisions}
    assert erased == {
        "OLD": (40_000, 0),
        "AF_FRAUD": (0, 44_000),
        "RSA_FRAUD": (44_000, 0),
        "SAME_DAY": (1_000, 2_000),
    }
    on = date(2026, 3, 10)
    assert view_claim(services, ORG, "OLD", on).status is ClaimStatus.DISCHARGED
    assert view_claim(services, ORG, "AF_FRAUD", on).status is ClaimStatus.OPEN
    assert view_claim(services, ORG, "SAME_DAY", on).balance == 2_000
    found = file_of(services, ORG, "D1", on)
    assert found is not None and found.status is FileStatus.DISCHARGED


def test_discharge_without_prior_admissibility_records_the_file(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    view = discharge(services, ORG, "D1", ON)
    assert (view.status, view.admissible_on) == (FileStatus.DISCHARGED, ON)
    assert view_claim(services, ORG, "C1", ON).status is ClaimStatus.DISCHARGED
