"""`recouvre prescription watch|show` through the CLI runner, on the test's private database."""

from __future__ import annotations

from datetime import date

from recouvre.cli.prescription import app
from recouvre.service import Services
from recouvre.service.interruptions import registered_letter

from .conftest import ORGANISM, Invoke, add_claim, add_debtor, flat


def setup(services: Services) -> None:
    add_debtor(services, "D1", name="Martin")
    add_claim(
        services, "C1", "D1", [(date(2023, 12, 5), 10_000), (date(2024, 3, 20), 20_000)], date(2024, 4, 1)
    )
    add_claim(services, "C2", "D1", [(date(2024, 6, 5), 30_000)], date(2024, 7, 1))


def test_watch_prints_the_claims_and_the_tasks_queued(services: Services, invoke: Invoke) -> None:
    setup(services)
    result = invoke(app, ["watch", "--date", "2026-01-10", "--horizon", "90"])
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "C1" in out and "D1 Martin" in out and "2026-03-20" in out and "69" in out
    assert "300,00 €" in out and "100,00 €" in out
    assert "C2" not in out
    assert "1 créance(s) ; 1 tâche(s) prescription_review créée(s)." in out
    again = invoke(app, ["watch", "--date", "2026-01-10", "--organism", ORGANISM])
    assert "1 créance(s) ; 0 tâche(s)" in flat(again.output)


def test_watch_requires_a_valid_date(services: Services, invoke: Invoke) -> None:
    setup(services)
    missing = invoke(app, ["watch"])
    assert missing.exit_code == 2
    wrong = invoke(app, ["watch", "--date", "2026-13-01"])
    assert wrong.exit_code == 1 and "une date AAAA-MM-JJ" in wrong.stderr
    unknown = invoke(app, ["watch", "--date", "2026-01-10", "--organism", "CAF-NONE"])
    assert unknown.exit_code == 1 and "CAF-NONE" in unknown.stderr


def test_show_prints_the_bar_dates_and_the_interruptions(services: Services, invoke: Invoke) -> None:
    setup(services)
    registered_letter(services, ORGANISM, "C1", date(2026, 1, 15), "delivered")
    result = invoke(app, ["show", "C1", "--date", "2026-02-01"])
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "non prescrite" in out and "date de prescription 2028-01-15" in out
    assert "dont prescrit 100,00 €" in out
    assert "2025-12-05 ✓" in out  # line 1, time-barred before the letter
    assert "2028-01-15" in out and "LRAR" in out and "delivered" in out
    assert "ligne 2 : 2026-03-20 → 2028-01-15" in out and "déjà prescrite(s) : 1" in out


def test_show_without_interruption_and_errors(services: Services, invoke: Invoke) -> None:
    setup(services)
    result = invoke(app, ["show", "C2", "--date", "2026-06-05", "--organism", ORGANISM])
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "C2 (CAF-TEST) au 2026-06-05 : prescrite" in out and "Aucune interruption." in out
    unknown = invoke(app, ["show", "NOPE", "--date", "2026-06-05"])
    assert unknown.exit_code == 1 and "NOPE" in unknown.stderr
    early = invoke(app, ["show", "C2", "--date", "2024-06-30"])
    assert early.exit_code == 1 and "pas encore constatée" in early.stderr
