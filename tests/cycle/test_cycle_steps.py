"""The monthly cycle as a list of named steps from the policy, its delays as dated parameters,
and the ledger's invariants on the movements it books."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from recouvre.domain.cycle import ClaimFacts, CycleRows, CycleRules, CycleRun
from recouvre.domain.ledger import PostingsRefused
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    Responsibility,
    UndueLine,
)
from recouvre.domain.withholding import BenefitPayment
from recouvre.policy import PolicyError
from recouvre.service import Services, cycle
from recouvre.service.claims import establish_claims
from recouvre.service.cycle import run_cycle
from recouvre.service.registry import register_debtors
from recouvre.service.withholding import apply_benefit_payments
from recouvre.storage import repository
from recouvre.storage.tables import CycleShardRow, MovementRow

ORGANISM = "CAF-TEST"

NOTIFIED = date(2020, 1, 10)  # due in full on 30 January (20 days' start delay)
ON = date(2020, 3, 1)  # k = 2: reminder_2 and a phone_call task


def add_debtor(services: Services, ref: str, quotient: int | None = None) -> None:
    quotients = () if quotient is None else (DatedValue(date(2019, 1, 1), quotient),)
    register_debtors(
        services,
        ORGANISM,
        [Debtor(ref=ref, organism=ORGANISM, kind=DebtorKind.PERSON, prp_quotients=quotients)],
    )


def add_claim(services: Services, ref: str, debtor: str, amount: int, notified_on: date) -> None:
    claim = Claim(
        ref=ref,
        organism=ORGANISM,
        debtor_ref=debtor,
        benefit=Benefit.AF,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2019, 11, 5), amount),),
        established_on=notified_on,
        notified_on=notified_on,
        detected_on=notified_on,
    )
    establish_claims(services, ORGANISM, [claim])


def _with(
    services: Services, values: Mapping[str, Any] | None = None, policy_dir: Path | None = None
) -> Services:
    return replace(services, policy_values=values, policy_dir=policy_dir, _policies={})


def _portfolio(services: Services) -> None:
    add_debtor(services, "D1")
    add_claim(services, "C1", "D1", 100_000, NOTIFIED)


def _letters_and_tasks(services: Services, on: date) -> tuple[list[str], list[tuple[str, date | None]]]:
    with services.db.unit_of_work() as session:
        organism_id = repository.organism_id(session, ORGANISM)
        assert organism_id is not None
        letters = [row.type for row, _, _ in repository.letters_on(session, organism_id, on)]
        tasks = [(row.type, row.due_on) for row, _ in repository.tasks_on(session, organism_id, on)]
    return letters, tasks


def test_the_national_steps_send_the_reminder_and_the_task_due_ten_days_later(services: Services) -> None:
    _portfolio(services)
    summary = run_cycle(services, ORGANISM, "2020-03", ON)
    assert summary.in_default == 1
    assert _letters_and_tasks(services, ON) == (["reminder_2"], [("phone_call", ON + timedelta(days=10))])


def test_the_task_delay_is_a_dated_parameter(services: Services) -> None:
    _portfolio(services)
    shorter = _with(services, {"default.task_due_days": [{"from": "2020-01-01", "value": 5}]})
    run_cycle(shorter, ORGANISM, "2020-03", ON)
    assert _letters_and_tasks(services, ON)[1] == [("phone_call", ON + timedelta(days=5))]


@pytest.mark.parametrize(("days", "in_default"), [(31, 0), (20, 1)])
def test_the_recent_withholding_window_is_a_parameter(services: Services, days: int, in_default: int) -> None:
    add_debtor(services, "D1", 70_000)
    add_claim(services, "C1", "D1", 100_000, NOTIFIED)
    apply_benefit_payments(services, ORGANISM, [BenefitPayment("D1", date(2020, 2, 5), {"AF": 50_000})], "R1")
    summary = run_cycle(_with(services, {"default.recent_withholding_days": days}), ORGANISM, "2020-03", ON)
    assert summary.in_default == in_default  # withheld 25 days before the cycle


def test_an_organism_may_drop_the_default_step(services: Services, tmp_path: Path) -> None:
    _portfolio(services)
    (tmp_path / f"{ORGANISM}.yaml").write_text(
        f"organism: {ORGANISM}\ncountry: FR\nparameters:\n  cycle.steps: [surcharges, promises]\n",
        encoding="utf-8",
    )
    summary = run_cycle(_with(services, policy_dir=tmp_path), ORGANISM, "2020-03", ON)
    assert summary.claims == 1 and summary.in_default == 0
    assert _letters_and_tasks(services, ON) == ([], [])


def test_an_unknown_step_is_refused_naming_the_file_key_and_value(services: Services, tmp_path: Path) -> None:
    _portfolio(services)
    path = tmp_path / f"{ORGANISM}.yaml"
    path.write_text(
        f"organism: {ORGANISM}\ncountry: FR\nparameters:\n  cycle.steps: [surcharges, penalties, defaults]\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        run_cycle(_with(services, policy_dir=tmp_path), ORGANISM, "2020-03", ON)
    message = str(caught.value)
    assert str(path) in message and "cycle.steps[1]" in message and "'penalties'" in message


def test_promises_must_come_before_defaults(services: Services) -> None:
    _portfolio(services)
    with pytest.raises(PolicyError) as caught:
        run_cycle(_with(services, {"cycle.steps": ["defaults", "promises"]}), ORGANISM, "2020-03", ON)
    message = str(caught.value)
    assert "cycle.steps" in message and "promises must come before step defaults" in message


def _movements(services: Services) -> int:
    with services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(MovementRow)) or 0


def _shards(services: Services) -> int:
    with services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(CycleShardRow)) or 0


def _overdraw(claims: Mapping[int, ClaimFacts], rules: CycleRules, run: CycleRun) -> CycleRows:
    """A step gone wrong: it withholds more than each claim's balance."""
    rows = CycleRows()
    for claim in claims.values():
        rows.postings.append(
            (claim.id, f"{run.organism}:{claim.ref}:bad", "withholding", claim.total + 1, "")
        )
    return rows


def _same_key(claims: Mapping[int, ClaimFacts], rules: CycleRules, run: CycleRun) -> CycleRows:
    """A step gone wrong: the same surcharge key twice."""
    rows = CycleRows()
    for claim in claims.values():
        rows.postings.extend([(claim.id, f"{run.organism}:{claim.ref}:dup", "surcharge", 100, "")] * 2)
    return rows


@pytest.mark.parametrize(
    ("step", "field", "reason"),
    [
        (_overdraw, "movement.amount", "withholding dépasse le solde de 100000 centimes"),
        (_same_key, "movement.key", "déjà enregistré (clé d'idempotence utilisée deux fois)"),
    ],
)
def test_a_movement_the_ledger_refuses_fails_the_shard_and_writes_nothing(
    services: Services, monkeypatch: pytest.MonkeyPatch, step: Any, field: str, reason: str
) -> None:
    _portfolio(services)
    before = _movements(services)
    monkeypatch.setattr(cycle, "steps_named", lambda names: (step,))
    with pytest.raises(PostingsRefused) as caught:
        run_cycle(services, ORGANISM, "2020-03", ON)
    [problem] = caught.value.problems
    assert (problem.field, problem.reason) == (field, reason)
    assert "cycle 2020-03 of CAF-TEST" in str(caught.value)
    assert _movements(services) == before and _shards(services) == 0
    assert _letters_and_tasks(services, ON) == ([], [])
