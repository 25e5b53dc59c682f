"""The calendar range Recouvre supports, checked at every edge (API, pages, imports, scenario files).

Dates outside ``FIRST_DAY`` … ``LAST_DAY`` are refused with a clear error where they enter, so that
no date arithmetic further in (``relativedelta``, ``timedelta``, ``add_months``: a prescription
period, an appeal deadline, a schedule of monthly due dates) can overflow ``date.min`` or
``date.max`` and answer a 500. The range starts with the French social security (1946) and ends
well after any schedule or prescription period that starts today (2199).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from recouvre.domain.errors import DomainError

FIRST_DAY: Final = date(1946, 1, 1)
LAST_DAY: Final = date(2199, 12, 31)
RANGE_REASON: Final = "date hors de la plage prise en charge (1946-01-01 à 2199-12-31)"


def supported(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def check_day(day: date, field: str = "date") -> date:
    """``day`` itself, or a ``DomainError`` naming the field when it is outside the supported range."""
    if not supported(day):
        raise DomainError(field, day.isoformat(), RANGE_REASON)
    return day
