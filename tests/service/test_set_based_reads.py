"""A debtor file is read with one statement per kind of fact, not per claim (issue 15, load): the
number of statements sent for a file does not grow with its claims, and what the file says of
each claim is what the claim's own read says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import event, func, select

from conftest import run_cli
from recouvre.service import Services, queries, suspensions
from recouvre.service.context import open_services
from recouvre.storage.tables import ClaimEventRow, ClaimRow, DebtorRow

ORG = "CAF-DEMO"
ON = date(2026, 12, 6)


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path_factory.mktemp('reads') / 'reads.db'}"
    run_cli(url, "generate", "--debtors", "400", "--seed", "42", "--as-of", "2026-11-01")
    run_cli(url, "cycle", "run", "--organism", ORG, "--month", "2026-11", "--without-payment-run")
    services = open_services(url)
    yield services
    services.db.engine.dispose()


def _debtors_by_claim_count(services: Services) -> dict[int, str]:
    with services.db.unit_of_work() as session:
        query = (
            select(func.count(ClaimRow.id), func.min(DebtorRow.ref))
            .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
            .group_by(ClaimRow.debtor_id)
        )
        return {int(count): str(ref) for count, ref in session.execute(query)}


def _statements(services: Services, read: object) -> int:
    sent: list[str] = []

    def count(*_: object) -> None:
        sent.append("")

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        assert callable(read)
        read()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)
    return len(sent)


def test_statements_do_not_grow_with_the_claims(portfolio: Services) -> None:
    by_count = _debtors_by_claim_count(portfolio)
    fewest, most = min(by_count), max(by_count)
    assert most >= 3, by_count  # the portfolio has debtors with several claims

    def file_of(ref: str) -> int:
        return _statements(
            portfolio, lambda: queries.debtor_file(portfolio, ORG, ref, ON, agency=None, today=ON)
        )

    file_of(by_count[most])  # the organism is read once by the process, then kept
    small, large = file_of(by_count[fewest]), file_of(by_count[most])
    assert large == small, f"{fewest} claim(s): {small} statements; {most} claims: {large}"


def test_the_file_says_of_each_claim_what_the_claim_says(portfolio: Services) -> None:
    by_count = _debtors_by_claim_count(portfolio)
    checked = 0
    for ref in by_count.values():
        found = queries.debtor_file(portfolio, ORG, ref, ON, agency=None, today=ON)
        movements = sorted((m.claim, m.sequence, m.signed) for m in found.movements)
        for summary in found.claims:
            alone = queries.claim(portfolio, ORG, summary.ref, ON)
            assert (summary.balance, summary.status, summary.phase, summary.credit) == (
                alone.balance,
                alone.status,
                alone.phase,
                alone.credit,
            )
            assert [(summary.ref, m.sequence, m.signed) for m in alone.movements] == [
                item for item in movements if item[0] == summary.ref
            ]
            checked += 1
    assert checked >= 3


def _event(kind: str, day: date, **data: object) -> ClaimEventRow:
    return ClaimEventRow(claim_id=1, occurred_on=day, kind=kind, key=f"{kind}:{day}", data=data)


def test_suspension_reasons_from_a_claims_events() -> None:
    events = [
        _event("suspension", date(2026, 2, 1), reason="appeal", action="start"),
        _event("phase", date(2026, 2, 3), phase="contentious"),
        _event("suspension", date(2026, 3, 1), reason="adjustment", action="start", until="2026-03-31"),
        _event("suspension", date(2026, 4, 10), reason="appeal", action="end"),
    ]
    assert suspensions.reasons_from_events(events, date(2026, 1, 31)) == {}
    assert suspensions.reasons_from_events(events, date(2026, 2, 1)) == {"appeal": None}
    assert suspensions.reasons_from_events(events, date(2026, 3, 31)) == {
        "appeal": None,
        "adjustment": date(2026, 3, 31),
    }
    assert suspensions.reasons_from_events(events, date(2026, 4, 1)) == {"appeal": None}
    assert suspensions.reasons_from_events(events, date(2026, 4, 10)) == {}
