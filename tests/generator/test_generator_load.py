"""Loading a generated portfolio through the service layer, and the portfolio summary."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from recouvre.adapters.generator import DEFAULT_AS_OF, PortfolioSpec, load_portfolio
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import ClaimStatus, Country, PaymentChannel
from recouvre.service import Services
from recouvre.service.claims import view_claim
from recouvre.service.payments import book, record_payment, reverse
from recouvre.service.reports import latest_established_on, portfolio_summary
from recouvre.storage.database import Database
from recouvre.storage.tables import ClaimLineRow, ClaimRow, DebtorRow, MovementRow

FR = PortfolioSpec("CAF-GEN", Country.FR, seed=7)


def content(services: Services) -> list[tuple[object, ...]]:
    """What the database holds: every claim with its debtor's id and ref."""
    query = (
        select(DebtorRow.id, DebtorRow.ref, DebtorRow.nir, ClaimRow.ref, ClaimRow.principal_cents)
        .join(ClaimRow, ClaimRow.debtor_id == DebtorRow.id)
        .order_by(ClaimRow.ref)
    )
    with services.db.unit_of_work() as session:
        return [tuple(row) for row in session.execute(query)]


def counts(services: Services) -> tuple[int, ...]:
    with services.db.unit_of_work() as session:
        return tuple(
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (DebtorRow, ClaimRow, ClaimLineRow, MovementRow)
        )


def test_same_seed_same_database_and_replay_books_nothing(tmp_path: Path) -> None:
    first = Services(Database(f"sqlite:///{tmp_path / 'a.db'}"))
    second = Services(Database(f"sqlite:///{tmp_path / 'b.db'}"))
    result = load_portfolio(first, FR, 300)
    assert result.organism_created and result.debtors_created == 300
    assert result.claims_created == result.claims > 300
    load_portfolio(second, FR, 300)
    assert content(first) == content(second)
    before = counts(first)
    again = load_portfolio(first, FR, 300)
    assert (again.organism_created, again.debtors_created, again.claims_created) == (False, 0, 0)
    assert counts(first) == before
    other = Services(Database(f"sqlite:///{tmp_path / 'c.db'}"))
    load_portfolio(other, PortfolioSpec("CAF-GEN", Country.FR, seed=8), 300)
    assert content(other) != content(first)


def test_growing_a_portfolio_adds_only_new_debtors(services: Services) -> None:
    spec = PortfolioSpec("CAF-TEST", Country.FR, seed=3)
    load_portfolio(services, spec, 100)
    grown = load_portfolio(services, spec, 150)
    assert (grown.debtors_created, grown.debtors) == (50, 150)


def test_lines_sum_to_principal_in_the_database(services: Services) -> None:
    load_portfolio(services, PortfolioSpec("CAF-TEST", Country.FR, seed=11), 200)
    query = (
        select(ClaimRow.principal_cents, func.sum(ClaimLineRow.amount_cents))
        .join(ClaimLineRow, ClaimLineRow.claim_id == ClaimRow.id)
        .group_by(ClaimRow.id, ClaimRow.principal_cents)
    )
    with services.db.unit_of_work() as session:
        rows = list(session.execute(query))
    assert rows and all(principal == total for principal, total in rows)


def test_ma_portfolio_loads(services: Services) -> None:
    spec = PortfolioSpec("CNSS-GEN", Country.MA, seed=1)
    result = load_portfolio(services, spec, 120)
    assert result.organism_created and result.debtors_created == 120
    summary = portfolio_summary(services, "CNSS-GEN", DEFAULT_AS_OF)
    assert summary.currency == "MAD"
    assert [bucket.key for bucket in summary.by_benefit] == ["CONTRIB"]
    assert [bucket.key for bucket in summary.by_responsibility] == ["debtor_error"]
    assert summary.total.count == result.claims


def test_summary_totals_equal_the_principals(any_services: Services) -> None:
    result = load_portfolio(any_services, PortfolioSpec("CAF-TEST", Country.FR, seed=5), 250)
    on = latest_established_on(any_services, "CAF-TEST")
    assert on is not None
    summary = portfolio_summary(any_services, "CAF-TEST", on)
    with any_services.db.unit_of_work() as session:
        principal = int(session.scalar(select(func.sum(ClaimRow.principal_cents))) or 0)
    assert summary.total.count == result.claims
    assert summary.total.principal == principal
    for groups in (summary.by_benefit, summary.by_responsibility, summary.by_status):
        assert sum(bucket.count for bucket in groups) == summary.total.count
        assert sum(bucket.principal for bucket in groups) == principal
        assert sum(bucket.balance for bucket in groups) == summary.total.balance
    # The balance includes the fraud indemnities, booked on top of the principal.
    assert summary.total.balance >= principal
    earlier = portfolio_summary(any_services, "CAF-TEST", on - timedelta(days=365))
    assert 0 < earlier.total.count < summary.total.count


def test_summary_statuses_match_view_claim(any_services: Services) -> None:
    load_portfolio(any_services, PortfolioSpec("CAF-TEST", Country.FR, seed=9), 40)
    with any_services.db.unit_of_work() as session:
        claims = [
            (ref, principal, established)
            for ref, principal, established in session.execute(
                select(ClaimRow.ref, ClaimRow.principal_cents, ClaimRow.established_on).order_by(ClaimRow.ref)
            )
        ]
    on = DEFAULT_AS_OF + timedelta(days=30)
    paid, written_off, cancelled, reversed_, partial = claims[:5]
    record_payment(any_services, "CAF-TEST", paid[0], paid[1] * 2, DEFAULT_AS_OF, PaymentChannel.CARD, "p1")
    for (ref, _principal, _), kind in (
        (written_off, MovementKind.WRITE_OFF),
        (cancelled, MovementKind.CANCELLATION),
    ):
        view = view_claim(any_services, "CAF-TEST", ref, DEFAULT_AS_OF)
        book(
            any_services,
            "CAF-TEST",
            ref,
            MovementRequest(
                key=f"CAF-TEST:{ref}:{kind.value}", kind=kind, amount=view.balance, booked_on=DEFAULT_AS_OF
            ),
        )
    movement, _ = record_payment(
        any_services, "CAF-TEST", reversed_[0], reversed_[1] * 2, DEFAULT_AS_OF, PaymentChannel.CARD, "p2"
    )
    reverse(any_services, "CAF-TEST", reversed_[0], movement.key, DEFAULT_AS_OF + timedelta(days=1), "rejet")
    record_payment(any_services, "CAF-TEST", partial[0], 100, DEFAULT_AS_OF, PaymentChannel.TRANSFER, "p3")

    for day in (DEFAULT_AS_OF - timedelta(days=1), DEFAULT_AS_OF, on):
        expected: dict[str, tuple[int, int, int]] = {}
        for ref, principal, established in claims:
            if established > day:
                continue
            view = view_claim(any_services, "CAF-TEST", ref, day)
            count, total, balance = expected.get(view.status.value, (0, 0, 0))
            expected[view.status.value] = (count + 1, total + principal, balance + view.balance)
        summary = portfolio_summary(any_services, "CAF-TEST", day)
        assert {b.key: (b.count, b.principal, b.balance) for b in summary.by_status} == expected
    final = {bucket.key for bucket in portfolio_summary(any_services, "CAF-TEST", on).by_status}
    assert {ClaimStatus.SETTLED, ClaimStatus.WRITTEN_OFF, ClaimStatus.CANCELLED, ClaimStatus.OPEN} <= {
        ClaimStatus(key) for key in final
    }


def test_summary_of_an_empty_organism(services: Services) -> None:
    summary = portfolio_summary(services, "CAF-TEST", date(2026, 1, 1))
    assert summary.total.count == 0 and summary.by_status == ()
    assert latest_established_on(services, "CAF-TEST") is None
