"""Policy what-if: the same portfolio, the same debtors' behaviour, two sets of policy overrides.

``compare`` copies the organism's SQLite database twice (SQLite's online backup: a consistent
copy even while the base is in use), opens each copy with one set of overrides (the keys of the
policy files, as a scenario's ``policy:`` block), and replays ``months`` months of activity on
each with ``service.simulation.simulate(per_claim=True)``: every claim's behaviour is drawn from
a generator seeded by (seed, month, claim), so both runs see the same debtors do the same things
whenever the policy leaves them in the same situation. The database itself is never changed.

Figures of each run, over the simulated months:

* recovered (withholding + payment − reversals and refunds) and the financial recovery rate, as
  ``recovery_rate`` (SCENARIOS.md);
* the debtors' burden: Σ withheld ÷ Σ (RMP × months) for the debtors receiving benefits, by decile
  of their RMP (the weighted monthly resources, ``prp_quotient``) at the end of the period;
* remissions granted (amount and count), write-offs;
* workload: letters by type, phone-call tasks, all tasks created;
* amounts time-barred: the balance, at the end, of the claims that became prescribed during the
  simulated months.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import aliased

from recouvre.domain import indicators as rules
from recouvre.domain.defaults import add_months
from recouvre.domain.errors import DomainError
from recouvre.domain.money import Cents
from recouvre.service import indicators, prescription
from recouvre.service.context import Services
from recouvre.service.simulation import MonthActivity, monthly_activity, simulate
from recouvre.storage.database import Database
from recouvre.storage.tables import ClaimRow, DebtorQuotientRow, DebtorRow, MovementRow, TaskRow

DECILES = 10


@dataclass(frozen=True)
class PolicySet:
    """A named set of policy overrides (``{name?, policy: {KEY: value}}`` or a plain mapping)."""

    name: str
    values: Mapping[str, Any]
    source: str = ""


def read_policy_set(path: Path) -> PolicySet:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DomainError("policy_set", str(path), f"fichier illisible : {error}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise DomainError("policy_set", str(path), "un jeu de paramètres est un dictionnaire CLÉ: valeur")
    if "policy" in raw:
        values = raw.get("policy") or {}
        name = str(raw.get("name") or path.stem)
    else:
        values, name = raw, path.stem
    if not isinstance(values, Mapping):
        raise DomainError("policy_set", str(path), "« policy » est un dictionnaire CLÉ: valeur")
    return PolicySet(name, dict(values), str(path))


@dataclass(frozen=True)
class DecileBurden:
    decile: int
    debtors: int
    rmp_from: Cents
    rmp_to: Cents
    withheld: Cents
    resources: Cents
    """Σ RMP × months of the debtors of the decile."""

    @property
    def burden(self) -> Decimal | None:
        return rules.percent(self.withheld, self.resources)


@dataclass
class RunResult:
    name: str
    values: Mapping[str, Any]
    months: list[MonthActivity]
    recovered: Cents = 0
    stock: Cents = 0
    new: Cents = 0
    withheld: Cents = 0
    remitted: Cents = 0
    remissions: int = 0
    written_off: Cents = 0
    letters: Counter[str] = field(default_factory=Counter)
    phone_calls: int = 0
    tasks: int = 0
    time_barred: Cents = 0
    time_barred_claims: int = 0
    burden: list[DecileBurden] = field(default_factory=list)
    recovered_by_month: list[Cents] = field(default_factory=list)

    @property
    def recovery_rate(self) -> Decimal | None:
        return rules.percent(self.recovered, self.stock + self.new)


@dataclass(frozen=True)
class Comparison:
    organism: str
    start: date
    end: date
    months: int
    seed: int
    base: RunResult
    candidate: RunResult


def sqlite_path(services: Services) -> Path:
    url = make_url(services.db.url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        raise DomainError(
            "db",
            url.render_as_string(hide_password=True),
            "la comparaison rejoue une copie d'une base SQLite",
        )
    return Path(url.database)


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


def _figures(
    services: Services, organism: str, start: date, end: date, months: int, result: RunResult
) -> None:
    with services.db.unit_of_work() as session:
        organism_id, known = services.organism(session, organism)
        policy = services.policy(known)
        inputs = indicators.recovery_inputs(session, organism_id, start, end)
        moved = indicators.flows(session, start, end, [organism_id]).get(organism_id, indicators.Flows())
        result.recovered, result.stock, result.new = inputs.recovered, inputs.stock, inputs.new
        result.withheld, result.remitted = moved.withheld, moved.remitted
        result.recovered_by_month = [
            indicators.flows(session, first, add_months(first, 1) - timedelta(days=1), [organism_id])
            .get(organism_id, indicators.Flows())
            .recovered
            for first in (add_months(start, index) for index in range(months))
        ]
        counted = dict(
            session.execute(
                select(MovementRow.kind, func.count())
                .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
                .where(
                    ClaimRow.organism_id == organism_id,
                    MovementRow.booked_on.between(start, end),
                    MovementRow.kind.in_(["remission", "write_off"]),
                )
                .group_by(MovementRow.kind)
            ).all()
        )
        result.remissions = int(counted.get("remission", 0))
        result.written_off = int(
            session.scalar(
                select(func.coalesce(func.sum(MovementRow.amount_cents), 0))
                .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
                .where(
                    ClaimRow.organism_id == organism_id,
                    MovementRow.booked_on.between(start, end),
                    MovementRow.kind == "write_off",
                )
            )
            or 0
        )
        tasks = dict(
            session.execute(
                select(TaskRow.type, func.count())
                .where(
                    TaskRow.organism_id == organism_id,
                    TaskRow.created_on.between(start, end + timedelta(days=1)),
                )
                .group_by(TaskRow.type)
            ).all()
        )
        result.phone_calls = int(tasks.get("phone_call", 0))
        result.tasks = int(sum(tasks.values()))
        for month in result.months:
            result.letters.update(month.letters)
        claim_ids = list(
            session.scalars(
                select(ClaimRow.id).where(ClaimRow.organism_id == organism_id, ClaimRow.established_on <= end)
            )
        )
        before = prescription.prescribed_claims(session, claim_ids, start - timedelta(days=1), policy)
        after = prescription.prescribed_claims(session, claim_ids, end, policy) - before
        if after:
            balances = (
                select(MovementRow.claim_id, func.sum(MovementRow.signed_cents))
                .where(MovementRow.claim_id.in_(sorted(after)), MovementRow.booked_on <= end)
                .group_by(MovementRow.claim_id)
            )
            result.time_barred = sum(max(int(total), 0) for _, total in session.execute(balances))
        result.time_barred_claims = len(after)
        result.burden = _burden(session, organism_id, start, end, months)


def _burden(session: Any, organism_id: int, start: date, end: date, months: int) -> list[DecileBurden]:
    latest = (
        select(DebtorQuotientRow.debtor_id, func.max(DebtorQuotientRow.valid_from).label("valid_from"))
        .where(DebtorQuotientRow.valid_from <= end)
        .group_by(DebtorQuotientRow.debtor_id)
        .subquery()
    )
    rmp = dict(
        session.execute(
            select(DebtorRow.id, DebtorQuotientRow.value_cents)
            .join(latest, latest.c.debtor_id == DebtorRow.id)
            .join(
                DebtorQuotientRow,
                and_(
                    DebtorQuotientRow.debtor_id == DebtorRow.id,
                    DebtorQuotientRow.valid_from == latest.c.valid_from,
                ),
            )
            .where(DebtorRow.organism_id == organism_id, DebtorRow.receives_benefits.is_(True))
        ).all()
    )
    target = aliased(MovementRow)
    withheld = dict(
        session.execute(
            select(
                ClaimRow.debtor_id,
                func.sum(
                    case(
                        (MovementRow.kind == "withholding", MovementRow.amount_cents),
                        (
                            and_(MovementRow.kind == "reversal", target.kind == "withholding"),
                            -MovementRow.amount_cents,
                        ),
                        else_=0,
                    )
                ),
            )
            .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
            .outerjoin(target, target.key == MovementRow.reverses_key)
            .where(
                ClaimRow.organism_id == organism_id,
                MovementRow.booked_on.between(start, end),
                MovementRow.kind.in_(["withholding", "reversal"]),
            )
            .group_by(ClaimRow.debtor_id)
        ).all()
    )
    ordered = sorted(rmp.items(), key=lambda item: (item[1], item[0]))
    found: list[DecileBurden] = []
    for decile in range(DECILES):
        part = ordered[len(ordered) * decile // DECILES : len(ordered) * (decile + 1) // DECILES]
        if not part:
            continue
        found.append(
            DecileBurden(
                decile + 1,
                len(part),
                int(part[0][1]),
                int(part[-1][1]),
                sum(int(withheld.get(debtor, 0) or 0) for debtor, _ in part),
                sum(int(value) * months for _, value in part),
            )
        )
    return found


def _run(
    source: Path,
    folder: Path,
    base_services: Services,
    organism: str,
    start: date,
    months: int,
    seed: int,
    policy_set: PolicySet,
) -> RunResult:
    copy = folder / f"{policy_set.name or 'jeu'}-{abs(hash(policy_set.source)) % 10**6}.db"
    _copy(source, copy)
    database = Database(f"sqlite:///{copy}")
    try:
        services = Services(
            database, policy_dir=base_services.policy_dir, policy_values=dict(policy_set.values) or None
        )
        with services.db.unit_of_work() as session:
            _, known = services.organism(session, organism)
        services.policy(known)  # an unknown key or a bad value is refused before any work
        simulate(services, organism, start, months, seed, per_claim=True)
        with services.db.unit_of_work() as session:
            organism_id, _ = services.organism(session, organism)
        result = RunResult(
            policy_set.name, policy_set.values, monthly_activity(services, organism_id, start, months)
        )
        end = add_months(start, months) - timedelta(days=1)
        _figures(services, organism, start, end, months, result)
        return result
    finally:
        database.dispose()


def compare(
    services: Services,
    organism: str,
    start: date,
    months: int,
    seed: int,
    base: PolicySet,
    candidate: PolicySet,
    *,
    workdir: Path | None = None,
) -> Comparison:
    """Replays ``months`` months from ``start`` (a first day of month) under both policy sets."""
    if start.day != 1:
        raise DomainError("start", start.isoformat(), "une simulation commence le premier jour d'un mois")
    source = sqlite_path(services)
    with tempfile.TemporaryDirectory(prefix="recouvre-whatif-", dir=workdir) as folder:
        runs = [
            _run(source, Path(folder), services, organism, start, months, seed, item)
            for item in (base, candidate)
        ]
    end = add_months(start, months) - timedelta(days=1)
    return Comparison(organism, start, end, months, seed, runs[0], runs[1])
