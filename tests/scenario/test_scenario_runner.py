"""The runner: format errors exit 2 naming the path, failed expectations exit 1 naming what differs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recouvre.cli import app
from recouvre.scenario import FAILED, INVALID, PASSED, exit_code, run_file, run_files
from recouvre.scenario.checks import CHECKS
from recouvre.scenario.context import Replay
from recouvre.scenario.events import EVENTS
from recouvre.scenario.runner import ScenarioResult, replay
from recouvre.scenario.schema import parse
from recouvre.service import Services
from recouvre.service.claims import view_claim
from recouvre.storage.database import Database

Write = Callable[..., Path]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["scenario", "run", *args])
    return result.exit_code, result.output


def errors_of(path: Path) -> list[str]:
    return [error.describe() for error in run_file(path).format_errors]


def test_valid_scenario_passes(write: Write, valid: str) -> None:
    result = run_file(write(valid))
    assert result.code == PASSED
    assert result.checked == 1


def test_unknown_event_exits_2_naming_the_path(write: Write, valid: str) -> None:
    text = valid.replace("payment: {claim", "paiement: {claim")
    code, output = invoke(str(write(text)))
    assert code == 2
    assert "case.yaml: timeline[0].paiement: unknown event" in output
    assert "1 scenario: 0 passed, 0 failed, 1 invalid" in output


def test_event_not_supported_yet_exits_2(write: Write, valid: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every event of SCENARIOS.md is supported now: take one out to check that a version of
    # the runner without it refuses the file instead of passing it silently.
    monkeypatch.delitem(EVENTS, "appeal")
    text = valid.replace(
        "timeline:\n", "timeline:\n  - {date: 2026-02-20, appeal: {claim: C1, action: filed}}\n"
    )
    path = write(text)
    assert errors_of(path) == ["timeline[0].appeal: event not supported yet"]
    code, output = invoke(str(path))
    assert code == 2
    assert f"{path}: timeline[0].appeal: event not supported yet" in output


@pytest.mark.parametrize(
    "event",
    [
        "benefit_payment: {debtor: D1, regular: {AL: '300.00'}}",
        "plan: {claim: C1, monthly: '20.00', first_due: 2026-03-05}",
        "cycle: 2026-03",
        "registered_letter: {claim: C1, outcome: delivered}",
        "acknowledgment: {claim: C1}",
        "remission_request: {claim: C1, by: debtor}",
        "remission_decision: {claim: C1, rate: 50}",
        "over_indebtedness: {debtor: D1, step: admissible}",
        "write_off: {claim: C1}",
        "contribution_due: {claim: C1, due_on: 2026-03-01}",
    ],
)
def test_every_event_is_supported_or_refused_as_not_yet(write: Write, valid: str, event: str) -> None:
    key = event.split(":", 1)[0]
    text = valid.replace("timeline:\n", f"timeline:\n  - {{date: 2026-02-20, {event}}}\n")
    expected = [] if key in EVENTS else [f"timeline[0].{key}: event not supported yet"]
    assert errors_of(write(text)) == expected


@pytest.mark.parametrize(
    "check",
    [
        "withheld: {C1: '10.00'}",
        "net_paid: {D1: '10.00'}",
        "phase: {C1: amicable}",
        "prescription_date: {C1: 2028-01-05}",
        "letters: [{claim: C1, type: notification}]",
        "no_letters: true",
        "tasks: [{claim: C1, type: phone_call}]",
        "remission: {C1: {route: services, proposed_rate: 50, status: pending}}",
    ],
)
def test_every_check_is_supported_or_refused_as_not_yet(write: Write, valid: str, check: str) -> None:
    key = check.split(":", 1)[0]
    text = valid + f"  - {{date: 2026-03-01, {check}}}\n"
    path = write(text)
    if key in CHECKS:
        assert errors_of(path) == []
    else:
        assert errors_of(path) == [f"expect[1].{key}: check not supported yet"]
        assert run_file(path).code == INVALID


def test_a_check_not_supported_yet_exits_2_through_the_cli(
    write: Write, valid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(CHECKS, "remission")
    sample = "{C1: {route: services, proposed_rate: 50, status: pending}}"
    code, output = invoke(str(write(valid + f"  - {{date: 2026-03-01, remission: {sample}}}\n")))
    assert code == 2
    assert "expect[1].remission: check not supported yet" in output


def test_unknown_check_and_unknown_key_exit_2(write: Write, valid: str) -> None:
    text = valid.replace("    status: {C1: open}\n", "    solde: {C1: open}\n").replace(
        "    notified_on:", "    colour: blue\n    notified_on:"
    )
    errors = errors_of(write(text))
    assert "claims[0].colour: unknown key" in errors
    assert any(error.startswith("expect[0].solde: unknown check") for error in errors)


def test_wrong_expectation_exits_1_naming_file_index_date_key_values(write: Write, valid: str) -> None:
    text = valid + '  - date: 2026-02-15\n    balance: {C1: "120.00"}\n    status: {C1: settled}\n'
    path = write(text)
    code, output = invoke(str(path))
    assert code == 1
    assert f"{path}: expect[1] 2026-02-15 status.C1: expected settled, got open" in output
    assert "balance.C1" not in output  # the balance holds: only what differs is printed
    assert "1 scenario: 0 passed, 1 failed" in output


def test_wrong_amount_printed_with_two_decimals(write: Write, valid: str) -> None:
    path = write(valid.replace('balance: {C1: "100.00"}', "balance: {C1: 100.5}"))
    result = run_file(path)
    assert result.code == FAILED
    assert [failure.describe() for failure in result.failures] == [
        "expect[0] 2026-03-01 balance.C1: expected 100.50, got 100.00"
    ]


def test_claim_not_yet_established_is_a_failure(write: Write, valid: str) -> None:
    path = write(valid + '  - {date: 2026-01-31, balance: {C1: "0.00"}}\n')
    result = run_file(path)
    assert [failure.describe() for failure in result.failures] == [
        "expect[1] 2026-01-31 balance.C1: expected 0.00, got not established"
    ]


def test_invalid_nir_exits_2(write: Write, valid: str) -> None:
    path = write(valid.replace("285077512345655", "285077512345699"))
    errors = errors_of(path)
    assert len(errors) == 1
    assert errors[0].startswith("debtors[0].nir: NIR invalide")
    assert "285077512345699" not in errors[0]  # personal data is not echoed
    assert invoke(str(path))[0] == 2


def test_invalid_siren_exits_2(write: Write, valid: str) -> None:
    text = valid.replace(
        '{id: D1, kind: person, nir: "285077512345655"}', '{id: D1, kind: legal, siren: "732829321"}'
    )
    errors = errors_of(write(text))
    assert len(errors) == 1
    assert errors[0].startswith("debtors[0].siren: SIREN invalide")


def test_amount_with_three_decimals_exits_2(write: Write, valid: str) -> None:
    path = write(valid.replace('amount: "20.00"', 'amount: "12.345"'))
    assert errors_of(path) == ["timeline[0].payment.amount: '12.345' a plus de deux décimales"]
    code, output = invoke(str(path))
    assert code == 2
    assert f"{path}: timeline[0].payment.amount: '12.345' a plus de deux décimales" in output


def test_unquoted_amount_with_three_decimals_exits_2(write: Write, valid: str) -> None:
    path = write(valid.replace('amount: "120.00"', "amount: 120.125"))
    assert errors_of(path) == ["claims[0].lines[0].amount: 120.125 a plus de deux décimales"]


def test_references_must_name_defined_ids(write: Write, valid: str) -> None:
    text = valid.replace("debtor: D1", "debtor: D2").replace("payment: {claim: C1", "payment: {claim: C2")
    errors = errors_of(write(text))
    assert "claims[0].debtor: no debtor 'D2' in debtors" in errors
    assert "timeline[0].payment.claim: no claim 'C2' in claims" in errors
    assert "expect[0].balance.C1" not in " ".join(errors)


def test_duplicate_ids_exit_2(write: Write, valid: str) -> None:
    text = valid.replace(
        '  - {id: D1, kind: person, nir: "285077512345655"}\n',
        '  - {id: D1, kind: person, nir: "285077512345655"}\n  - {id: D1, kind: person}\n',
    )
    assert errors_of(write(text)) == ["debtors[1].id: 'D1' is already defined by debtors[0]"]


def test_dates_may_be_quoted_and_bad_dates_name_the_path(write: Write, valid: str) -> None:
    assert run_file(write(valid.replace("2026-02-02", '"2026-02-02"'))).code == PASSED
    errors = errors_of(write(valid.replace("2026-02-02", '"02/02/2026"'), "bad_date.yaml"))
    assert errors == ["claims[0].notified_on: '02/02/2026' is not a date YYYY-MM-DD"]


def test_bare_on_key_gets_a_hint(write: Write, valid: str) -> None:
    errors = errors_of(write(valid.replace("{date: 2026-03-01, payment", "{on: 2026-03-01, payment")))
    assert any("write 'date', not 'on'" in error for error in errors)


def test_prp_quotient_plain_or_dated(write: Write, valid: str) -> None:
    plain = valid.replace('nir: "285077512345655"}', 'prp_quotient: "700.00"}')
    assert run_file(write(plain)).code == PASSED
    dated = valid.replace(
        'nir: "285077512345655"}',
        "prp_quotient: [{from: 2025-01-01, value: '700.00'}, {from: 2026-01-01, value: 735}]}",
    )
    assert run_file(write(dated, "dated.yaml")).code == PASSED
    bad = valid.replace('nir: "285077512345655"}', "prp_quotient: [{from: 2025-01-01, value: '7.001'}]}")
    assert errors_of(write(bad, "bad.yaml")) == [
        "debtors[0].prp_quotient[0].value: '7.001' a plus de deux décimales"
    ]


def test_policy_block_is_checked(write: Write, valid: str) -> None:
    text = valid.replace("debtors:", "policy:\n  recovery.min_amounts: {RSA: '50.00'}\ndebtors:")
    errors = errors_of(write(text))
    assert len(errors) == 1
    assert errors[0].startswith("policy.recovery.min_amounts:")
    assert "unknown parameter" in errors[0]


def test_yaml_errors_and_duplicate_keys_exit_2(write: Write, valid: str) -> None:
    assert errors_of(write("scenario: [x\n"))[0].startswith("not valid YAML")
    duplicated = valid.replace("    status: {C1: open}\n", "    status: {C1: open}\n    status: {C1: open}\n")
    assert "appears twice" in errors_of(write(duplicated, "dup.yaml"))[0]


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, output = invoke(str(tmp_path / "absent.yaml"))
    assert code == 2
    assert "absent.yaml: cannot read the file" in output


def test_several_files_worst_code_and_count(write: Write, valid: str) -> None:
    good = write(valid, "good.yaml")
    failed = write(valid.replace('{C1: "100.00"}', '{C1: "99.00"}'), "failed.yaml")
    invalid = write(valid.replace('"20.00"', '"2.001"'), "invalid.yaml")
    results = run_files([good, failed, invalid])
    assert [result.code for result in results] == [PASSED, FAILED, INVALID]
    assert exit_code(results) == INVALID
    code, output = invoke(str(good), str(failed))
    assert code == 1
    assert output.strip().splitlines()[-1] == "2 scenarios: 1 passed, 1 failed"


def test_refused_payment_before_establishment_changes_nothing(write: Write, valid: str) -> None:
    text = valid.replace(
        "timeline:\n", "timeline:\n  - {date: 2026-01-20, payment: {claim: C1, amount: '50.00'}}\n"
    )
    text += "  - {date: 2026-01-20, refused: [payment]}\n"
    text += "  - {date: 2026-02-02, movements: {C1: [{kind: established, amount: '120.00'}]}}\n"
    result = run_file(write(text))
    assert result.code == PASSED, [failure.describe() for failure in result.failures]
    wrong = text.replace("refused: [payment]", "refused: []")
    failures = run_file(write(wrong, "wrong.yaml")).failures
    assert [failure.describe() for failure in failures] == [
        "expect[1] 2026-01-20 refused: expected [], got [payment]"
    ]


def test_replaying_on_the_same_database_books_nothing_new(tmp_path: Path, valid: str) -> None:
    scenario = parse(valid)
    database = Database(f"sqlite:///{tmp_path / 'same.db'}")
    try:
        services = Services(database)
        established = {claim.ref: claim.established_on for claim in scenario.claims}
        for _ in range(2):
            result = ScenarioResult(file="same.yaml")
            replay(scenario, Replay(services, scenario.organism.code, "same.yaml", dict(established)), result)
            assert result.code == PASSED
        view = view_claim(services, scenario.organism.code, "C1", scenario.last_date())
        assert [movement.kind.value for movement in view.movements] == ["established", "payment"]
    finally:
        database.dispose()


def test_sqlite_db_must_not_exist(tmp_path: Path, write: Write, valid: str) -> None:
    path = write(valid)
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    assert invoke(str(path), "--db", url)[0] == 0
    assert (tmp_path / "kept.db").exists()
    code, output = invoke(str(path), "--db", url)
    assert code == 2
    assert "exists; a scenario runs on a fresh database" in output
