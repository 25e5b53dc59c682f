"""Policy what-if: two replays of the same portfolio on copies of the database, the same seeded
behaviour, a report in HTML (inline SVG) and PDF; the database itself is left as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain.errors import DomainError
from recouvre.domain.model import Country
from recouvre.service import Services, whatif, whatif_report
from recouvre.storage.database import Database
from recouvre.storage.tables import MovementRow

ORG = "CAF-WHATIF"


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Services:
    folder = tmp_path_factory.mktemp("whatif")
    services = Services(Database(f"sqlite:///{folder / 'base.db'}"))
    load_portfolio(services, PortfolioSpec(ORG, Country.FR, seed=5, as_of=date(2026, 6, 1)), 120)
    return services


def _movements(services: Services) -> int:
    with services.db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(MovementRow)) or 0)


def test_same_policy_same_result_and_the_base_is_untouched(portfolio: Services, tmp_path: Path) -> None:
    before = _movements(portfolio)
    same = whatif.PolicySet("A", {})
    result = whatif.compare(portfolio, ORG, date(2026, 6, 1), 2, 9, same, whatif.PolicySet("B", {}))
    assert _movements(portfolio) == before
    a, b = result.base, result.candidate
    assert a.recovered > 0
    assert (a.recovered, a.withheld, a.tasks, sum(a.letters.values()), a.time_barred) == (
        b.recovered,
        b.withheld,
        b.tasks,
        sum(b.letters.values()),
        b.time_barred,
    )
    assert [item.burden for item in a.burden] == [item.burden for item in b.burden]
    assert len(a.burden) == whatif.DECILES


def test_a_lower_arrears_rate_withholds_less_and_the_report_says_so(
    portfolio: Services, tmp_path: Path
) -> None:
    base = whatif.PolicySet("Actuelle", {})
    candidate = whatif.PolicySet("Rappels à 0 %", {"withholding.arrears_rate": 0})
    result = whatif.compare(portfolio, ORG, date(2026, 6, 1), 2, 9, base, candidate)
    assert result.candidate.withheld < result.base.withheld
    html = whatif_report.render_html(result)
    assert "Rappels à 0 %" in html and "<svg" in html and "par décile de RMP" in html
    pdf = whatif_report.render_pdf(html)
    assert pdf.startswith(b"%PDF")


def test_policy_files(tmp_path: Path) -> None:
    path = tmp_path / "candidat.yaml"
    path.write_text("name: Délai 30 jours\npolicy:\n  recovery.start_delay_days: 30\n", encoding="utf-8")
    found = whatif.read_policy_set(path)
    assert (found.name, dict(found.values)) == ("Délai 30 jours", {"recovery.start_delay_days": 30})
    plain = tmp_path / "plain.yaml"
    plain.write_text("recovery.start_delay_days: 10\n", encoding="utf-8")
    assert whatif.read_policy_set(plain).name == "plain"
    bad = tmp_path / "bad.yaml"
    bad.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(DomainError):
        whatif.read_policy_set(bad)
