"""The procedures' steering indicators (``enforcement_pipeline``, ``agency_league``,
``phone_campaign``): small portfolios built through the service commands (scenario files run
by the runner, which goes through ``service.commands`` only, and the door's commands), each
figure checked by hand and against the procedure's own per-claim reading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.conftest import ORG, BackOffice, open_back_office
from channels.test_campaigns import default_step, formal_notice
from recouvre.cli import app
from recouvre.domain.model import PaymentChannel
from recouvre.scenario.runner import run_file
from recouvre.service import Services, accounts, agency_reports, campaigns, enforcement, indicators
from recouvre.service import commands as door
from recouvre.service.commands import campaigns as campaign_commands
from recouvre.service.context import open_services

SCENARIOS = Path(__file__).parent.parent / "scenarios"

TITLES = """
scenario: "Indicators: four contraintes in four states"
debtors:
  - {id: D1, kind: person, nir: "285077512345655"}
  - {id: D2, kind: person}
  - {id: D3, kind: person}
  - {id: D4, kind: person}
claims:
  - id: C1
    debtor: D1
    benefit: AL
    responsibility: debtor_error
    lines: [{paid_on: 2025-10-05, amount: "300.00"}]
    notified_on: 2026-01-10
  - id: C2
    debtor: D2
    benefit: AF
    responsibility: debtor_error
    lines: [{paid_on: 2025-10-05, amount: "200.00"}]
    notified_on: 2026-01-10
  - id: C3
    debtor: D3
    benefit: AF
    responsibility: debtor_error
    lines: [{paid_on: 2025-10-05, amount: "100.00"}]
    notified_on: 2026-01-10
  - id: C4
    debtor: D4
    benefit: AF
    responsibility: debtor_error
    lines: [{paid_on: 2025-10-05, amount: "400.00"}]
    notified_on: 2026-01-10
timeline:
  - {date: 2026-02-02, cycle: 2026-02}
  - {date: 2026-03-02, cycle: 2026-03}
  - {date: 2026-04-02, cycle: 2026-04}
  - {date: 2026-06-03, cycle: 2026-06}
  - {date: 2026-06-05, contrainte: {claim: C1, action: issued}}
  - {date: 2026-06-05, contrainte: {claim: C2, action: issued}}
  - {date: 2026-06-05, contrainte: {claim: C3, action: issued}}
  - {date: 2026-06-05, contrainte: {claim: C4, action: issued}}
  - {date: 2026-06-10, contrainte: {claim: C1, action: served, via: bailiff}}
  - {date: 2026-06-10, contrainte: {claim: C2, action: served, via: bailiff}}
  - {date: 2026-06-10, contrainte: {claim: C4, action: served, via: bailiff}}
  - {date: 2026-06-12, contrainte: {claim: C2, action: opposed}}
  - {date: 2026-06-12, contrainte: {claim: C4, action: opposed}}
  - {date: 2026-09-01, contrainte: {claim: C4, action: decided, outcome: upheld}}
  - {date: 2026-09-10, contrainte: {claim: C4, action: issued}}
  - {date: 2026-09-14, contrainte: {claim: C4, action: served, via: registered_letter}}
expect:
  - date: 2026-06-30
    title: {C1: enforceable, C2: opposed, C3: issued, C4: opposed}
  - date: 2026-09-30
    title: {C1: enforceable, C2: opposed, C3: issued, C4: enforceable}
"""


def _compute(services: Services, name: str, start: date, end: date) -> indicators.Result:
    return indicators.compute(services, "CAF-TEST", start, end, [name]).get(name).result


def _states(result: indicators.Result) -> dict[str, tuple[int, int]]:
    return {
        str(row["state"]): (int(row["titles"]), int(row["amount"])) for row in result.value if row["titles"]
    }


@pytest.fixture(scope="module")
def titles_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("titles")
    (folder / "titles.yaml").write_text(TITLES, encoding="utf-8")
    url = f"sqlite:///{folder / 'titles.db'}"
    outcome = run_file(folder / "titles.yaml", db_url=url)
    assert outcome.code == 0, outcome
    return url


def test_enforcement_pipeline_counts_titles_by_their_state_on_the_last_day(titles_db: str) -> None:
    services = open_services(titles_db)
    # 2026-06-25: served on 06-10, the 15-day window runs to 06-25 included: C1 still served.
    june_25 = _compute(services, "enforcement_pipeline", date(2026, 6, 1), date(2026, 6, 25))
    assert _states(june_25) == {"issued": (1, 10_000), "served": (1, 30_000), "opposed": (2, 60_000)}
    # 2026-06-30: C1 enforceable (window over, no opposition).
    june = _compute(services, "enforcement_pipeline", date(2026, 6, 1), date(2026, 6, 30))
    assert _states(june) == {"issued": (1, 10_000), "enforceable": (1, 30_000), "opposed": (2, 60_000)}
    assert june.details == {"titles": 4, "amount": 100_000}
    # 2026-09-29: C4's first title annulled by the court, its second served on 09-14 (window to 09-29).
    sept_29 = _compute(services, "enforcement_pipeline", date(2026, 9, 1), date(2026, 9, 29))
    assert _states(sept_29) == {
        "issued": (1, 10_000),
        "served": (1, 40_000),
        "opposed": (1, 20_000),
        "enforceable": (1, 30_000),
        "annulled": (1, 40_000),
    }
    sept_30 = _compute(services, "enforcement_pipeline", date(2026, 9, 1), date(2026, 9, 30))
    assert _states(sept_30) == {
        "issued": (1, 10_000),
        "opposed": (1, 20_000),
        "enforceable": (2, 70_000),
        "annulled": (1, 40_000),
    }
    # Before any contrainte: an empty pipeline, every state listed at zero.
    may = _compute(services, "enforcement_pipeline", date(2026, 5, 1), date(2026, 5, 31))
    assert _states(may) == {} and len(may.value) == 8 and may.details == {"titles": 0, "amount": 0}
    # The same states as the enforcement service derives title by title.
    for on in (date(2026, 6, 25), date(2026, 6, 30), date(2026, 9, 29), date(2026, 9, 30)):
        by_hand: dict[str, int] = {}
        for claim in ("C1", "C2", "C3", "C4"):
            for view in enforcement.titles_of(services, "CAF-TEST", claim, on):
                by_hand[view.state.value] = by_hand.get(view.state.value, 0) + 1
        result = _compute(services, "enforcement_pipeline", date(2026, 1, 1), on)
        assert {state: count for state, (count, _) in _states(result).items()} == by_hand


def test_agency_league_by_hand_and_as_the_agencies_read_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'agencies.db'}"
    assert run_file(SCENARIOS / "agency_commission_rounding.yaml", db_url=url).code == 0
    services = open_services(url)
    february = _compute(services, "agency_league", date(2026, 2, 1), date(2026, 2, 28))
    rows = {row["agency"]: row for row in february.value}
    assert [row["agency"] for row in february.value] == ["A1", "A2"]  # best rate first
    # A1: C1 placed on 02-01 with 100.00 owed; 10.01 collected twice in February, 0.83 each.
    assert (rows["A1"]["files"], rows["A1"]["placed_balance"], rows["A1"]["collected"]) == (1, 10_000, 2_002)
    assert rows["A1"]["commission"] == 166 and rows["A1"]["recovery_rate"] == Decimal("20.02")
    # A2: C2 placed with 40.00 owed; 0.50 + 0.50 + 0.05 collected, commission 0.05 + 0.05 + 0.00.
    assert (rows["A2"]["files"], rows["A2"]["placed_balance"], rows["A2"]["collected"]) == (1, 4_000, 105)
    assert rows["A2"]["commission"] == 10 and rows["A2"]["recovery_rate"] == Decimal("2.63")  # 2.625 half up
    assert rows["A2"]["commission_rate"] == Decimal("9.52")  # 10 / 105
    assert february.details["collected"] == 2_107 and february.details["placed_balance"] == 14_000
    # The first quarter: the third A1 payment (03-10) counts; the direct transfer of 03-11 does not.
    quarter = _compute(services, "agency_league", date(2026, 1, 1), date(2026, 3, 31))
    a1 = next(row for row in quarter.value if row["agency"] == "A1")
    assert (a1["collected"], a1["commission"], a1["recovery_rate"]) == (3_003, 249, Decimal("30.03"))
    # The same figures as the agencies' league table (read claim by claim).
    league = {
        row.agency: row
        for row in agency_reports.league(services, "CAF-TEST", date(2026, 1, 1), date(2026, 3, 31))
    }
    for row in quarter.value:
        other = league[row["agency"]]
        assert (row["files"], row["placed_balance"], row["collected"], row["commission"]) == (
            other.files,
            other.placed_balance,
            other.collected,
            other.commission,
        )
        assert row["recovery_rate"] == other.recovery_rate
    # January: nothing placed yet, the rate is not computable (never a made-up 0 %).
    january = _compute(services, "agency_league", date(2026, 1, 1), date(2026, 1, 31))
    assert all(row["files"] == 0 and row["recovery_rate"] is None for row in january.value)


def test_phone_campaign_from_the_scenario_matches_the_campaign_kpis(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    assert run_file(SCENARIOS / "campaign_default_m1.yaml", db_url=url).code == 0
    services = open_services(url)
    february = _compute(services, "phone_campaign", date(2026, 2, 1), date(2026, 2, 28))
    [row] = february.value
    # D1 promised and paid on 02-18, D2 reached (refused), D3 wrong number: 2 of 3 reached,
    # 1 of 2 effective; no formal notice yet and no population a year earlier.
    assert (row["targets"], row["called"], row["reached"], row["effective"]) == (3, 3, 2, 1)
    assert (row["reached_rate"], row["effective_rate"]) == (Decimal("66.67"), Decimal("50.00"))
    assert (row["formal_notices"], row["previous_targets"], row["formal_notices_change"]) == (0, 0, None)
    assert february.details["seed_reached_rate"] == Decimal("60.00")
    assert february.details["seed_effective_rate"] == Decimal("73.00")
    assert february.details["seed_formal_notices_change"] == Decimal("-47.00")
    # Up to April: C2 and C3 received their formal notice on 04-02.
    spring = _compute(services, "phone_campaign", date(2026, 1, 1), date(2026, 4, 30))
    [row] = spring.value
    assert row["formal_notices"] == 2 and row["effective"] == 1
    ident = int(row["campaign"])
    kpis = campaigns.kpis(services, "CAF-TEST", ident, date(2026, 4, 30))
    assert (kpis.targets, kpis.called, kpis.reached, kpis.effective, kpis.formal_notices) == (
        row["targets"],
        row["called"],
        row["reached"],
        row["effective"],
        row["formal_notices"],
    )
    # A period the campaign does not meet: no line.
    assert _compute(services, "phone_campaign", date(2026, 5, 1), date(2026, 5, 31)).value == []


@pytest.fixture
def office(services: Services) -> Iterator[BackOffice]:
    yield from open_back_office(services)


def test_phone_campaign_formal_notices_against_the_year_before(office: BackOffice) -> None:
    services = office.services
    manager = accounts.actor_of(services, "manager")
    operator = accounts.actor_of(services, "phone_operator")
    # Last year at M+2: two debtors, two formal notices. This year: the same two, one notice.
    for claim in ("C1", "C3"):
        default_step(services, claim, date(2025, 3, 5), 2)
        formal_notice(services, claim, date(2025, 4, 20))
        default_step(services, claim, date(2026, 3, 5), 2)
    campaign = campaign_commands.create_campaign(
        services, manager, ORG, "default_m2", date(2026, 3, 1), date(2026, 3, 31)
    )
    _, lines, _ = campaign_commands.call_list(services, operator, ORG, campaign.id, date(2026, 3, 6))
    by_debtor = {line.debtor_ref: line for line in lines}
    campaign_commands.record_call(
        services,
        operator,
        ORG,
        campaign.id,
        by_debtor["D1"].id,
        "promise",
        date(2026, 3, 6),
        promise=campaign_commands.Promise(10_000, date(2026, 3, 20)),
    )
    campaign_commands.record_call(
        services, operator, ORG, campaign.id, by_debtor["D2"].id, "refused", date(2026, 3, 6)
    )
    accountant = accounts.actor_of(services, "accountant")
    door.record_payment(
        services, accountant, ORG, "C1", 10_000, date(2026, 3, 18), PaymentChannel.TRANSFER, key="virement-1"
    )
    formal_notice(services, "C3", date(2026, 4, 20))
    result = _compute(services, "phone_campaign", date(2026, 3, 1), date(2026, 4, 30))
    [row] = result.value
    assert (row["targets"], row["called"], row["reached"], row["effective"]) == (2, 2, 2, 1)
    assert (row["reached_rate"], row["effective_rate"]) == (Decimal("100.00"), Decimal("50.00"))
    # 1 notice per 2 lines against 2 per 2 a year earlier: −50 %.
    assert (row["formal_notices"], row["previous_targets"], row["previous_formal_notices"]) == (1, 2, 2)
    assert row["formal_notices_change"] == Decimal("-50.00")
    assert result.details["formal_notices_change"] == Decimal("-50.00")
    kpis = campaigns.kpis(services, ORG, campaign.id, date(2026, 4, 30))
    assert kpis.formal_notices_change == pytest.approx(-0.5) and kpis.effective == 1
    # Before the payment, the promise alone is not effective.
    early = _compute(services, "phone_campaign", date(2026, 3, 1), date(2026, 3, 17))
    assert early.value[0]["effective"] == 0


def test_cli_json_shows_the_procedures(titles_db: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "--db",
            titles_db,
            "indicators",
            "--organism",
            "CAF-TEST",
            "--from",
            "2026-06-01",
            "--to",
            "2026-06-30",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for name in ("enforcement_pipeline", "agency_league", "phone_campaign"):
        assert data[name]["available"] is True, data[name]
    lines = {line["state"]: line for line in data["enforcement_pipeline"]["value"]}
    assert lines["enforceable"]["titles"] == 1 and lines["enforceable"]["amount"] == "300.00"
    assert lines["opposed"]["titles"] == 2 and lines["opposed"]["amount"] == "600.00"
    assert data["enforcement_pipeline"]["titles"] == 4 and data["enforcement_pipeline"]["amount"] == "1000.00"
    assert data["agency_league"]["value"] == [] and data["phone_campaign"]["value"] == []
    table = CliRunner().invoke(
        app,
        [
            "--db",
            titles_db,
            "indicators",
            "--organism",
            "CAF-TEST",
            "--from",
            "2026-06-01",
            "--to",
            "2026-06-30",
        ],
    )
    assert table.exit_code == 0, table.output
    assert "exécutoire" in table.output
