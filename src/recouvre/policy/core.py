"""Dated policy parameters: national defaults, organism overrides, scenario values.

A parameter is one YAML file in ``parameters/<common|FR|MA>/<key>.yaml`` (OpenFisca
shape): a ``description``, a ``unit``, and ``values`` keyed by the date from which
each value holds, each with its legal ``reference`` and an ``unverified`` flag. A
country file replaces the common file of the same key for that country.

A ``Policy`` answers "what is the value of KEY on DATE" with the typed value and,
through ``version``, with where it comes from. Overrides (an organism's file, a
scenario's ``policy:`` block) make a new ``Policy``: a dated override replaces the
values from its first date on and keeps the earlier ones; a plain value replaces
them all. An organism may not touch a parameter marked ``overridable: false`` and
may not go below a ``bounds: {min: national}`` (or above a ``max``).

Every problem is reported with its place (file or origin, key with index path,
value, reason); a file or an override with several problems reports them all.
"""

from __future__ import annotations

import functools
import operator
import re
import types
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final, TypeVar

import yaml

from recouvre.domain.model import Country
from recouvre.domain.money import Cents
from recouvre.policy import schema
from recouvre.policy.schema import Invalid, ValueSpec
from recouvre.policy.values import (
    ORDERED_UNITS,
    Court,
    DefaultStep,
    RemissionScale,
    ScaleKind,
    Unit,
    WithholdingScale,
    format_value,
)

NATIONAL: Final = "national"
"""The bound ``min: national`` / ``max: national``: the national value at each date."""

COMMON: Final = "common"
ALWAYS: Final = date.min
"""``valid_from`` of a plain override: valid for all dates."""

_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


class _NoValue:
    """The absent value of a PolicyError (a picklable singleton)."""

    def __reduce__(self) -> str:
        return "_NO_VALUE"

    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE: Final = _NoValue()

T = TypeVar("T")


class PolicyError(ValueError):
    """A policy problem: where (file or origin), which key (with index path), which value, why.

    When several problems are found at once, ``problems`` holds them all and the
    message lists them, one per line.
    """

    def __init__(self, origin: str, key: str, value: object = _NO_VALUE, reason: str = "") -> None:
        self.origin = origin
        self.key = key
        self.value = value
        self.reason = reason
        self.problems: tuple[PolicyError, ...] = (self,)
        super().__init__(self.line)

    @property
    def line(self) -> str:
        parts = [self.origin]
        if self.key:
            parts.append(self.key)
        if self.value is not _NO_VALUE:
            parts.append(_show(self.value))
        parts.append(self.reason)
        return ": ".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        # picklable across processes (batch runs); a collected error carries its problems
        problems = self.problems if len(self.problems) > 1 else ()
        return (_restore, (self.origin, self.key, self.value, self.reason, problems))

    @classmethod
    def collect(cls, problems: Sequence[PolicyError]) -> PolicyError:
        """One error carrying all ``problems`` (at least one)."""
        flat = [problem for error in problems for problem in error.problems]
        unique = list({problem.line: problem for problem in flat}.values())
        if len(unique) == 1:
            return unique[0]
        first = unique[0]
        error = cls(first.origin, first.key, first.value, first.reason)
        error.problems = tuple(unique)
        error.args = ("\n".join([f"{len(unique)} policy problems:", *(p.line for p in unique)]),)
        return error


def _restore(
    origin: str, key: str, value: object, reason: str, problems: tuple[PolicyError, ...]
) -> PolicyError:
    return PolicyError.collect(problems) if problems else PolicyError(origin, key, value, reason)


def _show(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


@dataclass(frozen=True)
class ParameterVersion:
    """One value of a parameter and where it comes from.

    ``valid_from`` is ``date.min`` for a plain override (valid for all dates).
    ``origin`` is ``"national FR"``, ``"organism CAF-44 (path/to/CAF-44.yaml)"``,
    ``"scenario"``…; ``raw`` is the value as written, ``value`` the typed value.
    """

    key: str
    valid_from: date
    value: Any
    raw: Any
    reference: str
    origin: str
    unverified: bool = False
    confidence: str = ""
    """The source's confidence tag of RULES.md (``H``, ``M``, ``L``) when the file states it."""


CONFIDENCES: Final = frozenset({"H", "M", "L"})
"""RULES.md's tags: high (primary text), medium (one reliable secondary source), low."""


@dataclass(frozen=True)
class ParameterDefinition:
    """What a parameter file says about the parameter itself (not its values)."""

    key: str
    description: str
    spec: ValueSpec
    source: str
    overridable: bool = True
    minimum: object = None  # None, NATIONAL or a typed value
    maximum: object = None
    documentation: str = ""

    @property
    def unit(self) -> Unit:
        return self.spec.unit


@dataclass(frozen=True)
class _Entry:
    definition: ParameterDefinition
    versions: tuple[ParameterVersion, ...]
    national: tuple[ParameterVersion, ...]
    starts: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(version.valid_from for version in self.versions))

    def at(self, on: date) -> ParameterVersion | None:
        index = bisect_right(self.starts, on) - 1
        return self.versions[index] if index >= 0 else None


def _version_at(versions: Sequence[ParameterVersion], on: date) -> ParameterVersion | None:
    index = bisect_right([version.valid_from for version in versions], on) - 1
    return versions[index] if index >= 0 else None


class Policy:
    """The parameters in force for a country (and an organism), by date. Immutable."""

    def __init__(self, country: str, organism: str | None, entries: Mapping[str, _Entry]) -> None:
        self._country = country
        self._organism = organism
        self._entries = dict(entries)

    @property
    def country(self) -> str:
        return self._country

    @property
    def organism(self) -> str | None:
        return self._organism

    def __repr__(self) -> str:
        return f"Policy(country={self._country!r}, organism={self._organism!r}, keys={len(self._entries)})"

    @property
    def _name(self) -> str:
        if self._organism:
            return f"policy {self._country} organism {self._organism}"
        return f"policy {self._country}"

    # -- reading -----------------------------------------------------------------
    def keys(self) -> list[str]:
        return sorted(self._entries)

    def has(self, key: str) -> bool:
        return key in self._entries

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        """The keys, sorted."""
        return iter(self.keys())

    def _entry(self, key: str) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            raise PolicyError(self._name, key, reason=f"no parameter {key!r} for country {self._country}")
        return entry

    def definition(self, key: str) -> ParameterDefinition:
        return self._entry(key).definition

    def versions(self, key: str) -> tuple[ParameterVersion, ...]:
        """The whole history of ``key`` in this policy, oldest first."""
        return self._entry(key).versions

    def version(self, key: str, on: date) -> ParameterVersion:
        """The version of ``key`` in force on ``on``: the latest whose ``valid_from`` ≤ ``on``."""
        entry = self._entry(key)
        day = on.date() if isinstance(on, datetime) else on
        found = entry.at(day)
        if found is None:
            first = entry.versions[0]
            raise PolicyError(
                first.origin,
                key,
                day,
                f"no value in force before {first.valid_from.isoformat()} ({entry.definition.source})",
            )
        return found

    def get(self, key: str, on: date) -> Any:
        """The typed value of ``key`` in force on ``on``."""
        return self.version(key, on).value

    def _typed(self, key: str, on: date, units: Iterable[Unit], kind: type[T]) -> T:
        value = self.get(key, on)
        unit = self.definition(key).unit
        if unit not in set(units) or not isinstance(value, kind):
            raise PolicyError(self._name, key, value, f"is a {unit.value} parameter, not a {kind.__name__}")
        return value

    def amount(self, key: str, on: date) -> Cents:
        return self._typed(key, on, [Unit.CURRENCY], int)

    def percent(self, key: str, on: date) -> Decimal:
        return self._typed(key, on, [Unit.PERCENT], Decimal)

    def whole(self, key: str, on: date) -> int:
        """A number of years, days or months."""
        return self._typed(key, on, [Unit.YEARS, Unit.DAYS, Unit.MONTHS], int)

    def text(self, key: str, on: date) -> str:
        return self._typed(key, on, [Unit.CODE], str)

    def names(self, key: str, on: date) -> tuple[str, ...]:
        return tuple(str(name) for name in self._typed(key, on, [Unit.LIST], tuple))

    def amounts(self, key: str, on: date) -> Mapping[str, Cents]:
        found: Mapping[str, Cents] = self._typed(key, on, [Unit.MAPPING], types.MappingProxyType)
        return found

    def rates(self, key: str, on: date) -> Mapping[str, Decimal] | None:
        """A grid of percents by name, or ``None`` when none is in force (a ``rates`` parameter)."""
        value = self.get(key, on)
        if value is None and self.definition(key).unit is Unit.RATES:
            return None
        found: Mapping[str, Decimal] = self._typed(key, on, [Unit.RATES], types.MappingProxyType)
        return found

    def withholding_scale(self, on: date, key: str = "withholding.scale") -> WithholdingScale:
        return self._typed(key, on, [Unit.SCALE], WithholdingScale)

    def remission_scale(self, on: date, key: str = "remission.scale") -> RemissionScale:
        return self._typed(key, on, [Unit.SCALE], RemissionScale)

    def courts(self, on: date, key: str = "enforcement.courts") -> tuple[Court, ...]:
        found = self._typed(key, on, [Unit.COURTS], tuple)
        return tuple(court for court in found if isinstance(court, Court))

    def default_steps(self, on: date, key: str = "default.steps") -> tuple[DefaultStep, ...]:
        steps = self._typed(key, on, [Unit.STEPS], tuple)
        return tuple(step for step in steps if isinstance(step, DefaultStep))

    # -- overriding --------------------------------------------------------------
    def with_organism(self, organism: str | None) -> Policy:
        return Policy(self._country, organism, self._entries)

    def with_values(self, values: Mapping[str, Any], *, origin: str, check_bounds: bool) -> Policy:
        """A new policy where each key of ``values`` is overridden.

        A value is plain (valid for all dates) or a list of ``{from: DATE, value: ...,
        reference?: ..., unverified?: ...}``; a dated list replaces the values from its
        first date on and keeps the earlier ones. With ``check_bounds`` (organisms),
        ``overridable: false`` keys are refused and ``bounds`` are enforced; a scenario
        passes ``check_bounds=False``. All problems are reported together.
        """
        if not isinstance(values, Mapping):
            raise PolicyError(origin, "", values, "policy values must be a mapping of key: value")
        problems: list[PolicyError] = []
        entries = dict(self._entries)
        for key, raw in values.items():
            entry = self._entries.get(str(key))
            if entry is None:
                known = ", ".join(self.keys())
                problems.append(
                    PolicyError(
                        origin,
                        str(key),
                        raw,
                        f"unknown parameter for country {self._country} (known: {known})",
                    )
                )
                continue
            definition = entry.definition
            if check_bounds and not definition.overridable:
                reference = entry.national[-1].reference if entry.national else definition.source
                problems.append(
                    PolicyError(
                        origin, definition.key, raw, f"fixed by law ({reference}); it cannot be overridden"
                    )
                )
                continue
            try:
                new, labels = _override_versions(definition, raw, origin)
            except PolicyError as error:
                problems.append(error)
                continue
            merged = tuple(v for v in entry.versions if v.valid_from < new[0].valid_from) + new
            updated = replace(entry, versions=merged)
            if check_bounds:
                problems.extend(_bound_problems(updated, new, labels, origin))
            entries[definition.key] = updated
        if problems:
            raise PolicyError.collect(problems)
        return Policy(self._country, self._organism, entries)


# -- reading values ----------------------------------------------------------------
def _day(raw: object, origin: str, key: str) -> date:
    if isinstance(raw, datetime):
        raise PolicyError(origin, key, raw, "expected a date YYYY-MM-DD, not a timestamp")
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise PolicyError(origin, key, raw, "expected a date YYYY-MM-DD")


def _typed_value(definition: ParameterDefinition, raw: object, origin: str, where: str) -> Any:
    try:
        return schema.convert(definition.spec, raw)
    except Invalid as invalid:
        return_key = f"{where}{invalid.path}"
        raise PolicyError(origin, return_key, invalid.value, invalid.reason) from None


def _is_dated(raw: object) -> bool:
    return (
        isinstance(raw, list)
        and bool(raw)
        and any(isinstance(item, Mapping) and "from" in item for item in raw)
    )


def _is_plain(raw: object) -> bool:
    return not _is_dated(raw)


_DATED_FIELDS: Final = frozenset({"from", "value", "reference", "unverified"})


def _override_versions(
    definition: ParameterDefinition, raw: object, origin: str
) -> tuple[tuple[ParameterVersion, ...], dict[int, str]]:
    """The versions of an override, oldest first, and for each (by id) its place as written."""
    key = definition.key
    if _is_plain(raw):
        value = _typed_value(definition, raw, origin, key)
        plain = ParameterVersion(key, ALWAYS, value, raw, "", origin, False)
        return (plain,), {id(plain): key}
    assert isinstance(raw, list)
    problems: list[PolicyError] = []
    versions: list[ParameterVersion] = []
    labels: dict[int, str] = {}
    for index, item in enumerate(raw):
        where = f"{key}[{index}]"
        if not isinstance(item, Mapping) or "from" not in item or "value" not in item:
            problems.append(PolicyError(origin, where, item, "expected {from: DATE, value: ...}"))
            continue
        unknown = sorted(str(name) for name in set(item) - _DATED_FIELDS)
        if unknown:
            problems.append(PolicyError(origin, where, item, f"unknown field(s) {', '.join(unknown)}"))
            continue
        reference = item.get("reference", "")
        unverified = item.get("unverified", False)
        try:
            valid_from = _day(item["from"], origin, f"{where}.from")
            value = _typed_value(definition, item["value"], origin, f"{where}.value")
            if not isinstance(reference, str):
                raise PolicyError(origin, f"{where}.reference", reference, "expected text")
            if not isinstance(unverified, bool):
                raise PolicyError(origin, f"{where}.unverified", unverified, "expected true or false")
        except PolicyError as error:
            problems.append(error)
            continue
        version = ParameterVersion(key, valid_from, value, item["value"], reference, origin, unverified)
        versions.append(version)
        labels[id(version)] = f"{where}.value"
    seen: set[date] = set()
    for version in versions:
        if version.valid_from in seen:
            where = labels[id(version)].removesuffix(".value")
            problems.append(
                PolicyError(origin, f"{where}.from", version.valid_from, "the same date appears twice")
            )
        seen.add(version.valid_from)
    if problems:
        raise PolicyError.collect(problems)
    return tuple(sorted(versions, key=lambda version: version.valid_from)), labels


def _bound_problems(
    entry: _Entry, new: tuple[ParameterVersion, ...], labels: Mapping[int, str], origin: str
) -> list[PolicyError]:
    """Problems of the ``new`` versions (already merged into ``entry``) with the bounds."""
    definition = entry.definition
    checks: list[tuple[object, Callable[[Any, Any], bool], str]] = [
        (definition.minimum, operator.lt, "below"),
        (definition.maximum, operator.gt, "above"),
    ]
    problems: list[PolicyError] = []
    first = new[0].valid_from
    for bound, beyond, word in checks:
        if bound is None:
            continue
        reported: set[int] = set()
        if bound == NATIONAL:
            days = sorted(
                {v.valid_from for v in new} | {v.valid_from for v in entry.national if v.valid_from >= first}
            )
            for day in days:
                mine = entry.at(day)
                national = _version_at(entry.national, day)
                if mine is None or national is None or id(mine) in reported or id(mine) not in labels:
                    continue
                if beyond(mine.value, national.value):
                    reported.add(id(mine))
                    shown = format_value(definition.unit, national.value)
                    problems.append(
                        PolicyError(
                            origin,
                            labels[id(mine)],
                            mine.raw,
                            f"{word} the national value {shown} in force on {day.isoformat()}"
                            f" ({national.reference}); an organism may {_allowed(word)}",
                        )
                    )
        else:
            for version in new:
                if beyond(version.value, bound):
                    shown = format_value(definition.unit, bound)
                    problems.append(
                        PolicyError(origin, labels[id(version)], version.raw, f"{word} the limit {shown}")
                    )
    return problems


def _allowed(word: str) -> str:
    return "raise it, never lower it" if word == "below" else "lower it, never raise it"


# -- parameter files ---------------------------------------------------------------
_FILE_REQUIRED: Final = frozenset({"description", "unit", "values"})
_FILE_OPTIONAL: Final = frozenset({"documentation", "kind", "items", "keys", "overridable", "bounds"})
_VERSION_FIELDS: Final = frozenset({"value", "reference", "unverified", "confidence"})


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (PyYAML keeps the last silently)."""


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, list | dict):
            continue
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error or a duplicate key raises PolicyError naming ``source``."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise PolicyError(source, "", reason=f"not valid YAML: {error}") from None


def _name_domain(raw: object, source: str, key: str, field_name: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or raw not in schema.NAME_DOMAINS:
        allowed = ", ".join(sorted(schema.NAME_DOMAINS))
        raise PolicyError(source, f"{key}.{field_name}", raw, f"expected one of {allowed}")
    return raw


def _parse_definition(data: Mapping[str, Any], source: str, key: str) -> ParameterDefinition:
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise PolicyError(source, f"{key}.description", description, "a description is required")
    try:
        unit = Unit(str(data.get("unit")))
    except ValueError:
        allowed = ", ".join(unit.value for unit in Unit)
        raise PolicyError(source, f"{key}.unit", data.get("unit"), f"expected one of {allowed}") from None
    kind: ScaleKind | None = None
    if unit is Unit.SCALE or "kind" in data:
        try:
            kind = ScaleKind(str(data.get("kind")))
        except ValueError:
            allowed = ", ".join(kind.value for kind in ScaleKind)
            raise PolicyError(
                source, f"{key}.kind", data.get("kind"), f"a scale needs a kind: {allowed}"
            ) from None
    spec = ValueSpec(
        unit=unit,
        kind=kind,
        items=_name_domain(data.get("items"), source, key, "items"),
        keys=_name_domain(data.get("keys"), source, key, "keys"),
    )
    overridable = data.get("overridable", True)
    if not isinstance(overridable, bool):
        raise PolicyError(source, f"{key}.overridable", overridable, "expected true or false")
    documentation = data.get("documentation", "")
    if not isinstance(documentation, str):
        raise PolicyError(source, f"{key}.documentation", documentation, "expected text")
    bounds = data.get("bounds") or {}
    if not isinstance(bounds, Mapping) or set(bounds) - {"min", "max"}:
        raise PolicyError(source, f"{key}.bounds", bounds, "expected {min: ..., max: ...}")
    if bounds and unit not in ORDERED_UNITS:
        raise PolicyError(source, f"{key}.bounds", bounds, f"a {unit.value} parameter cannot be bounded")
    limits: dict[str, object] = {}
    for name in ("min", "max"):
        raw = bounds.get(name)
        if raw is None or raw == NATIONAL:
            limits[name] = raw
            continue
        try:
            limits[name] = schema.convert(spec, raw)
        except Invalid as invalid:
            raise PolicyError(source, f"{key}.bounds.{name}", raw, invalid.reason) from None
    return ParameterDefinition(
        key=key,
        description=description.strip(),
        spec=spec,
        source=source,
        overridable=overridable,
        minimum=limits["min"],
        maximum=limits["max"],
        documentation=documentation.strip(),
    )


def parse_parameter_file(text: str, source: str, key: str, origin: str) -> _Entry:
    """Read one parameter file; every problem found is reported (PolicyError)."""
    if not _KEY.match(key):
        raise PolicyError(
            source, key, reason="a parameter file is named <key>.yaml, key like 'recovery.min_amount'"
        )
    data = load_yaml(text, source)
    if not isinstance(data, Mapping):
        raise PolicyError(source, "", data, "a parameter file is a mapping with description, unit, values")
    missing = sorted(_FILE_REQUIRED - set(data))
    unknown = sorted(str(name) for name in set(data) - _FILE_REQUIRED - _FILE_OPTIONAL)
    if missing or unknown:
        reason = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown field(s) {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        raise PolicyError(source, key, reason=reason)
    definition = _parse_definition(data, source, key)
    raw_values = data["values"]
    if not isinstance(raw_values, Mapping) or not raw_values:
        raise PolicyError(
            source, f"{key}.values", raw_values, "expected {DATE: {value, reference, unverified}}"
        )
    problems: list[PolicyError] = []
    versions: list[ParameterVersion] = []
    for raw_day, item in raw_values.items():
        where = f"{key}.values[{_show(raw_day)}]"
        try:
            day = _day(raw_day, source, where)
            if not isinstance(item, Mapping) or "value" not in item:
                raise PolicyError(source, where, item, "expected {value, reference, unverified}")
            unknown_fields = sorted(str(name) for name in set(item) - _VERSION_FIELDS)
            if unknown_fields:
                raise PolicyError(source, where, item, f"unknown field(s) {', '.join(unknown_fields)}")
            reference = item.get("reference")
            if not isinstance(reference, str) or not reference.strip():
                raise PolicyError(
                    source, f"{where}.reference", reference, "a national value needs its reference"
                )
            unverified = item.get("unverified", False)
            if not isinstance(unverified, bool):
                raise PolicyError(source, f"{where}.unverified", unverified, "expected true or false")
            confidence = item.get("confidence", "")
            if confidence != "" and confidence not in CONFIDENCES:
                raise PolicyError(source, f"{where}.confidence", confidence, "expected H, M or L")
            value = _typed_value(definition, item["value"], source, f"{where}.value")
        except PolicyError as error:
            problems.append(error)
            continue
        versions.append(
            ParameterVersion(
                key, day, value, item["value"], reference.strip(), origin, unverified, str(confidence)
            )
        )
    versions.sort(key=lambda version: version.valid_from)
    bounds: list[tuple[str, Any, Callable[[Any, Any], bool]]] = [
        ("min", definition.minimum, operator.lt),
        ("max", definition.maximum, operator.gt),
    ]
    for name, bound, beyond in bounds:
        if bound is None or bound == NATIONAL:
            continue
        for version in versions:
            if beyond(version.value, bound):
                problems.append(
                    PolicyError(
                        source,
                        f"{key}.values[{version.valid_from.isoformat()}].value",
                        version.raw,
                        f"outside the file's own bounds ({name}: {format_value(definition.unit, bound)})",
                    )
                )
    if problems:
        raise PolicyError.collect(problems)
    national = tuple(versions)
    return _Entry(definition=definition, versions=national, national=national)


def _parameter_files(root: Traversable) -> Iterable[tuple[str, str, Traversable]]:
    """(folder, key, file) for every ``<folder>/<key>.yaml`` under ``root``."""
    for folder in sorted(root.iterdir(), key=lambda item: item.name):
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        for item in sorted(folder.iterdir(), key=lambda item: item.name):
            if item.is_file() and item.name.endswith(".yaml"):
                yield folder.name, item.name.removesuffix(".yaml"), item


def load_parameters(root: Traversable, label: str) -> dict[str, dict[str, _Entry]]:
    """Load and validate every parameter file under ``root``: {country: {key: entry}}.

    ``label`` prefixes file names in messages. All broken files are reported at once.
    """
    problems: list[PolicyError] = []
    folders: dict[str, dict[str, _Entry]] = {}
    for folder, key, item in _parameter_files(root):
        source = f"{label}/{folder}/{item.name}"
        if folder != COMMON and folder not in {country.value for country in Country}:
            problems.append(
                PolicyError(source, "", folder, "a folder is 'common' or a country code (FR, MA)")
            )
            continue
        try:
            entry = parse_parameter_file(item.read_text(encoding="utf-8"), source, key, origin="")
        except PolicyError as error:
            problems.append(error)
            continue
        folders.setdefault(folder, {})[key] = entry
    if problems:
        raise PolicyError.collect(problems)
    result: dict[str, dict[str, _Entry]] = {}
    for country in Country:
        origin = f"{NATIONAL} {country.value}"
        merged = {**folders.get(COMMON, {}), **folders.get(country.value, {})}
        result[country.value] = {
            key: _Entry(
                definition=entry.definition,
                versions=(stamped := tuple(replace(v, origin=origin) for v in entry.versions)),
                national=stamped,
            )
            for key, entry in merged.items()
        }
    return result


@functools.cache
def _national_entries() -> dict[str, dict[str, _Entry]]:
    root = resources.files("recouvre.policy").joinpath("parameters")
    return load_parameters(root, "recouvre/policy/parameters")


def _country(country: str) -> str:
    code = str(country).strip().upper()
    if code not in {item.value for item in Country}:
        allowed = ", ".join(item.value for item in Country)
        raise PolicyError("policy", "country", country, f"expected one of {allowed}")
    return code


@functools.cache
def national(country: str) -> Policy:
    """The national policy of ``country`` (FR, MA) from the packaged parameter files."""
    code = _country(country)
    return Policy(code, None, _national_entries()[code])


# -- organism overrides -------------------------------------------------------------
@dataclass(frozen=True)
class OrganismOverride:
    """An organism's override file: ``{organism, country, parameters: {key: value}}``."""

    organism: str
    country: str
    parameters: Mapping[str, Any]
    path: Path

    @property
    def origin(self) -> str:
        return f"organism {self.organism} ({self.path})"


def organism_file(overrides_dir: Path | None, organism: str) -> Path | None:
    """``<overrides_dir>/<organism>.yaml`` if it exists."""
    if overrides_dir is None:
        return None
    path = Path(overrides_dir) / f"{organism}.yaml"
    return path if path.is_file() else None


def read_override(path: Path) -> OrganismOverride:
    """Read (not apply) an organism's override file; PolicyError names the file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(source, "", reason=f"cannot read: {error.strerror or error}") from None
    data = load_yaml(text, source)
    if not isinstance(data, Mapping):
        raise PolicyError(source, "", data, "expected {organism: CODE, country: FR, parameters: {...}}")
    unknown = sorted(str(name) for name in set(data) - {"organism", "country", "parameters", "description"})
    if unknown:
        raise PolicyError(source, "", reason=f"unknown field(s) {', '.join(unknown)}")
    organism = data.get("organism")
    if not isinstance(organism, str) or not organism.strip():
        raise PolicyError(source, "organism", organism, "the organism code is required")
    country = data.get("country")
    try:
        code = _country(country if isinstance(country, str) else str(country))
    except PolicyError:
        raise PolicyError(source, "country", country, "expected FR or MA") from None
    parameters = data.get("parameters") or {}
    if not isinstance(parameters, Mapping):
        raise PolicyError(
            source, "parameters", parameters, "expected {key: value or [{from, value, reference}]}"
        )
    return OrganismOverride(organism=organism.strip(), country=code, parameters=parameters, path=path)


def for_organism(country: str, organism: str, overrides_dir: Path | None) -> Policy:
    """The national policy of ``country`` with ``<overrides_dir>/<organism>.yaml`` applied
    (bounds checked); the national policy itself when there is no such file."""
    base = national(country).with_organism(organism)
    path = organism_file(overrides_dir, organism)
    if path is None:
        return base
    override = read_override(path)
    if override.organism != organism:
        raise PolicyError(
            str(path), "organism", override.organism, f"the file is named for organism {organism!r}"
        )
    if override.country != base.country:
        raise PolicyError(
            str(path),
            "country",
            override.country,
            f"organism {organism} was asked for country {base.country}",
        )
    return base.with_values(override.parameters, origin=override.origin, check_bounds=True)


def show_rows(policy: Policy, on: date) -> list[ParameterVersion]:
    """The version of every parameter in force on ``on``, sorted by key (keys with no value
    yet on that date are left out)."""
    rows: list[ParameterVersion] = []
    for key in policy:
        try:
            rows.append(policy.version(key, on))
        except PolicyError:
            continue
    return rows
