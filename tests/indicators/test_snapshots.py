"""Monthly snapshots: written once (the database is not read again for a month already written),
and the network view read with DuckDB gives the same recovery rate as the indicators."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from recouvre.domain.errors import DomainError
from recouvre.scenario.runner import run_file
from recouvre.service import indicators, snapshots
from recouvre.service.context import open_services

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_snapshots_written_once_and_network_view_agrees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    assert run_file(SCENARIOS / "kpi_payment_beyond_balance_refund.yaml", db_url=url).code == 0
    services = open_services(url)
    root = tmp_path / "snapshots"
    done = snapshots.write_months(services, ["CAF-TEST"], "2025-12", "2026-03", root, until=date(2026, 3, 31))
    assert [item.written for item in done] == [True] * 4
    assert (root / "organism=CAF-TEST" / "month=2026-01" / snapshots.SUMMARY).exists()

    def no_database(*args: object, **kwargs: object) -> object:
        raise AssertionError("the database was read again for a month already written")

    monkeypatch.setattr(indicators, "flows", no_database)
    again = snapshots.write_months(
        services, ["CAF-TEST"], "2025-12", "2026-03", root, until=date(2026, 3, 31)
    )
    assert [item.written for item in again] == [False] * 4
    monkeypatch.undo()

    view = snapshots.network_view(root, "2026-01", "2026-03")
    direct = indicators.compute(services, "CAF-TEST", date(2026, 1, 1), date(2026, 3, 31), ["recovery_rate"])
    assert view.network.recovery_rate == direct.get("recovery_rate").result.value
    assert str(view.network.recovery_rate) == "21.21"
    assert [item.month for item in view.by_month] == ["2026-01", "2026-02", "2026-03"]
    assert str(snapshots.network_view(root, "2026-01", "2026-01").network.recovery_rate) == "30.30"


def test_an_unfinished_month_is_not_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    assert run_file(SCENARIOS / "kpi_payment_beyond_balance_refund.yaml", db_url=url).code == 0
    with pytest.raises(DomainError):
        snapshots.write_month(open_services(url), "CAF-TEST", "2026-03", tmp_path, until=date(2026, 3, 30))
    assert snapshots.months("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_dashboard_trend_from_snapshots_equals_the_live_one(tmp_path: Path) -> None:
    from recouvre.service import dashboards

    url = f"sqlite:///{tmp_path / 'kpi.db'}"
    assert run_file(SCENARIOS / "kpi_payment_beyond_balance_refund.yaml", db_url=url).code == 0
    services = open_services(url)
    root = tmp_path / "snapshots"
    snapshots.write_months(services, ["CAF-TEST"], "2025-05", "2026-03", root, until=date(2026, 3, 31))
    start, end = date(2026, 1, 1), date(2026, 4, 15)
    live = dashboards.build(services, "CAF-TEST", start, end, network=False)
    stored = dashboards.build(services, "CAF-TEST", start, end, network=False, snapshot_root=root)
    assert stored.trend == live.trend
    assert [point.month for point in live.trend][-4:] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert sum(point.recovered for point in live.trend) == 50_000 - 15_000
