"""Recovery on behalf of a third party (PM241 procedure 10): who a claim is recovered for, when
an RSA claim leaves the organism for the département, and the monthly statement per creditor.

Sources (RULES.md §9, R-TIERS-1):

* CASF L262-46 (ASH n° 2725 "conditions de récupération") [H]: the Caf recovers RSA indus
  **for the département** — by withholding on the RSA, failing that on PF, AL and AAH; when the
  person no longer receives the RSA **nor any other benefit**, the Caf **transfers the claim to
  the président du conseil départemental**, who issues a revenue title (titre de recettes)
  recovered by the public accountant. R-TIERS-1: the claim is then closed on the Caf's side as
  ``transferred``: no more withholding, no cycle step, out of the queues.
* Sénat QE 2012 [H]: when the debtor moves, the RSA claim is transferred with principal, costs
  and extras **to the new département**, which also gets the power to grant a remission. Here the
  claim's département changes (a dated fact); recovery goes on for the new département, and the
  transfer, when it comes, is made to it.
* RULES.md §9 [H]: AAH, prime d'activité and APL are paid **for the State / FNAL**. The split
  used by the statement: APL → FNAL (fonds national d'aide au logement), AAH and PPA → the State.
  ALS is financed by the FNAL too: that is general knowledge [L], not in RULES.md; it is stated
  here as such. Every other benefit is the organism's own (family benefits, loans, contributions).
* CAF–département conventions fix the level of detail of the reason given for a transferred
  claim (ASH n° 2725 "cadre conventionnel") [H]: the transfer file carries the claim's whole
  history (movements and events) and its reason.

Pure functions: no I/O, no clock; money in integer cents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from recouvre.domain.errors import DomainError
from recouvre.domain.ledger import Movement, MovementKind
from recouvre.domain.model import Benefit, Creditor
from recouvre.domain.money import Cents


class Funder(StrEnum):
    """On whose behalf a claim is recovered (the creditor of a monthly statement)."""

    DEPARTEMENT = "departement"
    ETAT = "etat"
    FNAL = "fnal"


FUNDER_NAMES = {
    Funder.DEPARTEMENT: "Département",
    Funder.ETAT: "État",
    Funder.FNAL: "Fonds national d'aide au logement (FNAL)",
}

STATE_BENEFITS = frozenset({Benefit.AAH, Benefit.PPA})
"""RULES.md §9 [H]: AAH and prime d'activité are paid for the State."""
FNAL_BENEFITS = frozenset({Benefit.APL, Benefit.ALS})
"""RULES.md §9 [H] for APL; ALS financed by the FNAL is general knowledge [L]."""

_DEPARTEMENT = re.compile(r"^(0[1-9]|1[0-9]|2[1-9]|[3-8][0-9]|9[0-5]|2A|2B|97[1-6])$")
"""INSEE département codes: 01–95 (20 replaced by 2A and 2B), 971–976 overseas."""

COSTS = "costs"
"""The movement kind of enforcement costs (``costs``, SCENARIOS.md "Movement kinds"), compared by
value: it exists once the enforcement procedures book it."""
EXTRAS = frozenset({MovementKind.INDEMNITY.value, MovementKind.SURCHARGE.value})
ESTABLISHING = frozenset({MovementKind.ESTABLISHED.value, *EXTRAS, COSTS})
"""What puts an amount at the debtor's charge (SCENARIOS.md "Indicators": new amounts)."""
RECOVERING = frozenset({MovementKind.WITHHOLDING.value, MovementKind.PAYMENT.value})
GIVING_BACK = frozenset({MovementKind.REVERSAL.value, MovementKind.REFUND.value})


def funder_of(benefit: Benefit, creditor: Creditor) -> Funder | None:
    """On whose behalf a claim is recovered; ``None``: the organism's own claim."""
    if creditor is Creditor.DEPARTEMENT:
        return Funder.DEPARTEMENT
    if benefit in FNAL_BENEFITS:
        return Funder.FNAL
    if benefit in STATE_BENEFITS:
        return Funder.ETAT
    return None


def departement_code(value: str) -> str:
    """A valid INSEE département code (``44``, ``2A``, ``974``), upper-cased; else ``DomainError``."""
    code = value.strip().upper()
    if len(code) == 1 and code.isdigit():
        code = f"0{code}"
    if not _DEPARTEMENT.match(code):
        raise DomainError("departement", value, "code de département inconnu (01 à 95, 2A, 2B, 971 à 976)")
    return code


def transfer_refusal(
    *,
    creditor: Creditor,
    balance: Cents,
    receives_benefits: bool,
    transferred: bool,
    departement: str | None,
    prescribed: bool = False,
) -> str | None:
    """Why an RSA claim may not be transferred to the département (R-TIERS-1), or ``None``.

    Only a claim recovered for the département, still owing, not already transferred, whose
    debtor receives no more benefit (otherwise the Caf goes on withholding: CASF L262-46), and
    whose département is known.
    """
    if creditor is not Creditor.DEPARTEMENT:
        return "seule une créance recouvrée pour le compte du département (RSA) peut lui être transférée"
    if transferred:
        return "la créance a déjà été transférée au département"
    if balance <= 0:
        return "la créance ne présente plus de solde à transférer"
    if prescribed:
        return "la créance est prescrite (CSS L553-1) : il n'y a plus rien à recouvrer ni à transférer"
    if receives_benefits:
        return (
            "le débiteur perçoit encore des prestations : la Caf poursuit le recouvrement par retenues "
            "(CASF L262-46)"
        )
    if departement is None:
        return "le département créancier n'est pas connu : indiquez-le"
    return None


def move_refusal(*, creditor: Creditor, transferred: bool, current: str | None, new: str) -> str | None:
    """Why a claim's département may not change to ``new`` on a move (Sénat QE 2012), or ``None``."""
    if creditor is not Creditor.DEPARTEMENT:
        return "seule une créance recouvrée pour le compte du département suit le débiteur qui déménage"
    if transferred:
        return "la créance a déjà été transférée au département : le déménagement ne la concerne plus"
    if current == new:
        return f"la créance est déjà recouvrée pour le département {new}"
    return None


@dataclass(frozen=True)
class TransferFigures:
    """What is handed over: principal, extras (fraud indemnity, surcharges), costs, what was
    recovered and otherwise settled, and the balance transferred."""

    principal: Cents
    extras: Cents
    costs: Cents
    recovered: Cents
    other_reductions: Cents
    balance: Cents


def _effective(movements: Iterable[Movement]) -> list[Movement]:
    items = list(movements)
    reversed_keys = {m.reverses for m in items if m.kind is MovementKind.REVERSAL}
    return [m for m in items if m.kind is not MovementKind.REVERSAL and m.key not in reversed_keys]


def transfer_figures(movements: Iterable[Movement]) -> TransferFigures:
    """The figures of a transfer from the claim's movements (reversed movements left out).

    ``principal + extras + costs - recovered - other_reductions`` is the balance (the total of the
    ledger, clamped at zero: a credit is the debtor's and is not transferred)."""
    effective = _effective(movements)

    def total(kinds: frozenset[str]) -> Cents:
        return sum(m.amount for m in effective if m.kind.value in kinds)

    principal = total(frozenset({MovementKind.ESTABLISHED.value}))
    extras = total(EXTRAS)
    costs = total(frozenset({COSTS}))
    recovered = total(RECOVERING) - total(frozenset({MovementKind.REFUND.value}))
    signed = sum(m.signed for m in effective)
    balance = max(signed, 0)
    other = principal + extras + costs - recovered - signed
    return TransferFigures(principal, extras, costs, recovered, other, balance)


@dataclass(frozen=True)
class StatementFigures:
    """A creditor's figures for a period: amounts established on its behalf (principal, extras,
    costs) and recovered on its behalf (withholdings and payments, net of their reversals and
    refunds), as the indicators count them (SCENARIOS.md "Indicators")."""

    established: Cents = 0
    recovered: Cents = 0

    def __add__(self, other: StatementFigures) -> StatementFigures:
        return StatementFigures(self.established + other.established, self.recovered + other.recovered)


def statement_figures(movements: Iterable[Movement], start: date, end: date) -> StatementFigures:
    """Established and recovered amounts of one claim's movements booked from ``start`` to ``end``.

    A reversal booked in the period cancels the movement it names (a returned direct debit is
    not recovered); a refund repays money recovered earlier and is deducted."""
    items = list(movements)
    by_key = {m.key: m for m in items}
    established = recovered = 0
    for m in items:
        if not start <= m.booked_on <= end:
            continue
        kind = m.kind.value
        if kind in ESTABLISHING:
            established += m.amount
        elif kind in RECOVERING:
            recovered += m.amount
        elif kind == MovementKind.REFUND.value:
            recovered -= m.amount
        elif kind == MovementKind.REVERSAL.value and m.reverses in by_key:
            target = by_key[m.reverses]
            if target.kind.value in RECOVERING:
                recovered -= m.amount
            elif target.kind.value in ESTABLISHING:
                established -= m.amount
    return StatementFigures(established, recovered)
