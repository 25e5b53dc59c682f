"""Every indicator, the snapshots and the dashboard on a generated and simulated portfolio, on
SQLite and on PostgreSQL (the same SQL): the recovery rate agrees with the ledgers recomputed
claim by claim, and the snapshots' network view with the indicators."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain import indicators as rules
from recouvre.domain.model import Country
from recouvre.service import Services, dashboards, indicators, snapshots
from recouvre.service.simulation import simulate

from .test_indicators import _by_hand

ORG = "CAF-IND"


def test_everything_on_a_simulated_portfolio(any_services: Services, tmp_path: Path) -> None:
    load_portfolio(any_services, PortfolioSpec(ORG, Country.FR, seed=11, as_of=date(2026, 3, 1)), 80)
    simulate(any_services, ORG, date(2026, 3, 1), 3, seed=11)
    start, end = date(2026, 3, 1), date(2026, 5, 31)
    report = indicators.compute(any_services, ORG, start, end)
    assert {value.definition.name for value in report.values} == set(rules.DEFINITION_OF)
    rate = report.get("recovery_rate").result.value
    assert rate is not None and rate == _by_hand(any_services, start, end)
    data = report.as_data()
    assert data["stock_ageing"]["value"] and int(data["task_workload"]["value"][0]["tasks"]) > 0
    root = tmp_path / "snapshots"
    snapshots.write_months(any_services, [ORG], "2026-03", "2026-05", root, until=end)
    view = snapshots.network_view(root, "2026-03", "2026-05")
    assert view.network.recovery_rate == rate
    board = dashboards.build(any_services, ORG, start, end, network=True, months=3, snapshot_root=root)
    live = dashboards.build(any_services, ORG, start, end, network=True, months=3)
    assert board.trend == live.trend and [point.month for point in board.trend] == [
        "2026-03",
        "2026-04",
        "2026-05",
    ]
