"""Reading a scenario file (SCENARIOS.md) into checked, typed facts.

``parse(text)`` returns a ``Scenario`` or raises ``Invalid`` carrying every
``FormatError`` found, each with the path of the faulty field
(``timeline[2].payment.amount: '12.345' a plus de deux décimales``).

Checked here, before anything is replayed: the shape of every part (unknown keys
are errors), amounts (exact, at most two decimals), dates, identifiers (NIR,
SIREN), unique local ids, references to defined debtors and claims, the policy
block (against the project's parameter definitions), and which events and checks
this version supports (``events.EVENTS``, ``checks.CHECKS``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, Field, TypeAdapter

from recouvre import policy as policies
from recouvre.domain import identifiers
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    DomainError,
    Organism,
    Responsibility,
    UndueLine,
)
from recouvre.scenario.agencies import AGENCIES, AgencyDef
from recouvre.scenario.checks import CHECKS
from recouvre.scenario.checks_base import KNOWN_CHECKS
from recouvre.scenario.context import Step
from recouvre.scenario.events import EVENTS
from recouvre.scenario.events_base import KNOWN_EVENTS
from recouvre.scenario.fields import (
    Amount,
    FormatError,
    Invalid,
    IsoDate,
    LocalId,
    PositiveAmount,
    Strict,
    join,
    one_of,
    read_model,
    read_value,
)

ALWAYS = date.min
"""``valid_from`` of a plain ``prp_quotient`` (valid for all dates)."""


def _text(value: object) -> object:
    """Identifiers may be written as YAML numbers; read them as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Identifier = Annotated[str, BeforeValidator(_text)]


class OrganismDef(Strict):
    code: str = "CAF-TEST"
    country: Country = Country.FR


class DebtorDef(Strict):
    id: LocalId
    kind: DebtorKind = DebtorKind.PERSON
    nir: Identifier | None = None
    siren: Identifier | None = None
    prp_quotient: Any = None


class DatedAmount(Strict):
    valid_from: IsoDate = Field(alias="from")
    value: Amount


class LineDef(Strict):
    paid_on: IsoDate
    amount: PositiveAmount


class ClaimDef(Strict):
    id: LocalId
    debtor: LocalId
    benefit: Benefit
    creditor: Creditor = Creditor.OWN
    responsibility: Responsibility = Responsibility.DEBTOR_ERROR
    lines: list[LineDef] = Field(min_length=1)
    notified_on: IsoDate | None = None
    established_on: IsoDate | None = None
    detected_on: IsoDate | None = None


class Document(Strict):
    """The top level; each section is read on its own so that one bad section hides no other."""

    scenario: str = Field(min_length=1)
    organism: Any = None
    policy: Any = None
    debtors: Any = None
    claims: Any = None
    timeline: Any = None
    expect: Any = None
    agencies: Any = None


_ORGANISM = TypeAdapter(OrganismDef)
_POLICY: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
_LIST: TypeAdapter[list[Any]] = TypeAdapter(list[Any])


def _section(raw: object, path: str, errors: list[FormatError], *, required: bool = False) -> list[Any]:
    """A list section (``debtors``, ``claims``, ``timeline``, ``expect``); absent: empty."""
    if raw is None:
        if required:
            errors.append(FormatError(path, "required (a non-empty list)"))
        return []
    items = read_value(_LIST, raw, path, errors) or []
    if required and not items and isinstance(raw, list):
        errors.append(FormatError(path, "at least one item is required"))
    return items


@dataclass(frozen=True)
class Check:
    key: str
    value: object


@dataclass(frozen=True)
class Expectation:
    """``expect[index]``: checks on the state at the end of ``on`` (``None``: at the end)."""

    index: int
    on: date | None
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Scenario:
    title: str
    organism: Organism
    policy: Mapping[str, Any]
    debtors: tuple[Debtor, ...]
    claims: tuple[Claim, ...]
    timeline: tuple[Step, ...]
    expectations: tuple[Expectation, ...]
    agencies: tuple[AgencyDef, ...] = ()

    def last_date(self) -> date:
        """The latest date of the file: what ``at_end: true`` means."""
        dates = [step.on for step in self.timeline]
        dates += [expectation.on for expectation in self.expectations if expectation.on is not None]
        for claim in self.claims:
            dates.append(claim.established_on)
            if claim.notified_on is not None:
                dates.append(claim.notified_on)
        return max(dates, default=ALWAYS)


# -- YAML --------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses a key given twice in a mapping (the second would win silently)."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            continue  # unhashable: construct_mapping reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in the same mapping", key_node.start_mark
            )
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: str) -> object:
    """The document of ``text``; raises ``Invalid`` on a YAML syntax error."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise Invalid([FormatError("", f"not valid YAML: {problem}{where}")]) from None


# -- parsing -----------------------------------------------------------------------


def parse(text: str) -> Scenario:
    """Read and check a scenario file's text; raises ``Invalid`` with every problem found."""
    return parse_document(load_yaml(text))


def parse_document(raw: object) -> Scenario:
    if not isinstance(raw, dict):
        raise Invalid(
            [FormatError("", "expected a mapping with scenario, debtors, claims, timeline and expect")]
        )
    errors: list[FormatError] = []
    _hint_on(raw, "", errors)
    raw = {key: value for key, value in raw.items() if not isinstance(key, bool)}
    document = read_model(Document, raw, "", errors)
    if document is None:
        # Read what can be read to report every problem at once.
        document = Document.model_construct(
            scenario="", **{name: raw.get(name) for name in Document.model_fields if name != "scenario"}
        )
    organism_definition = (
        OrganismDef()
        if document.organism is None
        else read_value(_ORGANISM, document.organism, "organism", errors)
    )
    organism = None if organism_definition is None else _organism(organism_definition, errors)
    policy = {} if document.policy is None else read_value(_POLICY, document.policy, "policy", errors) or {}
    if organism is not None:
        _check_policy(organism, policy, errors)
    # Ids of entries that are invalid otherwise still count as defined: no cascade of errors.
    debtor_paths: dict[str, str] = {}
    claim_paths: dict[str, str] = {}
    debtors = _debtors(_section(document.debtors, "debtors", errors), debtor_paths, errors)
    claims = _claims(
        _section(document.claims, "claims", errors), organism.code if organism else "", claim_paths, errors
    )
    debtor_ids = set(debtor_paths)
    claim_ids = set(claim_paths)
    for claim, path in claims:
        if claim.debtor_ref not in debtor_ids:
            errors.append(FormatError(join(path, "debtor"), f"no debtor {claim.debtor_ref!r} in debtors"))
    ids = {"claim": claim_ids, "debtor": debtor_ids}
    timeline = _timeline(_section(document.timeline, "timeline", errors), ids, errors)
    expectations = _expectations(_section(document.expect, "expect", errors, required=True), ids, errors)
    agencies = _agencies(document.agencies, errors)
    if errors or organism is None:
        raise Invalid(errors)
    return Scenario(
        title=document.scenario,
        organism=organism,
        policy=policy,
        debtors=tuple(debtors),
        claims=tuple(claim for claim, _ in claims),
        timeline=tuple(timeline),
        expectations=tuple(expectations),
        agencies=tuple(agencies),
    )


def _hint_on(raw: Mapping[Any, Any], path: str, errors: list[FormatError]) -> None:
    """YAML 1.1 reads a bare ``on`` (or ``yes``, ``no``...) as a boolean key."""
    if any(isinstance(key, bool) for key in raw):
        errors.append(
            FormatError(path, "a key was read as a boolean (write 'date', not 'on': YAML reads 'on' as true)")
        )


def _organism(definition: OrganismDef, errors: list[FormatError]) -> Organism | None:
    try:
        return Organism(code=definition.code, country=definition.country)
    except DomainError as error:
        errors.append(FormatError("organism.code", f"{error.value!r}: {error.reason}"))
        return None


def _check_policy(organism: Organism, values: Mapping[str, Any], errors: list[FormatError]) -> None:
    """The policy block must use the project's keys with valid values (bounds are not enforced)."""
    if not values:
        return
    try:
        policies.national(organism.country.value).with_values(values, origin="scenario", check_bounds=False)
    except policies.PolicyError as error:
        for problem in error.problems:
            # ``line`` is "origin: key: value: reason"; the path replaces origin and key.
            reason = problem.line.removeprefix(f"{problem.origin}: ")
            if problem.key:
                reason = reason.removeprefix(f"{problem.key}: ")
            errors.append(FormatError(join("policy", problem.key) if problem.key else "policy", reason))


def _unique(local_id: str, path: str, seen: dict[str, str], errors: list[FormatError]) -> bool:
    first = seen.get(local_id)
    if first is not None:
        errors.append(FormatError(join(path, "id"), f"{local_id!r} is already defined by {first}"))
        return False
    seen[local_id] = path
    return True


def _keep_id(item: object, path: str, seen: dict[str, str]) -> None:
    """The id of an invalid entry still counts as defined, so references to it raise no more errors."""
    local_id = item.get("id") if isinstance(item, dict) else None
    if isinstance(local_id, str | int) and not isinstance(local_id, bool):
        seen.setdefault(str(local_id), path)


_QUOTIENTS = TypeAdapter(list[DatedAmount])
_AMOUNT: TypeAdapter[int] = TypeAdapter(Amount)


def _quotients(raw: object, path: str, errors: list[FormatError]) -> tuple[DatedValue, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        cents = read_value(_AMOUNT, raw, path, errors)
        return () if cents is None else (DatedValue(ALWAYS, cents),)
    dated = read_value(_QUOTIENTS, raw, path, errors)
    if dated is None:
        return ()
    if not dated:
        errors.append(FormatError(path, "an empty list; give an amount or [{from, value}, ...]"))
    values: list[DatedValue] = []
    seen: set[date] = set()
    for index, item in enumerate(dated):
        if item.valid_from in seen:
            errors.append(
                FormatError(join(join(path, index), "from"), f"{item.valid_from.isoformat()} appears twice")
            )
        seen.add(item.valid_from)
        values.append(DatedValue(item.valid_from, item.value))
    return tuple(values)


def _identifier(kind: str, value: str, path: str, errors: list[FormatError]) -> str | None:
    try:
        return identifiers.VALIDATORS[kind](value)
    except DomainError as error:
        errors.append(FormatError(join(path, kind), error.reason))
        return None


def _debtors(raw: list[Any], seen: dict[str, str], errors: list[FormatError]) -> list[Debtor]:
    """The valid debtors; ``seen`` receives every id defined (valid or not) with its path."""
    debtors: list[Debtor] = []
    for index, item in enumerate(raw):
        path = join("debtors", index)
        definition = read_model(DebtorDef, item, path, errors)
        if definition is None:
            _keep_id(item, path, seen)
            continue
        if not _unique(definition.id, path, seen, errors):
            continue
        before = len(errors)
        nir = siren = None
        if definition.nir is not None:
            if definition.kind is DebtorKind.LEGAL:
                errors.append(FormatError(join(path, "nir"), "a legal person has no NIR"))
            else:
                nir = _identifier("nir", definition.nir, path, errors)
        if definition.siren is not None:
            if definition.kind is DebtorKind.PERSON:
                errors.append(FormatError(join(path, "siren"), "a natural person has no SIREN"))
            else:
                siren = _identifier("siren", definition.siren, path, errors)
        quotients = _quotients(definition.prp_quotient, join(path, "prp_quotient"), errors)
        if len(errors) > before:
            continue
        try:
            debtors.append(
                Debtor(
                    ref=definition.id,
                    organism="",
                    kind=definition.kind,
                    nir=nir,
                    siren=siren,
                    prp_quotients=quotients,
                )
            )
        except DomainError as error:
            errors.append(FormatError(join(path, error.field.removeprefix("debtor.")), error.reason))
    return debtors


def _claims(
    raw: list[Any], organism: str, seen: dict[str, str], errors: list[FormatError]
) -> list[tuple[Claim, str]]:
    """The valid claims with their paths; ``seen`` receives every id defined (valid or not)."""
    claims: list[tuple[Claim, str]] = []
    for index, item in enumerate(raw):
        path = join("claims", index)
        definition = read_model(ClaimDef, item, path, errors)
        if definition is None:
            _keep_id(item, path, seen)
            continue
        if not _unique(definition.id, path, seen, errors):
            continue
        child_death = definition.responsibility is Responsibility.CHILD_DEATH
        if definition.notified_on is None and not child_death:
            errors.append(FormatError(join(path, "notified_on"), "required (except for a child_death claim)"))
            continue
        if definition.established_on is None and child_death:
            errors.append(FormatError(join(path, "established_on"), "required for a child_death claim"))
            continue
        established_on = definition.established_on or definition.notified_on
        assert established_on is not None
        try:
            claim = Claim(
                ref=definition.id,
                organism=organism,
                debtor_ref=definition.debtor,
                benefit=definition.benefit,
                creditor=definition.creditor,
                responsibility=definition.responsibility,
                lines=tuple(UndueLine(line.paid_on, line.amount) for line in definition.lines),
                established_on=established_on,
                notified_on=definition.notified_on,
                detected_on=definition.detected_on or definition.notified_on or established_on,
            )
        except DomainError as error:
            field = error.field.removeprefix("claim.").removeprefix("line.")
            errors.append(FormatError(join(path, field), f"{error.value!s}: {error.reason}"))
            continue
        claims.append((claim, path))
    return claims


_DATE: TypeAdapter[date] = TypeAdapter(IsoDate)


def _date(raw: Mapping[Any, Any], path: str, errors: list[FormatError]) -> date | None:
    if "date" not in raw:
        errors.append(FormatError(join(path, "date"), "required"))
        return None
    return read_value(_DATE, raw["date"], join(path, "date"), errors)


def references(value: object, path: str) -> Iterator[tuple[str, str, str]]:
    """``(path, kind, id)`` for every field named ``claim`` or ``debtor`` inside ``value``."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            field_value = getattr(value, name)
            field_path = join(path, name)
            if name in ("claim", "debtor") and isinstance(field_value, str):
                yield field_path, name, field_value
            else:
                yield from references(field_value, field_path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from references(item, join(path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from references(item, join(path, str(key)))


def _check_references(
    found: Iterator[tuple[str, str, str]], ids: Mapping[str, set[str]], errors: list[FormatError]
) -> None:
    for path, kind, local_id in found:
        if local_id not in ids[kind]:
            section = "claims" if kind == "claim" else "debtors"
            errors.append(FormatError(path, f"no {kind} {local_id!r} in {section}"))


def _timeline(raw: list[Any], ids: Mapping[str, set[str]], errors: list[FormatError]) -> list[Step]:
    steps: list[Step] = []
    for index, item in enumerate(raw):
        path = join("timeline", index)
        if not isinstance(item, dict):
            errors.append(FormatError(path, "expected a mapping: {date: DATE, EVENT: ...}"))
            continue
        _hint_on(item, path, errors)
        on = _date(item, path, errors)
        keys = [key for key in item if key != "date" and not isinstance(key, bool)]
        unknown = [key for key in keys if key not in KNOWN_EVENTS]
        for key in unknown:
            errors.append(
                FormatError(join(path, str(key)), f"unknown event (one of: {one_of(KNOWN_EVENTS)})")
            )
        if unknown:
            continue
        if not keys:
            errors.append(FormatError(path, f"no event (one of: {one_of(KNOWN_EVENTS)})"))
            continue
        if len(keys) > 1:
            errors.append(FormatError(path, f"several events ({', '.join(keys)}); exactly one per item"))
            continue
        key = keys[0]
        spec = EVENTS.get(key)
        if spec is None:
            errors.append(FormatError(join(path, key), "event not supported yet"))
            continue
        value = read_value(spec.value, item[key], join(path, key), errors)
        if value is None:
            continue
        _check_references(references(value, join(path, key)), ids, errors)
        if on is not None:
            steps.append(Step(index=index, on=on, key=key, value=value))
    return steps


def _expectations(
    raw: list[Any], ids: Mapping[str, set[str]], errors: list[FormatError]
) -> list[Expectation]:
    expectations: list[Expectation] = []
    for index, item in enumerate(raw):
        path = join("expect", index)
        if not isinstance(item, dict):
            errors.append(FormatError(path, "expected a mapping: {date: DATE or at_end: true, CHECK: ...}"))
            continue
        _hint_on(item, path, errors)
        before = len(errors)
        on: date | None = None
        if "at_end" in item:
            if item["at_end"] is not True:
                errors.append(FormatError(join(path, "at_end"), f"{item['at_end']!r}: must be true"))
            if "date" in item:
                errors.append(FormatError(path, "give either date or at_end, not both"))
        else:
            on = _date(item, path, errors)
        keys = [key for key in item if key not in ("date", "at_end") and not isinstance(key, bool)]
        if not keys:
            errors.append(FormatError(path, f"no check (one of: {one_of(KNOWN_CHECKS)})"))
        checks: list[Check] = []
        for key in keys:
            key_path = join(path, str(key))
            if key not in KNOWN_CHECKS:
                errors.append(FormatError(key_path, f"unknown check (one of: {one_of(KNOWN_CHECKS)})"))
                continue
            spec = CHECKS.get(key)
            if spec is None:
                errors.append(FormatError(key_path, "check not supported yet"))
                continue
            count = len(errors)
            value = read_value(spec.value, item[key], key_path, errors)
            if len(errors) > count:
                continue
            if spec.keys is not None and isinstance(value, dict):
                kind = spec.keys
                _check_references(
                    ((join(key_path, str(name)), kind, str(name)) for name in value), ids, errors
                )
            _check_references(references(value, key_path), ids, errors)
            checks.append(Check(key, value))
        if len(errors) == before:
            expectations.append(Expectation(index=index, on=on, checks=tuple(checks)))
    return expectations


def _agencies(raw: object, errors: list[FormatError]) -> list[AgencyDef]:
    """The top-level ``agencies`` (each id once). An event or a check may still name an agency
    the file does not define: the rules then refuse what it asks (it holds no file, earns no
    commission), as they would for an agency without a contract."""
    agencies = [] if raw is None else read_value(AGENCIES, raw, "agencies", errors) or []
    seen: dict[str, str] = {}
    for index, agency in enumerate(agencies):
        _unique(agency.id, join("agencies", index), seen, errors)
    return agencies
