"""Scenario support for the steering indicators: the ``kpi`` check. Its ``CHECKS`` are merged
into the registry of ``scenario/checks.py``.

``kpi: {recovery_rate: {from: DATE, to: DATE, value: percent}}`` (SCENARIOS.md, Expectations and
"Indicators (normative)"): the indicator computed by ``commands.indicators.read_indicators`` (the
same authorised read as the API, the web pages and ``recouvre indicators``) for the file's
organism from ``from`` to ``to`` included, compared with ``value`` to the hundredth. A rate whose
denominator (stock + new) is zero is not computable: ``value: null`` (or ``"n/a"``) expects that.
Any indicator of the registry whose unit is a percent may be named, ``recovery_rate`` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, model_validator

from recouvre.domain.indicators import DEFINITION_OF
from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.context import Mismatch, Replay, actor
from recouvre.scenario.fields import IsoDate, Strict
from recouvre.service.commands.indicators import read_indicators

NOT_COMPUTABLE = "n/a"
_PERCENT_INDICATORS = sorted(name for name, item in DEFINITION_OF.items() if item.unit == "percent")


def _percent(value: object) -> Decimal | None:
    if value is None or value == NOT_COMPUTABLE:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("a percent is a number with at most two decimals, or null")
    try:
        found = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a percent") from None
    if not found.is_finite() or found != found.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise ValueError(f"{value!r}: a percent has at most two decimals")
    return found


Percent = Annotated[Decimal | None, BeforeValidator(_percent)]


def _indicator(value: object) -> str:
    if value not in _PERCENT_INDICATORS:
        raise ValueError(f"{value!r} is not a rate indicator (one of: {', '.join(_PERCENT_INDICATORS)})")
    return str(value)


IndicatorName = Annotated[str, BeforeValidator(_indicator)]


class KpiItem(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: IsoDate = Field(alias="from")
    to: IsoDate
    value: Percent

    @model_validator(mode="after")
    def _ordered(self) -> KpiItem:
        if self.to < self.from_:
            raise ValueError("'to' precedes 'from'")
        return self


def _shown(value: Decimal | None) -> str:
    return NOT_COMPUTABLE if value is None else f"{value:.2f}"


def _kpi(replay: Replay, on: date, expected: Mapping[str, KpiItem]) -> list[Mismatch]:
    del on  # the period is the check's own
    found: list[Mismatch] = []
    for name, item in expected.items():
        report = read_indicators(
            replay.services, actor(replay, "manager"), replay.organism, item.from_, item.to, [name]
        )
        actual = report.get(name).result.value
        if actual != item.value:
            found.append(
                Mismatch(
                    f"kpi.{name}[{item.from_.isoformat()}..{item.to.isoformat()}]",
                    _shown(item.value),
                    _shown(actual),
                )
            )
    return found


CHECKS: dict[str, CheckSpec[Any]] = {
    "kpi": CheckSpec(TypeAdapter(dict[IndicatorName, KpiItem]), None, _kpi),
}
