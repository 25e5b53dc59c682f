"""Typed policy values: what a parameter file's ``value`` becomes once checked.

Amounts are integer cents (``recouvre.domain.money``), rates are ``Decimal``
percents, durations are ``int``. The dataclasses check their own invariants in
``__post_init__`` and raise ``ValueError`` with a short reason; the loader wraps
that reason into a ``PolicyError`` naming the file and the key.

No legal number lives here: the numbers come from the parameter files. The value types of
the scales and of the default steps are domain values (``recouvre.domain.scales``,
``recouvre.domain.default_steps``), re-exported here: the policy builds them, the domain
computes with them, and the domain never imports the policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from recouvre.domain.default_steps import DefaultStep
from recouvre.domain.money import format_amount
from recouvre.domain.scales import BandExplanation, RemissionScale, WithholdingBand, WithholdingScale


class Unit(StrEnum):
    """The ``unit`` of a parameter file; it decides how ``value`` is read."""

    CURRENCY = "currency"  # an amount -> Cents
    PERCENT = "percent"  # a rate in percent -> Decimal
    YEARS = "years"  # -> int
    DAYS = "days"  # -> int
    MONTHS = "months"  # -> int
    LIST = "list"  # a list of names -> tuple[str, ...]
    MAPPING = "mapping"  # name -> amount -> Mapping[str, Cents]
    RATES = "rates"  # name -> percent -> Mapping[str, Decimal], or null (None): "none in force"
    SCALE = "scale"  # WithholdingScale or RemissionScale (see the file's ``kind``)
    STEPS = "steps"  # -> tuple[DefaultStep, ...]
    CODE = "code"  # a short code such as a currency ("EUR") -> str
    COURTS = "courts"  # a directory of courts -> tuple[Court, ...]


INTEGER_UNITS = frozenset({Unit.YEARS, Unit.DAYS, Unit.MONTHS})
ORDERED_UNITS = frozenset({Unit.CURRENCY, Unit.PERCENT, *INTEGER_UNITS})
"""Units whose values can be compared, hence bounded (``bounds: {min: ...}``)."""


__all__ = [
    "INTEGER_UNITS",
    "ORDERED_UNITS",
    "BandExplanation",
    "Court",
    "DefaultStep",
    "RemissionScale",
    "ScaleKind",
    "Unit",
    "WithholdingBand",
    "WithholdingScale",
    "format_value",
]


@dataclass(frozen=True)
class Court:
    """A court of the organism's area, as a title must name it: ``kind`` ``judicial`` (the pôle
    social of a tribunal judiciaire) or ``administrative`` (a tribunal administratif), the
    postal-code prefixes of the homes it serves, its name and its registry's address."""

    kind: str
    postcodes: tuple[str, ...]
    name: str
    address: str

    def serves(self, postcode: str) -> int:
        """The length of the longest of its prefixes that ``postcode`` starts with (0: none)."""
        return max((len(prefix) for prefix in self.postcodes if postcode.startswith(prefix)), default=0)


class ScaleKind(StrEnum):
    WITHHOLDING = "withholding"
    REMISSION = "remission"


def format_value(unit: Unit, value: object) -> str:
    """A readable rendering of a typed value (for ``recouvre policy show``)."""
    if unit is Unit.CURRENCY and isinstance(value, int):
        return format_amount(value)
    if unit is Unit.PERCENT and isinstance(value, Decimal):
        return f"{_percent(value)} %"
    if unit in INTEGER_UNITS and isinstance(value, int):
        words = {Unit.YEARS: "an", Unit.DAYS: "jour", Unit.MONTHS: "mois"}
        word = words[unit]
        plural = "" if value <= 1 or word.endswith("s") else "s"
        return f"{value} {word}{plural}"
    if isinstance(value, WithholdingScale):
        parts = [format_amount(value.flat)]
        parts += [f"{_percent(band.rate)} % {band.label}" for band in value.bands]
        return " + ".join(parts)
    if isinstance(value, RemissionScale):
        heads = [f"QF ≤ {format_amount(upper)}" if upper is not None else "au-delà" for upper in value.uppers]
        rows = [
            f"{responsibility}: " + "/".join(_percent(rate) for rate in rates) + " %"
            for responsibility, rates in value.rates.items()
        ]
        return " | ".join(heads) + "\n" + "\n".join(rows)
    if unit is Unit.STEPS and isinstance(value, tuple):
        steps = []
        for step in value:
            if isinstance(step, DefaultStep):
                task = f" + tâche {step.task}" if step.task else ""
                steps.append(f"{step.defaults} : {step.letter}{task}")
        return " ; ".join(steps)
    if unit is Unit.COURTS and isinstance(value, tuple) and value:
        return " ; ".join(
            f"{court.name} ({', '.join(court.postcodes)}) : {court.address}"
            for court in value
            if isinstance(court, Court)
        )
    if value is None:
        return "(aucun)"
    if unit is Unit.RATES and isinstance(value, Mapping):
        return ", ".join(f"{name}: {_percent(rate)} %" for name, rate in value.items())
    if isinstance(value, Mapping | tuple) and not value:
        return "(aucun)"
    if isinstance(value, Mapping):
        return ", ".join(f"{name}: {format_amount(amount)}" for name, amount in value.items())
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _percent(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return text.replace(".", ",")
