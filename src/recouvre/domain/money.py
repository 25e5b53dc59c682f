"""Exact money: integer cents everywhere; Decimal only at the edges.

Amounts enter as strings or numbers in euros (or dirhams) with at most two
decimals and leave formatted with two decimals. A computed amount (a rate times
an amount) is rounded once, to the cent, half up (SCENARIOS.md).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from recouvre.domain.errors import AmountError as AmountError  # re-exported

Cents = int

_CENT = Decimal("0.01")
MAX_CENTS = 10**14
"""A thousand billion euros (exclusive): far above any claim, far below a BIGINT. The largest
amount is ``999 999 999 999.99``."""

MAX_AMOUNT_TEXT = 32
"""Characters an amount may have (spaces included), checked before anything else is done with
it: a form field or a CSV cell of a million digits is refused without being converted."""

_THOUSANDS = " \u00a0\u202f"  # space, no-break space, narrow no-break space
_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)(?P<units>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:[.,](?P<decimals>[0-9]+))?"
)
"""The only amount syntax: an optional sign, digits (spaces may separate thousands: ``1 204``), and
optionally one decimal separator, ``.`` or ``,``, followed by decimals. No exponent (``1e5``), no
underscore (``1_000``), no ``inf``/``nan``, no leading or trailing separator."""


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else repr(value[:MAX_AMOUNT_TEXT])
    if isinstance(value, str) and len(value) > MAX_AMOUNT_TEXT:
        text = text[:-1] + "…" + text[-1]
    return text


def parse_amount(value: object, *, field: str = "amount", allow_negative: bool = False) -> Cents:
    """Parse euros (or dirhams) into integer cents: THE amount parser of every edge (API, pages,
    imports, scenario files, CLI options, policy files).

    Text must match ``_AMOUNT`` and have at most ``MAX_AMOUNT_TEXT`` characters: at most two
    decimals, a sign only when ``allow_negative`` (``-``; ``+`` is accepted there too), and an
    absolute value below ``MAX_CENTS``. An ``int`` or ``Decimal`` is checked the same way without
    going through a long text. Floats are refused unless they are exactly a short decimal (YAML
    reads ``120.5`` as a float; ``repr`` gives its shortest decimal text, parsed as text). The
    error names the field and the value (truncated).
    """
    if isinstance(value, bool) or value is None:
        raise AmountError(f"{field}: {_shown(value)} n'est pas un montant")
    if isinstance(value, int):
        cents = value * 100 if abs(value) < MAX_CENTS else MAX_CENTS
        return _checked(cents, value, field, allow_negative)
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value) >= Decimal(MAX_CENTS) / 100:
            raise AmountError(f"{field}: {_shown(value)} est hors limites")
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or (exponent < -2 and value != value.quantize(_CENT)):
            raise AmountError(f"{field}: {_shown(value)} a plus de deux décimales")
        return _checked(int(value * 100), value, field, allow_negative)
    text = repr(value) if isinstance(value, float) else value if isinstance(value, str) else None
    if text is None:
        raise AmountError(f"{field}: {_shown(value)} n'est pas un montant")
    if len(text) > MAX_AMOUNT_TEXT:
        raise AmountError(f"{field}: {_shown(value)} n'est pas un montant (trop long)")
    match = _AMOUNT.fullmatch(text.strip())
    if match is None:
        raise AmountError(f"{field}: {_shown(value)} n'est pas un montant")
    decimals = match["decimals"] or ""
    if len(decimals) > 2:
        raise AmountError(f"{field}: {_shown(value)} a plus de deux décimales")
    if match["sign"] and not allow_negative:
        raise AmountError(
            f"{field}: {_shown(value)} est négatif"
            if match["sign"] == "-"
            else f"{field}: {_shown(value)} n'est pas un montant"
        )
    units = match["units"]
    for separator in _THOUSANDS:
        units = units.replace(separator, "")
    if len(units.lstrip("0")) > len(str(MAX_CENTS // 100)):
        raise AmountError(f"{field}: {_shown(value)} est hors limites")
    cents = int(units) * 100 + int(decimals.ljust(2, "0"))
    return _checked(-cents if match["sign"] == "-" else cents, value, field, allow_negative)


def _checked(cents: Cents, value: object, field: str, allow_negative: bool) -> Cents:
    if abs(cents) >= MAX_CENTS:
        raise AmountError(f"{field}: {_shown(value)} est hors limites")
    if cents < 0 and not allow_negative:
        raise AmountError(f"{field}: {_shown(value)} est négatif")
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
