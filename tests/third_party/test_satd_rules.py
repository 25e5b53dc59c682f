"""The SATD received: seizable share per benefit (L553-4, R-TIERS-2), ranking — property tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.domain.errors import DomainError
from recouvre.domain.model import Benefit
from recouvre.domain.satd import (
    NEVER_SEIZABLE,
    DebtKind,
    Notice,
    due_on,
    rank,
    seizable_benefits,
    seize,
)

PAID_BENEFITS = [b for b in Benefit if b not in (Benefit.LOAN, Benefit.CONTRIB)]
T0 = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)

payments = st.dictionaries(st.sampled_from(PAID_BENEFITS), st.integers(0, 500_000), max_size=6)
notices = st.lists(
    st.builds(
        Notice,
        id=st.integers(1, 1000),
        kind=st.sampled_from(list(DebtKind)),
        received_at=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1)).map(
            lambda moment: moment.replace(tzinfo=UTC)
        ),
        remaining=st.integers(0, 1_000_000),
    ),
    max_size=5,
    unique_by=lambda n: n.id,
)


@settings(max_examples=400, deadline=None)
@given(paid=payments, share=st.floats(0, 1), found=notices)
def test_never_more_than_the_seizable_share(
    paid: dict[Benefit, int], share: float, found: list[Notice]
) -> None:
    gross = sum(paid.values())
    own = int(gross * share)
    seizures = seize(paid, own, found)
    assert [s.notice_id for s in seizures] == [n.id for n in rank(found)]
    by_notice = {n.id: n for n in found}
    taken_per_benefit: dict[Benefit, int] = {}
    for seizure in seizures:
        notice = by_notice[seizure.notice_id]
        assert all(isinstance(v, int) and v > 0 for v in seizure.by_benefit.values())  # cents, never negative
        assert seizure.amount <= notice.remaining
        assert set(seizure.by_benefit) <= seizable_benefits(notice.kind)
        assert not set(seizure.by_benefit) & NEVER_SEIZABLE
        for benefit, amount in seizure.by_benefit.items():
            taken_per_benefit[benefit] = taken_per_benefit.get(benefit, 0) + amount
    for benefit, amount in taken_per_benefit.items():
        assert amount <= paid[benefit]
    # Together with the organism's own withholding, never more than was paid…
    assert own + sum(taken_per_benefit.values()) <= gross
    # …and never more than the seizable benefits left after the organism's own withholding.
    seizable = sum(v for b, v in paid.items() if any(b in seizable_benefits(n.kind) for n in found))
    assert sum(taken_per_benefit.values()) <= max(seizable - 0, 0)
    assert sum(taken_per_benefit.values()) <= gross - own


@settings(max_examples=200, deadline=None)
@given(paid=payments, found=notices)
def test_takes_all_it_may(paid: dict[Benefit, int], found: list[Notice]) -> None:
    """Without own withholding, a lone notice takes min(what it claims, what it may seize)."""
    for notice in found[:1]:
        [seizure] = seize(paid, 0, [notice])
        may = sum(v for b, v in paid.items() if b in seizable_benefits(notice.kind))
        assert seizure.amount == min(notice.remaining, may)


def test_unseizable_rsa_and_ppa() -> None:
    paid = {Benefit.RSA: 60_000, Benefit.PPA: 20_000}
    [seizure] = seize(paid, 0, [Notice(1, DebtKind.FRAUD, T0, 50_000)])
    assert seizure.amount == 0


def test_maintenance_only_family_benefits_and_other_nothing() -> None:
    paid = {Benefit.AF: 13_000, Benefit.AAH: 90_000, Benefit.RSA: 10_000}
    [maintenance] = seize(paid, 0, [Notice(1, DebtKind.MAINTENANCE, T0, 50_000)])
    assert dict(maintenance.by_benefit) == {Benefit.AF: 13_000}
    [other] = seize(paid, 0, [Notice(2, DebtKind.OTHER, T0, 50_000)])
    assert other.amount == 0
    [fraud] = seize(paid, 0, [Notice(3, DebtKind.FRAUD, T0, 50_000)])
    assert dict(fraud.by_benefit) == {Benefit.AAH: 50_000}


def test_own_withholding_first_then_by_receipt() -> None:
    paid = {Benefit.AF: 30_000, Benefit.RSA: 50_000}
    later = Notice(1, DebtKind.FRAUD, T0.replace(hour=15), 20_000)
    earlier = Notice(2, DebtKind.FRAUD, T0, 20_000)
    first, second = seize(paid, 5_000, [later, earlier])
    # 5 000 withheld by the organism on AF (seizable) first: 25 000 left; the earlier notice first.
    assert (first.notice_id, first.amount) == (2, 20_000)
    assert (second.notice_id, second.amount) == (1, 5_000)
    maintenance = Notice(3, DebtKind.MAINTENANCE, T0.replace(day=20), 20_000)
    assert [s.notice_id for s in seize(paid, 0, [earlier, maintenance])] == [3, 2]


def test_due_in_thirty_days_and_bad_input() -> None:
    assert due_on(date(2027, 3, 5)) == date(2027, 4, 4)
    with pytest.raises(DomainError):
        seize({Benefit.AF: 100}, 200, [])
    with pytest.raises(DomainError):
        seize({Benefit.AF: -1}, 0, [])
