"""Steering indicators computed set-based: a registry, one entry per indicator.

Each entry of ``REGISTRY`` names an indicator of ``recouvre.domain.indicators.DEFINITIONS`` (its
French label and definition live there) and a computation ``(session, Period) -> Result``. The
computations are a few grouped SQL statements over the whole organism (SQLAlchemy Core, the same
on SQLite and PostgreSQL), never a loop over claims in Python; the arithmetic (rates, rounding,
bands) is the domain's.

Entries marked ``# WIRE(<helper>)`` belong to procedures whose tables are built elsewhere
(enforcement titles, agencies, phone campaigns): until they are wired they answer
``available=False`` with the reason, never a made-up number.

To add an indicator: its definition in ``domain.indicators.DEFINITIONS``, its computation here,
one line in ``REGISTRY``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from recouvre.domain import indicators as rules
from recouvre.domain.days import check_day
from recouvre.domain.errors import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.policy import Policy
from recouvre.service import prescription
from recouvre.service.context import Services
from recouvre.storage.tables import ClaimEventRow, ClaimLineRow, ClaimRow, MovementRow, OrganismRow, TaskRow

NOT_AVAILABLE = "non disponible"


@dataclass(frozen=True)
class Period:
    """One organism and the days ``start`` to ``end`` included."""

    organism_id: int
    organism: str
    start: date
    end: date
    policy: Policy | None = None
    network: bool = True
    """Whether the reader may see the other organisms by name (a network user, an operator);
    a local reader sees the network's dispersion figures but only his own organism's line."""
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)
    """Sums already read during one report (several indicators share them)."""

    def flows(self, session: Session, start: date, end: date) -> Flows:
        """This organism's ``flows`` from ``start`` to ``end``, read once per report."""
        every = self.cache.get(("flows", start, end, None))
        if every is not None:
            return every.get(self.organism_id, Flows())  # type: ignore[no-any-return]
        key = ("flows", start, end, self.organism_id)
        if key not in self.cache:
            self.cache[key] = flows(session, start, end, [self.organism_id]).get(self.organism_id, Flows())
        return self.cache[key]  # type: ignore[no-any-return]

    def stock(self, session: Session, on: date) -> Cents:
        """This organism's ``stock`` at the end of ``on``, read once per report."""
        every = self.cache.get(("stock", on, None))
        if every is not None:
            return int(every.get(self.organism_id, 0))
        key = ("stock", on, self.organism_id)
        if key not in self.cache:
            self.cache[key] = stock(session, on, [self.organism_id]).get(self.organism_id, 0)
        return int(self.cache[key])

    def inputs(self, session: Session, start: date, end: date) -> rules.RecoveryRateInputs:
        moved = self.flows(session, start, end)
        return rules.RecoveryRateInputs(
            moved.recovered, self.stock(session, start - timedelta(days=1)), moved.new
        )


@dataclass(frozen=True)
class Result:
    """An indicator's value: ``value`` (percent as ``Decimal`` or ``None`` when not computable,
    cents, a count, or rows of a breakdown), ``details`` (the figures it is made of)."""

    value: Any
    details: Mapping[str, Any] = field(default_factory=dict)
    available: bool = True
    note: str = ""


@dataclass(frozen=True)
class IndicatorValue:
    definition: rules.IndicatorDefinition
    result: Result

    def as_data(self) -> dict[str, Any]:
        """JSON-ready: amounts as ``"123.45"`` strings, rates as ``"57.60"`` (``null``: not computable)."""
        return {
            "label": self.definition.label,
            "definition": self.definition.definition,
            "unit": self.definition.unit,
            "available": self.result.available,
            "value": _plain(self.result.value, self.definition.unit),
            **({"note": self.result.note} if self.result.note else {}),
            **{key: _plain(item, _unit_of(key)) for key, item in self.result.details.items()},
        }


def _unit_of(key: str) -> str:
    return "count" if key in {"count", "claims", "tasks"} or key.endswith("_days") else "amount"


def _plain(value: Any, unit: str) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int):
        return format_amount(value) if unit == "amount" else value
    if isinstance(value, Mapping):
        return {str(key): _plain(item, _unit_of(str(key))) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, unit) for item in value]
    return str(value)


# --------------------------------------------------------------------------- set-based sums


@dataclass(frozen=True)
class Flows:
    """The movements of one organism booked in a period, summed by what they mean (cents)."""

    recovered: Cents = 0
    new: Cents = 0
    withheld: Cents = 0
    remitted: Cents = 0


def _in(column: Any, kinds: Iterable[str]) -> ColumnElement[bool]:
    found: ColumnElement[bool] = column.in_(sorted(kinds))
    return found


def _recovered_expr(target: Any) -> ColumnElement[Any]:
    """Signed contribution of a movement to "recovered": + withholding/payment, − refund,
    − a reversal of a withholding or payment (SCENARIOS.md, Indicators)."""
    return case(
        (_in(MovementRow.kind, rules.RECOVERED_KINDS), MovementRow.amount_cents),
        (MovementRow.kind == rules.REFUND_KIND, -MovementRow.amount_cents),
        (
            and_(MovementRow.kind == rules.REVERSAL_KIND, _in(target.kind, rules.RECOVERED_KINDS)),
            -MovementRow.amount_cents,
        ),
        else_=0,
    )


def _kind_net(target: Any, kind: str) -> ColumnElement[Any]:
    return case(
        (MovementRow.kind == kind, MovementRow.amount_cents),
        (and_(MovementRow.kind == rules.REVERSAL_KIND, target.kind == kind), -MovementRow.amount_cents),
        else_=0,
    )


def flows(
    session: Session, start: date, end: date, organism_ids: Iterable[int] | None = None
) -> dict[int, Flows]:
    """Per organism: the movements booked from ``start`` to ``end`` (one grouped statement)."""
    target = aliased(MovementRow)
    query = (
        select(
            ClaimRow.organism_id,
            func.coalesce(func.sum(_recovered_expr(target)), 0),
            func.coalesce(
                func.sum(case((_in(MovementRow.kind, rules.NEW_KINDS), MovementRow.amount_cents), else_=0)), 0
            ),
            func.coalesce(func.sum(_kind_net(target, "withholding")), 0),
            func.coalesce(func.sum(_kind_net(target, rules.REMISSION_KIND)), 0),
        )
        .select_from(MovementRow)
        .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
        .outerjoin(target, target.key == MovementRow.reverses_key)
        .where(MovementRow.booked_on >= start, MovementRow.booked_on <= end)
        .group_by(ClaimRow.organism_id)
    )
    if organism_ids is not None:
        query = query.where(ClaimRow.organism_id.in_(list(organism_ids)))
    return {
        int(organism): Flows(int(recovered), int(new), int(withheld), int(remitted))
        for organism, recovered, new, withheld, remitted in session.execute(query)
    }


def stock(session: Session, on: date, organism_ids: Iterable[int] | None = None) -> dict[int, Cents]:
    """Per organism: the sum of the balances of all its claims at the end of ``on`` — whatever
    their status; a claim in credit counts 0 (its balance never goes below zero)."""
    per_claim = (
        select(ClaimRow.organism_id.label("organism_id"), func.sum(MovementRow.signed_cents).label("total"))
        .select_from(MovementRow)
        .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
        .where(MovementRow.booked_on <= on)
        .group_by(ClaimRow.organism_id, MovementRow.claim_id)
    )
    if organism_ids is not None:
        per_claim = per_claim.where(ClaimRow.organism_id.in_(list(organism_ids)))
    totals = per_claim.subquery()
    query = select(
        totals.c.organism_id, func.sum(case((totals.c.total > 0, totals.c.total), else_=0))
    ).group_by(totals.c.organism_id)
    return {int(organism): int(amount or 0) for organism, amount in session.execute(query)}


def recovery_inputs(session: Session, organism_id: int, start: date, end: date) -> rules.RecoveryRateInputs:
    moved = flows(session, start, end, [organism_id]).get(organism_id, Flows())
    before = stock(session, start - timedelta(days=1), [organism_id]).get(organism_id, 0)
    return rules.RecoveryRateInputs(recovered=moved.recovered, stock=before, new=moved.new)


def _phase_on(day: Any, claim_id: Any) -> ColumnElement[Any]:
    """The claim's phase at the end of ``day``: its latest ``phase`` event by then, else amicable."""
    latest = (
        select(ClaimEventRow.data["phase"].as_string())
        .where(
            ClaimEventRow.claim_id == claim_id,
            ClaimEventRow.kind == "phase",
            ClaimEventRow.occurred_on <= day,
        )
        .order_by(ClaimEventRow.occurred_on.desc(), ClaimEventRow.id.desc())
        .limit(1)
        .correlate_except(ClaimEventRow)
        .scalar_subquery()
    )
    return func.coalesce(latest, literal("amicable"))


# --------------------------------------------------------------------------- computations


def _recovery_rate(session: Session, period: Period) -> Result:
    inputs = period.inputs(session, period.start, period.end)
    return Result(
        inputs.rate,
        {"recovered": inputs.recovered, "stock": inputs.stock, "new": inputs.new},
        note="" if inputs.rate is not None else "non calculable : stock et nouveaux nuls",
    )


def _recovered_vs_detected(session: Session, period: Period) -> Result:
    moved = period.flows(session, period.start, period.end)
    rate = rules.percent(moved.recovered, moved.new)
    return Result(rate, {"recovered": moved.recovered, "new": moved.new})


def _recovered_by_phase(session: Session, period: Period) -> Result:
    target = aliased(MovementRow)
    phase = _phase_on(MovementRow.booked_on, MovementRow.claim_id).label("phase")
    query = (
        select(phase, func.coalesce(func.sum(_recovered_expr(target)), 0))
        .select_from(MovementRow)
        .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
        .outerjoin(target, target.key == MovementRow.reverses_key)
        .where(
            ClaimRow.organism_id == period.organism_id,
            MovementRow.booked_on >= period.start,
            MovementRow.booked_on <= period.end,
            _in(MovementRow.kind, {*rules.RECOVERED_KINDS, rules.REFUND_KIND, rules.REVERSAL_KIND}),
        )
        .group_by(phase)
    )
    amounts = {"amicable": 0, "contentious": 0, "enforcement": 0}
    for name, amount in session.execute(query):
        amounts[str(name)] = amounts.get(str(name), 0) + int(amount)
    total = sum(amounts.values())
    return Result(
        [
            {"phase": name, "amount": amount, "share": rules.percent(amount, total)}
            for name, amount in amounts.items()
        ],
        {"total": total},
    )


def _withholding_share(session: Session, period: Period) -> Result:
    moved = period.flows(session, period.start, period.end)
    return Result(
        rules.percent(moved.withheld, moved.recovered),
        {"withheld": moved.withheld, "recovered": moved.recovered},
    )


def _band_expr(end: date) -> ColumnElement[Any]:
    """The age band of ``ClaimRow.established_on`` at ``end``, computed in SQL from the bands'
    boundary dates (no date arithmetic in the database)."""
    whens = []
    for label, start_days, end_days in rules.AGE_BANDS:
        if end_days is None:
            continue
        whens.append((ClaimRow.established_on > end - timedelta(days=end_days), literal(label)))
        del start_days
    return case(*whens, else_=literal(rules.AGE_BANDS[-1][0]))


def _stock_ageing(session: Session, period: Period) -> Result:
    per_claim = (
        select(
            MovementRow.claim_id.label("claim_id"),
            func.sum(MovementRow.signed_cents).label("total"),
        )
        .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
        .where(ClaimRow.organism_id == period.organism_id, MovementRow.booked_on <= period.end)
        .group_by(MovementRow.claim_id)
        .subquery()
    )
    band = _band_expr(period.end).label("band")
    # The correlated lookup uses the index (claim_id, occurred_on) of claim_events: on SQLite it
    # is much faster than joining a grouped subquery of the latest events (no index on it).
    phase = _phase_on(literal(period.end), ClaimRow.id).label("phase")
    query = (
        select(
            band,
            phase,
            ClaimRow.benefit,
            ClaimRow.responsibility,
            func.count(),
            func.sum(per_claim.c.total),
        )
        .select_from(per_claim)
        .join(ClaimRow, ClaimRow.id == per_claim.c.claim_id)
        .where(per_claim.c.total > 0)
        .group_by(band, phase, ClaimRow.benefit, ClaimRow.responsibility)
    )
    order = {label: index for index, (label, _, _) in enumerate(rules.AGE_BANDS)}
    rows: list[dict[str, Any]] = [
        {
            "band": str(band_),
            "phase": str(phase_),
            "benefit": str(benefit),
            "responsibility": str(responsibility),
            "claims": int(count),
            "balance": int(balance),
        }
        for band_, phase_, benefit, responsibility, count, balance in session.execute(query)
    ]
    rows.sort(
        key=lambda row: (order.get(row["band"], 99), row["phase"], row["benefit"], row["responsibility"])
    )
    by_band = {label: 0 for label, _, _ in rules.AGE_BANDS}
    for row in rows:
        by_band[str(row["band"])] += int(row["balance"])
    return Result(rows, {"by_band": by_band, "total": sum(by_band.values())})


def months_before(end: date, months: int) -> date:
    """The first day of the ``months`` months that end on ``end`` (``end`` + 1 day − ``months``
    months; the 29 February of a year without one becomes the 1 March)."""
    after = end + timedelta(days=1)
    index = after.year * 12 + after.month - 1 - months
    year, month = divmod(index, 12)
    try:
        return date(year, month + 1, after.day)
    except ValueError:
        return date(year, month + 2, 1) if month + 1 < 12 else date(year + 1, 1, 1)


def _rolling_12_months(session: Session, period: Period) -> Result:
    start = months_before(period.end, 12)
    inputs = period.inputs(session, start, period.end)
    return Result(
        inputs.rate,
        {
            "from": start.isoformat(),
            "to": period.end.isoformat(),
            "recovered": inputs.recovered,
            "stock": inputs.stock,
            "new": inputs.new,
        },
    )


def remission_rates(
    session: Session, start: date, end: date, period: Period | None = None
) -> dict[str, tuple[Decimal | None, Cents, Cents]]:
    """Per organism code: (remission rate, remitted, stock + new) over the period (set-based).
    With ``period`` and a base of one organism, the sums the report already read are reused."""
    codes = {
        int(ident): str(code) for ident, code in session.execute(select(OrganismRow.id, OrganismRow.code))
    }
    if period is not None and set(codes) == {period.organism_id}:
        moved = {period.organism_id: period.flows(session, start, end)}
        before = {period.organism_id: period.stock(session, start - timedelta(days=1))}
    else:
        moved = flows(session, start, end)
        before = stock(session, start - timedelta(days=1))
        if period is not None:
            period.cache[("flows", start, end, None)] = moved
            period.cache[("stock", start - timedelta(days=1), None)] = before
    found: dict[str, tuple[Decimal | None, Cents, Cents]] = {}
    for ident, code in sorted(codes.items(), key=lambda item: str(item[1])):
        flow = moved.get(ident, Flows())
        base = before.get(ident, 0) + flow.new
        found[str(code)] = (rules.percent(flow.remitted, base), flow.remitted, base)
    return found


def _remission_rate(session: Session, period: Period) -> Result:
    moved = period.flows(session, period.start, period.end)
    before = period.stock(session, period.start - timedelta(days=1))
    return Result(
        rules.percent(moved.remitted, before + moved.new),
        {"remitted": moved.remitted, "stock": before, "new": moved.new},
    )


def _remission_dispersion(session: Session, period: Period) -> Result:
    rates = remission_rates(session, period.start, period.end, period)
    spread = rules.dispersion([rate for rate, _, _ in rates.values() if rate is not None])
    return Result(
        [
            {"organism": code, "rate": rate, "remitted": remitted}
            for code, (rate, remitted, _) in rates.items()
            if period.network or code == period.organism
        ],
        {
            "organisms": spread.count,
            "minimum": spread.minimum,
            "maximum": spread.maximum,
            "mean": spread.mean,
            "stdev": spread.stdev,
        },
    )


def _time_barred_next_90_days(session: Session, period: Period) -> Result:
    if period.policy is None:
        return Result(None, available=False, note=NOT_AVAILABLE)
    terms = prescription.terms_of(period.policy)
    if terms is None:
        return Result(None, available=False, note="pas de règle de prescription pour cet organisme")
    until = period.end + timedelta(days=90)
    # Only the claims that could be time-barred by ``until`` are read further: the youngest line
    # (the detection for fraud) plus the shortest period in force, in days of 365 (never later
    # than the true bar date); interruptions only push it later (``prescription._may_be_barred``).
    line_cutoff = until - timedelta(days=365 * min(item.years for item in terms.years))
    fraud_cutoff = until - timedelta(days=365 * min(item.years for item in terms.fraud_years))
    younger_line = (
        select(ClaimLineRow.id)
        .where(ClaimLineRow.claim_id == ClaimRow.id, ClaimLineRow.paid_on > line_cutoff)
        .exists()
    )
    claims: Select[Any] = select(ClaimRow.id).where(
        ClaimRow.organism_id == period.organism_id,
        ClaimRow.established_on <= period.end,
        or_(
            and_(ClaimRow.responsibility != "fraud", ~younger_line),
            and_(ClaimRow.responsibility == "fraud", ClaimRow.detected_on <= fraud_cutoff),
        ),
    )
    found = prescription.standings(session, claims, period.end, terms, until)
    at_risk = [
        standing.total
        for standing in found.values()
        if standing.total > 0
        and standing.prescription_date is not None
        and period.end < standing.prescription_date <= until
    ]
    return Result(sum(at_risk), {"claims": len(at_risk), "until": until.isoformat()})


def _task_workload(session: Session, period: Period) -> Result:
    open_on_end = and_(
        TaskRow.organism_id == period.organism_id,
        TaskRow.created_on <= period.end,
        (TaskRow.closed_on.is_(None)) | (TaskRow.closed_on > period.end),
    )
    query = (
        select(TaskRow.type, TaskRow.assignee, TaskRow.created_on, func.count())
        .where(open_on_end)
        .group_by(TaskRow.type, TaskRow.assignee, TaskRow.created_on)
    )
    queues: dict[str, dict[str, int]] = {}
    agents: dict[str, dict[str, int]] = {}
    for type_, assignee, created_on, count in session.execute(query):
        age = (period.end - created_on).days
        for groups, key in ((queues, str(type_)), (agents, str(assignee or "(non attribuée)"))):
            group = groups.setdefault(key, {"tasks": 0, "age_sum": 0, "max_age_days": 0})
            group["tasks"] += int(count)
            group["age_sum"] += age * int(count)
            group["max_age_days"] = max(group["max_age_days"], age)

    def rows(groups: dict[str, dict[str, int]], name: str) -> list[dict[str, Any]]:
        return [
            {
                name: key,
                "tasks": group["tasks"],
                "mean_age_days": round(group["age_sum"] / group["tasks"], 1),
                "max_age_days": group["max_age_days"],
            }
            for key, group in sorted(groups.items())
        ]

    return Result(rows(queues, "queue"), {"by_agent": rows(agents, "agent")})


def _not_wired(helper: str, what: str) -> Callable[[Session, Period], Result]:
    def compute(session: Session, period: Period) -> Result:
        del session, period
        return Result(None, available=False, note=f"{NOT_AVAILABLE} : {what} ({helper})")

    return compute


Computation = Callable[[Session, Period], Result]

REGISTRY: dict[str, Computation] = {
    "recovery_rate": _recovery_rate,
    "recovered_vs_detected": _recovered_vs_detected,
    "recovered_by_phase": _recovered_by_phase,
    "withholding_share": _withholding_share,
    "stock_ageing": _stock_ageing,
    "rolling_12_months": _rolling_12_months,
    "remission_rate": _remission_rate,
    "remission_dispersion": _remission_dispersion,
    "time_barred_next_90_days": _time_barred_next_90_days,
    "task_workload": _task_workload,
    # WIRE(phone-campaigns): call outcomes (reached, promise, paid) by campaign.
    "phone_campaign": _not_wired("phone-campaigns", "les campagnes d'appels ne sont pas encore enregistrées"),
    # WIRE(enforcement-titles): titles by state (issued, served, opposed, enforceable, annulled).
    "enforcement_pipeline": _not_wired(
        "enforcement-titles", "les titres exécutoires ne sont pas encore enregistrés"
    ),
    # WIRE(agencies): placements, collected amounts and commissions by agency.
    "agency_league": _not_wired("agencies", "les placements en agence ne sont pas encore enregistrés"),
}
assert set(REGISTRY) == set(rules.DEFINITION_OF), "every defined indicator has a computation"


@dataclass(frozen=True)
class IndicatorReport:
    organism: str
    currency: str
    start: date
    end: date
    values: tuple[IndicatorValue, ...]

    def as_data(self) -> dict[str, Any]:
        """One object whose keys are the indicator names."""
        return {value.definition.name: value.as_data() for value in self.values}

    def get(self, name: str) -> IndicatorValue:
        return next(value for value in self.values if value.definition.name == name)


def compute(
    services: Services,
    organism_code: str,
    start: date,
    end: date,
    names: Iterable[str] | None = None,
    *,
    network: bool = True,
) -> IndicatorReport:
    """The indicators ``names`` (default: all) of the organism from ``start`` to ``end`` included;
    ``network``: the reader may see the other organisms by name (``remission_dispersion``)."""
    check_day(start, "from")
    check_day(end, "to")
    if end < start:
        raise DomainError("period", f"{start}..{end}", "la fin précède le début")
    wanted = list(names) if names is not None else [definition.name for definition in rules.DEFINITIONS]
    unknown = [name for name in wanted if name not in REGISTRY]
    if unknown:
        raise DomainError("indicator", ", ".join(unknown), "indicateur inconnu")
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        currency = policy.text("currency", end) if policy.has("currency") else "EUR"
        period = Period(organism_id, organism_code, start, end, policy, network)
        values = tuple(
            IndicatorValue(rules.DEFINITION_OF[name], REGISTRY[name](session, period)) for name in wanted
        )
    return IndicatorReport(organism_code, currency, start, end, values)


FLAT_COLUMNS = ("indicator", "label", "item", "value", "available", "definition")
"""The columns of the flat export (CSV, XLSX): one row per indicator or per line of a breakdown."""


def _item_text(row: Mapping[str, Any], skip: str) -> str:
    return ", ".join(f"{key}={value}" for key, value in row.items() if key != skip)


def flat_rows(report: IndicatorReport) -> list[tuple[str, str, str, str, str, str]]:
    """The report as flat rows (``FLAT_COLUMNS``), all text: a breakdown gives one row per line."""
    rows: list[tuple[str, str, str, str, str, str]] = []
    for item in report.values:
        data = item.as_data()
        definition = item.definition
        available = "oui" if item.result.available else "non"
        value = data["value"]
        if isinstance(value, list):
            main = next(
                (key for key in ("amount", "balance", "rate", "tasks") if value and key in value[0]), ""
            )
            for line in value:
                rows.append(
                    (
                        definition.name,
                        definition.label,
                        _item_text(line, main),
                        str(line.get(main, "")),
                        available,
                        definition.definition,
                    )
                )
        else:
            shown = "" if value is None else str(value)
            note = data.get("note", "")
            rows.append((definition.name, definition.label, note, shown, available, definition.definition))
        for key, detail in data.items():
            if key in {"label", "definition", "unit", "available", "value", "note"} or isinstance(
                detail, list | dict
            ):
                continue
            rows.append(
                (definition.name, definition.label, key, "" if detail is None else str(detail), available, "")
            )
    return rows


def latest_movement_on(services: Services, organism_code: str) -> date | None:
    """The latest day a movement was booked on one of the organism's claims (``None``: none)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        latest: date | None = session.scalar(
            select(func.max(MovementRow.booked_on))
            .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
            .where(ClaimRow.organism_id == organism_id)
        )
        return latest
