"""Reading raw YAML values into typed policy values, one unit at a time.

``convert(spec, raw)`` returns the typed value or raises ``Invalid`` whose
``path`` locates the faulty part inside the value (``.bands[1].rate``). The
caller prefixes the file (or origin) and the key.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from recouvre.domain.model import Benefit, Responsibility
from recouvre.domain.money import AmountError, Cents, parse_amount
from recouvre.policy.values import (
    INTEGER_UNITS,
    Court,
    DefaultStep,
    RemissionScale,
    ScaleKind,
    Unit,
    WithholdingBand,
    WithholdingScale,
)

NAME_DOMAINS: dict[str, frozenset[str]] = {
    "benefit": frozenset(benefit.value for benefit in Benefit),
    "responsibility": frozenset(responsibility.value for responsibility in Responsibility),
    "amnesty_option": frozenset({"full", "plan_24", "plan_more"}),
    # The monthly cycle's steps (``recouvre.domain.steps.STEPS``; a test keeps the two equal).
    "cycle_step": frozenset({"surcharges", "promises", "defaults"}),
}
"""Closed sets a ``list``'s ``items`` or a ``mapping``'s ``keys`` may be checked against."""


class Invalid(ValueError):
    """A value that does not fit its unit; ``path`` is relative to the value."""

    def __init__(self, path: str, value: object, reason: str) -> None:
        self.path = path
        self.value = value
        self.reason = reason
        super().__init__(f"{path}: {value!r}: {reason}")


@dataclass(frozen=True)
class ValueSpec:
    """How to read a parameter's values: its unit and, where relevant, its shape."""

    unit: Unit
    kind: ScaleKind | None = None  # for unit scale
    items: str | None = None  # for unit list: a NAME_DOMAINS key
    keys: str | None = None  # for unit mapping: a NAME_DOMAINS key


def convert(spec: ValueSpec, raw: object) -> Any:
    """The typed value of ``raw`` for ``spec``; raises ``Invalid``."""
    unit = spec.unit
    if unit is Unit.CURRENCY:
        return amount(raw, "")
    if unit is Unit.PERCENT:
        return percent(raw, "")
    if unit in INTEGER_UNITS:
        return whole(raw, "")
    if unit is Unit.CODE:
        return code(raw, "")
    if unit is Unit.LIST:
        return names(raw, "", spec.items)
    if unit is Unit.MAPPING:
        return amounts(raw, "", spec.keys)
    if unit is Unit.RATES:
        return rates(raw, "", spec.keys)
    if unit is Unit.STEPS:
        return steps(raw, "")
    if unit is Unit.COURTS:
        return courts(raw, "")
    if unit is Unit.SCALE:
        if spec.kind is ScaleKind.WITHHOLDING:
            return withholding_scale(raw, "")
        if spec.kind is ScaleKind.REMISSION:
            return remission_scale(raw, "")
        raise Invalid("", spec.kind, "a scale needs a kind: withholding or remission")
    raise Invalid("", unit, "unknown unit")  # pragma: no cover - Unit is closed


def amount(raw: object, path: str) -> Cents:
    try:
        return parse_amount(raw, field=path or "value")
    except AmountError:
        raise Invalid(
            path, raw, 'not an amount: expected a number with at most two decimals, e.g. "49.00"'
        ) from None


def optional_amount(raw: object, path: str) -> Cents | None:
    return None if raw is None else amount(raw, path)


def percent(raw: object, path: str) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise Invalid(path, raw, "not a percent")
    text = repr(raw) if isinstance(raw, float) else str(raw).strip().removesuffix("%").strip()
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise Invalid(path, raw, "not a percent") from None
    if not rate.is_finite() or rate < 0 or rate > 100:
        raise Invalid(path, raw, "a percent must be between 0 and 100")
    return rate


def whole(raw: object, path: str) -> int:
    if isinstance(raw, bool):
        raise Invalid(path, raw, "not a whole number")
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    if not isinstance(raw, int):
        raise Invalid(path, raw, "not a whole number")
    if raw < 0:
        raise Invalid(path, raw, "cannot be negative")
    return raw


def code(raw: object, path: str) -> str:
    if not isinstance(raw, str) or not raw.strip() or any(char.isspace() for char in raw.strip()):
        raise Invalid(path, raw, "a code is a non-empty word, e.g. EUR")
    return raw.strip()


def _name(raw: object, path: str, domain: str | None) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise Invalid(path, raw, "not a name")
    name = raw.strip()
    if domain is not None and name not in NAME_DOMAINS[domain]:
        allowed = ", ".join(sorted(NAME_DOMAINS[domain]))
        raise Invalid(path, raw, f"not a known {domain} (one of {allowed})")
    return name


def names(raw: object, path: str, domain: str | None) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple):
        raise Invalid(path, raw, "expected a list")
    result = tuple(_name(item, f"{path}[{index}]", domain) for index, item in enumerate(raw))
    seen: set[str] = set()
    for index, name in enumerate(result):
        if name in seen:
            raise Invalid(f"{path}[{index}]", name, "appears twice")
        seen.add(name)
    return result


def amounts(raw: object, path: str, domain: str | None) -> Mapping[str, Cents]:
    if not isinstance(raw, Mapping):
        raise Invalid(path, raw, 'expected a mapping such as {RSA: "77.00"}')
    result: dict[str, Cents] = {}
    for key, item in raw.items():
        name = _name(key, f"{path}.{key}", domain)
        result[name] = amount(item, f"{path}.{key}")
    return types.MappingProxyType(result)


def rates(raw: object, path: str, domain: str | None) -> Mapping[str, Decimal] | None:
    """``{name: percent}``; ``null`` is "none in force" (e.g. no amnesty campaign open). With a
    ``keys`` domain, every name of the domain must have its rate (a complete grid)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw:
        raise Invalid(path, raw, "expected a mapping such as {full: 60, plan_24: 50}, or null")
    result: dict[str, Decimal] = {}
    for key, item in raw.items():
        name = _name(key, f"{path}.{key}", domain)
        result[name] = percent(item, f"{path}.{key}")
    if domain is not None:
        missing = sorted(NAME_DOMAINS[domain] - set(result))
        if missing:
            raise Invalid(path, raw, f"missing {', '.join(missing)}")
    return types.MappingProxyType(result)


def _fields(raw: object, path: str, required: set[str], optional: set[str]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise Invalid(path, raw, f"expected a mapping with {', '.join(sorted(required))}")
    missing = sorted(required - set(raw))
    if missing:
        raise Invalid(path, raw, f"missing {', '.join(missing)}")
    unknown = sorted(str(key) for key in set(raw) - required - optional)
    if unknown:
        raise Invalid(path, raw, f"unknown field(s) {', '.join(unknown)}")
    return raw


def _wrap(path: str, raw: object, error: ValueError) -> Invalid:
    return Invalid(path, raw, str(error))


def withholding_scale(raw: object, path: str) -> WithholdingScale:
    fields = _fields(raw, path, {"flat", "bands"}, set())
    flat = amount(fields["flat"], f"{path}.flat")
    raw_bands = fields["bands"]
    if not isinstance(raw_bands, list) or not raw_bands:
        raise Invalid(f"{path}.bands", raw_bands, "expected a non-empty list of {from, to, rate}")
    bands: list[WithholdingBand] = []
    for index, raw_band in enumerate(raw_bands):
        where = f"{path}.bands[{index}]"
        band = _fields(raw_band, where, {"from", "rate"}, {"to"})
        lower = amount(band["from"], f"{where}.from")
        upper = optional_amount(band.get("to"), f"{where}.to")
        rate = percent(band["rate"], f"{where}.rate")
        try:
            bands.append(WithholdingBand(lower=lower, upper=upper, rate=rate))
        except ValueError as error:
            raise _wrap(where, raw_band, error) from None
    try:
        return WithholdingScale(flat=flat, bands=tuple(bands))
    except ValueError as error:
        raise _wrap(f"{path}.bands", raw_bands, error) from None


def remission_scale(raw: object, path: str) -> RemissionScale:
    fields = _fields(raw, path, {"bands", "rates"}, set())
    raw_bands = fields["bands"]
    if not isinstance(raw_bands, list) or not raw_bands:
        raise Invalid(f"{path}.bands", raw_bands, "expected a non-empty list of {to: quotient or null}")
    uppers = tuple(
        optional_amount(
            _fields(item, f"{path}.bands[{index}]", {"to"}, set())["to"], f"{path}.bands[{index}].to"
        )
        for index, item in enumerate(raw_bands)
    )
    raw_rates = fields["rates"]
    if not isinstance(raw_rates, Mapping) or not raw_rates:
        raise Invalid(f"{path}.rates", raw_rates, "expected {responsibility: [percent per band]}")
    rates: dict[str, tuple[Decimal, ...]] = {}
    for key, row in raw_rates.items():
        where = f"{path}.rates.{key}"
        name = _name(key, where, "responsibility")
        if name == "fraud":
            raise Invalid(where, row, "fraud is never remitted: a scale has no fraud row")
        if not isinstance(row, list):
            raise Invalid(where, row, "expected a list of percents, one per band")
        rates[name] = tuple(percent(item, f"{where}[{index}]") for index, item in enumerate(row))
    try:
        return RemissionScale(uppers=uppers, rates=rates)
    except ValueError as error:
        raise _wrap(path, raw, error) from None


COURT_KINDS = frozenset({"judicial", "administrative", "injunction"})


def courts(raw: object, path: str) -> tuple[Court, ...]:
    """A directory of courts: a list (possibly empty) of ``{kind, postcodes, name, address}``,
    ``postcodes`` a non-empty list of digit prefixes (``"44"``, ``"44100"``)."""
    if not isinstance(raw, list):
        raise Invalid(path, raw, "expected a list of {kind, postcodes, name, address}")
    result: list[Court] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        fields = _fields(item, where, {"kind", "postcodes", "name", "address"}, set())
        kind = fields["kind"]
        if kind not in COURT_KINDS:
            raise Invalid(f"{where}.kind", kind, "judicial, administrative or injunction")
        prefixes = fields["postcodes"]
        if not isinstance(prefixes, list) or not prefixes:
            raise Invalid(f"{where}.postcodes", prefixes, "a non-empty list of postal-code prefixes")
        for number, prefix in enumerate(prefixes):
            if not isinstance(prefix, str) or not prefix.isdigit() or not 1 <= len(prefix) <= 5:
                raise Invalid(
                    f"{where}.postcodes[{number}]", prefix, 'a prefix of 1 to 5 digits, in quotes ("44")'
                )
        texts = {}
        for name in ("name", "address"):
            value = fields[name]
            if not isinstance(value, str) or not value.strip():
                raise Invalid(f"{where}.{name}", value, "a non-empty text")
            texts[name] = " ".join(value.split())
        result.append(Court(str(kind), tuple(prefixes), texts["name"], texts["address"]))
    return tuple(result)


def steps(raw: object, path: str) -> tuple[DefaultStep, ...]:
    if not isinstance(raw, list) or not raw:
        raise Invalid(path, raw, "expected a non-empty list of {defaults, letter, task}")
    result: list[DefaultStep] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        fields = _fields(item, where, {"defaults", "letter"}, {"task"})
        defaults = whole(fields["defaults"], f"{where}.defaults")
        letter = code(fields["letter"], f"{where}.letter")
        task = None if fields.get("task") is None else code(fields["task"], f"{where}.task")
        try:
            step = DefaultStep(defaults=defaults, letter=letter, task=task)
        except ValueError as error:
            raise _wrap(where, item, error) from None
        if result and step.defaults <= result[-1].defaults:
            raise Invalid(f"{where}.defaults", defaults, "steps must be in increasing order of defaults")
        result.append(step)
    return tuple(result)
