"""Field types shared by the scenario models, and the translation of pydantic errors.

Every value of a scenario file is checked by a pydantic v2 model that forbids
unknown keys (``Strict``). Errors become ``FormatError`` items whose ``path``
names the faulty field the way a reader finds it in the file:
``timeline[2].payment.amount``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError

from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.money import AmountError, Cents, parse_amount

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class FormatError:
    """A part of a file that does not follow SCENARIOS.md: where, and why."""

    path: str
    reason: str

    def describe(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class Invalid(ValueError):
    """Raised while reading a file; carries every ``FormatError`` found."""

    def __init__(self, errors: list[FormatError]) -> None:
        self.errors = errors
        super().__init__("; ".join(error.describe() for error in errors))


def join(path: str, part: str | int) -> str:
    """``join("timeline[2]", "payment")`` -> ``timeline[2].payment``; ints become ``[n]``."""
    if isinstance(part, bool):  # YAML 1.1 reads bare on/off/yes/no keys as booleans
        part = str(part).lower()
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _amount(value: object) -> Cents:
    """Euros (string or number, at most two decimals, exact) to cents."""
    try:
        return parse_amount(value, field="value")
    except AmountError as error:
        raise ValueError(str(error).removeprefix("value: ")) from None


def _positive_amount(value: object) -> Cents:
    cents = _amount(value)
    if cents == 0:
        raise ValueError(f"{value!r} must be more than zero")
    return cents


def _iso_date(value: object) -> date:
    """A date: YAML gives ``datetime.date`` for an unquoted ISO date; a string is read too."""
    if isinstance(value, datetime):
        raise ValueError(f"{value.isoformat()!r} is a date and time; write a date YYYY-MM-DD")
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a valid date") from None
    if isinstance(value, date):
        if not supported(value):
            raise ValueError(f"{value.isoformat()!r}: {RANGE_REASON}")
        return value
    raise ValueError(f"{value!r} is not a date YYYY-MM-DD")


def _iso_month(value: object) -> str:
    """A month ``YYYY-MM`` (kept as text)."""
    if isinstance(value, str):
        found = _ISO_MONTH.match(value.strip())
        if found and 1 <= int(found.group(2)) <= 12:
            return value.strip()
    raise ValueError(f"{value!r} is not a month YYYY-MM")


def _local_id(value: object) -> str:
    """A local id (debtor or claim): a short text without spaces; YAML numbers are read as text."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{value!r} is not an id")
    text = str(value)
    if not text or len(text) > 64 or any(character.isspace() for character in text):
        raise ValueError(f"{text!r} is not an id: 1 to 64 characters, no spaces")
    return text


Amount = Annotated[Cents, BeforeValidator(_amount)]
"""An amount in euros, read exactly into integer cents."""
PositiveAmount = Annotated[Cents, BeforeValidator(_positive_amount)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoMonth = Annotated[str, BeforeValidator(_iso_month)]
LocalId = Annotated[str, BeforeValidator(_local_id)]


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


def _reason(error: Any) -> str:
    kind = str(error.get("type", ""))
    message = str(error.get("msg", ""))
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind in {"value_error", "assertion_error"}:
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    text = message[:1].lower() + message[1:]
    if "input" in error:
        return f"{error['input']!r}: {text}"
    return text


def pydantic_errors(error: ValidationError, prefix: str) -> list[FormatError]:
    """The errors of a pydantic validation, each with its path under ``prefix``."""
    found: list[FormatError] = []
    for item in error.errors():
        path = prefix
        for part in item.get("loc", ()):
            path = join(path, part)
        found.append(FormatError(path, _reason(item)))
    return found


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def read_model(model: type[M], raw: object, path: str, errors: list[FormatError]) -> M | None:
    """Validate ``raw`` against ``model``; on failure append the errors under ``path``."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        errors.extend(pydantic_errors(error, path))
        return None


def read_value(adapter: TypeAdapter[T], raw: object, path: str, errors: list[FormatError]) -> T | None:
    """Validate ``raw`` with a type adapter; on failure append the errors under ``path``."""
    try:
        return adapter.validate_python(raw)
    except ValidationError as error:
        errors.extend(pydantic_errors(error, path))
        return None


def one_of(names: Iterable[str]) -> str:
    return ", ".join(sorted(names))
