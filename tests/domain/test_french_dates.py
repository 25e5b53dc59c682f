"""French dates in sentences (issue 13): « 5 mars 2027 », « 1er mai 2026 »."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.french import MONTHS, long_date, month_name


def test_examples() -> None:
    assert long_date(date(2027, 3, 5)) == "5 mars 2027"
    assert long_date(date(2026, 5, 1)) == "1er mai 2026"
    assert long_date(date(2026, 12, 31)) == "31 décembre 2026"
    assert month_name(date(2026, 8, 1)) == "août 2026"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_every_date_reads_day_month_year(day: date) -> None:
    number, month, year = long_date(day).split(" ")
    assert MONTHS.index(month) == day.month - 1
    assert int(year) == day.year
    assert number == ("1er" if day.day == 1 else str(day.day))
