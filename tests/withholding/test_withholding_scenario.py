"""The benefit_payment event and the withheld / net_paid checks in scenario files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from recouvre.scenario.context import Replay, Step
from recouvre.scenario.runner import FAILED, INVALID, PASSED, run_file
from recouvre.scenario.withholding import MAX_RUN_ID, run_id
from recouvre.service import Services

CASE = """\
scenario: "withheld and net_paid"
debtors:
  - {id: D1, kind: person, prp_quotient: "700.00"}
  - {id: D2, kind: person}
claims:
  - id: C1
    debtor: D1
    benefit: AF
    lines: [{paid_on: 2019-11-05, amount: "1000.00"}]
    notified_on: 2020-01-10
timeline:
  - {date: 2020-03-05, benefit_payment: {debtor: D1, regular: {AF: "500.00"}}}
expect:
  - date: 2020-03-05
    withheld: {C1: "WITHHELD"}
    net_paid: {D1: "301.40", D2: "0.00"}
  - date: 2020-03-06
    withheld: {C1: "0.00"}
    net_paid: {D1: "0.00"}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_withheld_and_net_paid_hold_and_fail(tmp_path: Path) -> None:
    assert run_file(write(tmp_path, CASE.replace("WITHHELD", "198.60"))).code == PASSED
    result = run_file(write(tmp_path, CASE.replace("WITHHELD", "198.00")))
    assert result.code == FAILED
    assert [failure.describe() for failure in result.failures] == [
        "expect[0] 2020-03-05 withheld.C1: expected 198.00, got 198.60"
    ]


def test_benefit_payment_format_errors_name_the_field(tmp_path: Path) -> None:
    text = CASE.replace("WITHHELD", "198.60").replace(
        '{debtor: D1, regular: {AF: "500.00"}}', '{debtor: D9, regular: {XX: "1.00"}, arrears: {AF: "1.234"}}'
    )
    result = run_file(write(tmp_path, text))
    assert result.code == INVALID
    paths = [error.path for error in result.format_errors]
    assert paths == ["timeline[0].benefit_payment.regular.XX.[key]", "timeline[0].benefit_payment.arrears.AF"]
    text = CASE.replace("WITHHELD", "198.60").replace("{debtor: D1, regular", "{debtor: D9, regular")
    result = run_file(write(tmp_path, text))
    assert [error.describe() for error in result.format_errors] == [
        "timeline[0].benefit_payment.debtor: no debtor 'D9' in debtors"
    ]


def test_run_ids_stay_short(services: Services) -> None:
    long_name = "withholding_" + "x" * 80 + ".yaml"
    replay = Replay(services, "CAF-TEST", long_name)
    found = run_id(replay, Step(index=12, on=date(2020, 3, 5), key="benefit_payment", value=None))
    assert len(found) <= MAX_RUN_ID and found.startswith("scn:withholding_")
    assert found == run_id(replay, Step(index=12, on=date(2020, 3, 5), key="benefit_payment", value=None))
    assert found != run_id(replay, Step(index=13, on=date(2020, 3, 5), key="benefit_payment", value=None))
    short = Replay(services, "CAF-TEST", "w.yaml")
    assert run_id(short, Step(index=0, on=date(2020, 3, 5), key="benefit_payment", value=None)) == (
        "scn:w.yaml:timeline[0]"
    )
