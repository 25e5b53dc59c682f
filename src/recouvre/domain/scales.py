"""Scales: the PRP withholding scale and the remission matrix, as pure values and arithmetic.

The PRP scale (CSS D553-1; RULES.md §1.4, R-PRP-1) gives the monthly withholding on benefits
as a function of the monthly weighted resources (RMP)::

    monthly(rmp) = flat + Σ rate × (min(rmp, upper) − lower)   over the bands where rmp > lower

rounded once to the cent, half up (SCENARIOS.md). The remission matrix (R-REMISE-3) crosses
PRP quotient bands with the responsibility for the claim.

These are domain values: they import nothing of the project but other domain modules. The
numbers themselves are dated policy parameters (``withholding.scale``, ``remission.scale``),
read and checked by ``recouvre.policy``, which builds these values.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from recouvre.domain.money import Cents, format_amount, round_cents


def check_percent(rate: Decimal, what: str) -> None:
    if not rate.is_finite() or rate < 0 or rate > 100:
        raise ValueError(f"{what} must be a percent between 0 and 100")


@dataclass(frozen=True)
class WithholdingBand:
    """A marginal band of the PRP scale: ``rate`` % of the part of the RMP above ``lower``
    and up to ``upper`` (``None``: no upper limit)."""

    lower: Cents
    upper: Cents | None
    rate: Decimal

    def __post_init__(self) -> None:
        if self.lower < 0:
            raise ValueError("a band cannot start below 0")
        if self.upper is not None and self.upper <= self.lower:
            raise ValueError("a band must end above its start")
        check_percent(self.rate, "a band rate")

    def base(self, rmp: Cents) -> Cents:
        """The part of ``rmp`` that falls in this band."""
        if rmp <= self.lower:
            return 0
        top = rmp if self.upper is None else min(rmp, self.upper)
        return top - self.lower

    @property
    def label(self) -> str:
        if self.upper is None:
            return f"au-delà de {format_amount(self.lower)}"
        return f"de {format_amount(self.lower)} à {format_amount(self.upper)}"


class BandExplanation(TypedDict):
    """One line of a withholding explanation; amounts in cents."""

    band: str
    lower: Cents
    upper: Cents | None
    base: Cents
    rate: Decimal
    amount: Decimal  # exact, in cents, not rounded: the total is rounded once


def applicable_bands(bands: Sequence[WithholdingBand], rmp: Cents) -> list[WithholdingBand]:
    """The bands of the scale that apply to ``rmp`` (those it exceeds the start of), in order."""
    if rmp < 0:
        raise ValueError(f"RMP {rmp} cents is negative")
    return [band for band in bands if rmp > band.lower]


def monthly_withholding(flat: Cents, bands: Sequence[WithholdingBand], rmp: Cents) -> Cents:
    """The monthly PRP withholding for ``rmp`` (cents): ``flat`` plus the marginal rates of the
    bands, summed exactly and rounded once to the cent, half up (CSS D553-1, SCENARIOS.md)."""
    total = Decimal(flat)
    for band in applicable_bands(bands, rmp):
        total += band.rate * band.base(rmp) / 100
    return round_cents(total)


@dataclass(frozen=True)
class WithholdingScale:
    """The PRP scale (CSS D553-1): ``flat`` plus marginal rates on the RMP bands.

    ``monthly(rmp) = flat + Σ rate × (min(rmp, upper) − lower)`` over the bands
    where ``rmp > lower``, rounded once to the cent, half up (SCENARIOS.md).
    """

    flat: Cents
    bands: tuple[WithholdingBand, ...]
    _memo: dict[tuple[str, Cents], Any] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )
    """A payment run asks for the same few thousand RMPs again and again: computed once each."""

    def __post_init__(self) -> None:
        if self.flat < 0:
            raise ValueError("the flat amount cannot be negative")
        for index, band in enumerate(self.bands[1:], start=1):
            previous = self.bands[index - 1]
            if previous.upper is None:
                raise ValueError(f"band {index - 1} has no upper limit but is not the last band")
            if band.lower < previous.upper:
                raise ValueError(f"band {index} starts before band {index - 1} ends (bands overlap)")

    def _applicable(self, rmp: Cents) -> list[WithholdingBand]:
        return applicable_bands(self.bands, rmp)

    def monthly(self, rmp: Cents) -> Cents:
        """The monthly withholding for a monthly weighted resource (RMP) in cents."""
        found: Cents | None = self._memo.get(("monthly", rmp))
        if found is None:
            found = self._memo[("monthly", rmp)] = self._monthly(rmp)
        return found

    def _monthly(self, rmp: Cents) -> Cents:
        return monthly_withholding(self.flat, self.bands, rmp)

    def explain(self, rmp: Cents) -> list[BandExplanation]:
        """The bands that apply to ``rmp``, in order (the flat amount is ``self.flat``)."""
        found: tuple[BandExplanation, ...] | None = self._memo.get(("explain", rmp))
        if found is None:
            found = self._memo[("explain", rmp)] = tuple(self._explain(rmp))
        return [BandExplanation(**band) for band in found]

    def _explain(self, rmp: Cents) -> list[BandExplanation]:
        return [
            BandExplanation(
                band=band.label,
                lower=band.lower,
                upper=band.upper,
                base=band.base(rmp),
                rate=band.rate,
                amount=band.rate * band.base(rmp) / 100,
            )
            for band in self._applicable(rmp)
        ]


@dataclass(frozen=True)
class RemissionScale:
    """A remission matrix: PRP quotient bands × responsibility → remission rate (percent).

    ``uppers[i]`` is the highest quotient of band ``i`` (inclusive); the last is ``None``
    (no upper limit). ``rates[responsibility][i]`` is the rate for band ``i``. A
    responsibility without a row (e.g. ``fraud``) gets no rate: it is never remitted.
    """

    uppers: tuple[Cents | None, ...]
    rates: Mapping[str, tuple[Decimal, ...]]

    def __post_init__(self) -> None:
        if not self.uppers:
            raise ValueError("a remission scale needs at least one band")
        if self.uppers[-1] is not None:
            raise ValueError("the last band must have no upper limit (to: null)")
        previous: Cents | None = None
        for index, upper in enumerate(self.uppers[:-1]):
            if upper is None:
                raise ValueError(f"only the last band may have no upper limit (band {index})")
            if upper < 0 or (previous is not None and upper <= previous):
                raise ValueError(f"band {index}: upper limits must increase and not be negative")
            previous = upper
        for responsibility, row in self.rates.items():
            if len(row) != len(self.uppers):
                raise ValueError(f"rates.{responsibility} has {len(row)} rates for {len(self.uppers)} bands")
            for rate in row:
                check_percent(rate, f"rates.{responsibility}")
        object.__setattr__(self, "rates", types.MappingProxyType(dict(self.rates)))

    def band_index(self, quotient: Cents | None) -> int:
        """The band of ``quotient``; an unknown quotient falls in the last band."""
        if quotient is not None:
            for index, upper in enumerate(self.uppers):
                if upper is None or quotient <= upper:
                    return index
        return len(self.uppers) - 1

    def rate(self, quotient: Cents | None, responsibility: str) -> Decimal | None:
        row = self.rates.get(str(responsibility))
        if row is None:
            return None
        return row[self.band_index(quotient)]
