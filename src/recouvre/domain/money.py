"""Exact money: integer cents everywhere; Decimal only at the edges.

Amounts enter as strings or numbers in euros (or dirhams) with at most two
decimals and leave formatted with two decimals. A computed amount (a rate times
an amount) is rounded once, to the cent, half up (SCENARIOS.md).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from recouvre.domain.errors import AmountError as AmountError  # re-exported

Cents = int

_CENT = Decimal("0.01")
MAX_CENTS = 10**14
"""A thousand billion euros: far above any claim, far below a BIGINT."""


def parse_amount(value: object, *, field: str = "amount", allow_negative: bool = False) -> Cents:
    """Parse euros given as a string, int or Decimal into integer cents.

    Floats are refused: a float has already lost exactness before we see it,
    except for YAML/CSV numbers that we receive as text.
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(f"{field}: {value!r} is not an amount")
    if isinstance(value, float):
        # YAML parses 120.5 as a float; repr() gives the shortest exact decimal text.
        text = repr(value)
    else:
        text = str(value).strip().replace("\u202f", "").replace(" ", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError(f"{field}: {value!r} is not an amount") from None
    if not amount.is_finite():
        raise AmountError(f"{field}: {value!r} is not an amount")
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        raise AmountError(f"{field}: {value!r} has more than two decimals")
    if amount < 0 and not allow_negative:
        raise AmountError(f"{field}: {value!r} is negative")
    cents = int(amount * 100)
    if abs(cents) >= MAX_CENTS:
        raise AmountError(f"{field}: {value!r} is out of range")
    return cents


def to_decimal(cents: Cents) -> Decimal:
    return (Decimal(cents) / 100).quantize(_CENT)


def format_amount(cents: Cents) -> str:
    """Two decimals, dot separator: the format of scenario files and exports."""
    return str(to_decimal(cents))


def format_eur(cents: Cents) -> str:
    """French display: 1 234,56 €."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d} €"


def format_money(cents: Cents, currency: str) -> str:
    """French display with the organism's currency (ISO 4217, policy ``currency``): ``€`` for
    ``EUR``, the code otherwise (1 234,56 MAD)."""
    text = format_eur(cents)
    return text if currency == "EUR" else text.replace("€", currency)


def round_cents(value: Decimal) -> Cents:
    """Round a computed amount expressed in cents to a whole cent, half up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(cents: Cents, rate_percent: Decimal | int | str) -> Cents:
    """``rate_percent`` % of ``cents``, rounded once to the cent, half up."""
    return round_cents(Decimal(cents) * Decimal(str(rate_percent)) / 100)
