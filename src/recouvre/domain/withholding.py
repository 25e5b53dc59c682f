"""Withholding on a benefit payment (SCENARIOS.md "Withholding on a benefit payment").

Legal sources: CSS L553-2 (recovery by withholding on future benefits) and D553-1 (the PRP
scale on the monthly weighted resources, RMP; a deemed RMP when resources are unknown);
D553-4 (one monthly withholding shared by the claims, oldest first, then the smallest);
D553-5 as created by décret 2019-268, in force from 5 April 2019 to 1 January 2020, read
literally (RULES.md §2.3, §8): while the debtor has a recoverable fraud claim, the scale's
monthly amount is raised by ``fraud_raise_rate`` percent (50 %; the 100 % for a fraud repeated
within five years is not modelled: repetition is not recorded);
Cnaf network letter 2015-046 §2.3.2 (arrears, "rappels", withheld at 100 % except RSA, AAH
and housing aid paid after a rent-debt clearance).

The computation is a pure function of the payment, the recoverable claims and the
parameters in force on the payment date; it returns the decision with its explanation,
which the letter, the web page and the auditor all read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from recouvre.domain.money import Cents, format_amount, percent_of
from recouvre.domain.scales import WithholdingScale


@dataclass(frozen=True)
class BenefitPayment:
    """One debtor's monthly payment run: regular amounts and arrears, per benefit."""

    debtor_ref: str
    paid_on: date
    regular: Mapping[str, Cents]
    arrears: Mapping[str, Cents] = field(default_factory=dict)
    after_rent_debt_clearance: bool = False
    gross: Cents = field(init=False, compare=False, repr=False)
    """Regular amounts and arrears: computed once (a run reads it several times per debtor)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "gross", sum(self.regular.values()) + sum(self.arrears.values()))

    def __reduce__(self) -> tuple[type[BenefitPayment], tuple[Any, ...]]:
        # Payment runs go to worker processes in batches of thousands: constructor arguments.
        return (
            BenefitPayment,
            (self.debtor_ref, self.paid_on, self.regular, self.arrears, self.after_rent_debt_clearance),
        )


@dataclass(frozen=True)
class RecoverableClaim:
    ref: str
    notified_on: date
    balance: Cents
    fraud: bool = False
    """A fraud claim: while one is recoverable, the PRP may be raised (D553-5, 2019)."""


@dataclass(frozen=True)
class WithholdingParameters:
    """The parameters in force on the payment date, each with the date it holds from."""

    scale: WithholdingScale
    scale_from: date
    deemed_rmp: Cents
    arrears_rate: Decimal
    arrears_exempt: frozenset[str]
    exempt_after_rent_debt_clearance: frozenset[str]
    fraud_raise_rate: Decimal = Decimal(0)
    """Percent added to the scale's monthly amount while a fraud claim is recoverable (D553-5,
    2019 only; policy ``withholding.fraud_raise_rate``)."""
    _memo: dict[tuple[str, object], Any] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )
    """Parts of the explanation shared by the debtors of a run, computed once each."""


@dataclass(frozen=True)
class Allocation:
    claim_ref: str
    order: int
    balance_before: Cents
    amount: Cents


@dataclass(frozen=True)
class WithholdingDecision:
    payment: BenefitPayment
    rmp: Cents
    rmp_deemed: bool
    scale_from: date
    prp: Cents
    """The monthly amount: the scale's for the RMP plus any fraud raise, or the override."""
    prp_already_withheld: Cents
    regular_base: Cents
    """Regular amounts plus exempt arrears: the PRP cannot exceed them."""
    regular_capacity: Cents
    arrears_base: Cents
    arrears_capacity: Cents
    allocations: tuple[Allocation, ...]
    overridden: bool = False
    """The monthly amount was set by a decision (procedure 8), not read from the scale."""
    fraud_raise: Cents = 0
    """The part of ``prp`` added because a fraud claim is recoverable (D553-5, 2019)."""
    withheld: Cents = field(init=False)
    """The sum of the allocations."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "withheld", sum(allocation.amount for allocation in self.allocations))

    @property
    def capacity(self) -> Cents:
        return self.regular_capacity + self.arrears_capacity

    @property
    def net(self) -> Cents:
        return self.payment.gross - self.withheld

    @property
    def prp_withheld(self) -> Cents:
        """The part of the withholding taken under the PRP (arrears are taken first)."""
        return max(self.withheld - self.arrears_capacity, 0)

    def explanation(self, parameters: WithholdingParameters) -> dict[str, Any]:
        """The decision as data: what the letter, the page and the auditor read."""
        return {
            "paid_on": self.payment.paid_on.isoformat(),
            "gross": self.payment.gross,
            "regular": dict(self.payment.regular),
            "arrears": dict(self.payment.arrears),
            "after_rent_debt_clearance": self.payment.after_rent_debt_clearance,
            "rmp": self.rmp,
            "rmp_deemed": self.rmp_deemed,
            "scale_from": self.scale_from.isoformat(),
            "scale_flat": parameters.scale.flat,
            "bands": [dict(band) for band in _bands_explained(parameters, self.rmp)],
            "prp": self.prp,
            "prp_overridden": self.overridden,
            "fraud_raise_rate": str(parameters.fraud_raise_rate),
            "fraud_raise": self.fraud_raise,
            "prp_already_withheld": self.prp_already_withheld,
            "regular_base": self.regular_base,
            "regular_capacity": self.regular_capacity,
            "arrears_rate": str(parameters.arrears_rate),
            "arrears_exempt": list(_sorted_exempt(parameters, self.payment.after_rent_debt_clearance)),
            "arrears_base": self.arrears_base,
            "arrears_capacity": self.arrears_capacity,
            "capacity": self.capacity,
            "allocations": [
                {
                    "claim": a.claim_ref,
                    "order": a.order,
                    "balance_before": a.balance_before,
                    "amount": a.amount,
                }
                for a in self.allocations
            ],
            "withheld": self.withheld,
            "net": self.net,
        }

    def exempt_benefits(self, parameters: WithholdingParameters) -> set[str]:
        return exempt_arrears_benefits(self.payment, parameters)


def _bands_explained(parameters: WithholdingParameters, rmp: Cents) -> tuple[dict[str, Any], ...]:
    """The explanation of the scale's bands for an RMP, as data."""
    found: tuple[dict[str, Any], ...] | None = parameters._memo.get(("bands", rmp))
    if found is None:
        found = parameters._memo[("bands", rmp)] = tuple(
            {
                "band": band["band"],
                "base": band["base"],
                "rate": str(band["rate"]),
                "amount": str(band["amount"]),
            }
            for band in parameters.scale.explain(rmp)
        )
    return found


def _sorted_exempt(parameters: WithholdingParameters, after_rent_debt_clearance: bool) -> tuple[str, ...]:
    found: tuple[str, ...] | None = parameters._memo.get(("exempt", after_rent_debt_clearance))
    if found is None:
        exempt = set(parameters.arrears_exempt)
        if after_rent_debt_clearance:
            exempt |= parameters.exempt_after_rent_debt_clearance
        found = parameters._memo[("exempt", after_rent_debt_clearance)] = tuple(sorted(exempt))
    return found


def exempt_arrears_benefits(payment: BenefitPayment, parameters: WithholdingParameters) -> set[str]:
    return set(_sorted_exempt(parameters, payment.after_rent_debt_clearance))


def allocation_order(claims: Sequence[RecoverableClaim]) -> list[RecoverableClaim]:
    """Oldest notification first, then the smallest balance, then the reference (D553-4)."""
    if len(claims) < 2:
        return list(claims)
    return sorted(claims, key=lambda claim: (claim.notified_on, claim.balance, claim.ref))


def allocate(capacity: Cents, claims: Sequence[RecoverableClaim]) -> tuple[Allocation, ...]:
    allocations: list[Allocation] = []
    left = capacity
    for order, claim in enumerate(allocation_order(claims), start=1):
        if left <= 0:
            break
        amount = min(left, claim.balance)
        if amount > 0:
            allocations.append(Allocation(claim.ref, order, claim.balance, amount))
            left -= amount
    return tuple(allocations)


def decide_withholding(
    payment: BenefitPayment,
    claims: Sequence[RecoverableClaim],
    parameters: WithholdingParameters,
    *,
    rmp: Cents | None,
    prp_already_withheld: Cents = 0,
    monthly_override: Cents | None = None,
) -> WithholdingDecision:
    """Compute the withholding on ``payment`` for the debtor's recoverable ``claims``.

    ``rmp`` is the debtor's PRP quotient in force on the payment date (``None``: unknown,
    the deemed RMP applies). ``prp_already_withheld`` is what the PRP already took from an
    earlier payment of the same month: one monthly withholding only (D553-4).
    ``monthly_override`` is a monthly amount set by a case worker for this debtor
    (procedure 8, adjusting recovery): it replaces the scale's amount. Without an override,
    when one of ``claims`` is a fraud claim, the scale's amount is raised by
    ``parameters.fraud_raise_rate`` percent (rounded once), before the cap by the benefits paid.
    """
    exempt_arrears = other_arrears = 0
    if payment.arrears:
        exempt = _sorted_exempt(parameters, payment.after_rent_debt_clearance)
        exempt_arrears = sum(amount for benefit, amount in payment.arrears.items() if benefit in exempt)
        other_arrears = sum(amount for benefit, amount in payment.arrears.items() if benefit not in exempt)
    rmp_deemed = rmp is None
    used_rmp = parameters.deemed_rmp if rmp is None else rmp
    fraud_raise = 0
    if monthly_override is None:
        prp = parameters.scale.monthly(used_rmp)
        if parameters.fraud_raise_rate and any(claim.fraud for claim in claims):
            fraud_raise = percent_of(prp, parameters.fraud_raise_rate)
            prp += fraud_raise
    else:
        prp = monthly_override
    regular_base = sum(payment.regular.values()) + exempt_arrears
    regular_capacity = max(min(prp - prp_already_withheld, regular_base), 0)
    arrears_capacity = percent_of(other_arrears, parameters.arrears_rate) if other_arrears else 0
    allocations = allocate(regular_capacity + arrears_capacity, claims)
    return WithholdingDecision(
        payment=payment,
        rmp=used_rmp,
        rmp_deemed=rmp_deemed,
        scale_from=parameters.scale_from,
        prp=prp,
        prp_already_withheld=prp_already_withheld,
        regular_base=regular_base,
        regular_capacity=regular_capacity,
        arrears_base=other_arrears,
        arrears_capacity=arrears_capacity,
        allocations=allocations,
        overridden=monthly_override is not None,
        fraud_raise=fraud_raise,
    )


def explain_in_french(explanation: Mapping[str, Any]) -> list[str]:
    """The explanation of one withholding, in plain French, one sentence per line."""

    def eur(cents: object) -> str:
        return format_amount(int(str(cents))).replace(".", ",") + " €"

    lines = [f"Paiement du {explanation['paid_on']} : montant brut {eur(explanation['gross'])}."]
    if explanation["rmp_deemed"]:
        lines.append(
            f"Vos ressources ne sont pas connues : le revenu mensuel pondéré retenu est le forfait de "
            f"{eur(explanation['rmp'])}."
        )
    else:
        lines.append(f"Votre revenu mensuel pondéré (RMP) est de {eur(explanation['rmp'])}.")
    parts = [f"{eur(explanation['scale_flat'])} forfaitaires"]
    parts += [f"{band['rate']} % de {eur(band['base'])} ({band['band']})" for band in explanation["bands"]]
    if explanation.get("prp_overridden"):
        lines.append(
            f"Montant mensuel fixé par décision (aménagement du recouvrement) : {eur(explanation['prp'])}."
        )
    else:
        raised = int(str(explanation.get("fraud_raise", 0)))
        scale_amount = int(str(explanation["prp"])) - raised
        lines.append(
            "Barème du plan personnalisé de remboursement en vigueur depuis le "
            f"{explanation['scale_from']} : " + " + ".join(parts) + f" = {eur(scale_amount)} par mois."
        )
        if raised:
            lines.append(
                f"Majoration de la retenue en cas de fraude ({explanation['fraud_raise_rate']} %, "
                f"article D553-5 du code de la sécurité sociale) : {eur(raised)}, soit "
                f"{eur(explanation['prp'])} par mois."
            )
    if explanation["prp_already_withheld"]:
        lines.append(
            f"Déjà retenu ce mois-ci au titre du barème : {eur(explanation['prp_already_withheld'])}."
        )
    lines.append(
        f"Retenue possible sur vos prestations du mois : {eur(explanation['regular_capacity'])} "
        f"(au plus les prestations versées, {eur(explanation['regular_base'])})."
    )
    if explanation["arrears_base"]:
        lines.append(
            f"Rappels : {explanation['arrears_rate']} % de {eur(explanation['arrears_base'])} = "
            f"{eur(explanation['arrears_capacity'])}."
        )
    if explanation["arrears_exempt"]:
        lines.append(
            "Rappels exonérés (traités comme des prestations mensuelles) : "
            + ", ".join(explanation["arrears_exempt"])
            + "."
        )
    for allocation in explanation["allocations"]:
        lines.append(
            f"Créance {allocation['claim']} (rang {allocation['order']}, la plus ancienne d'abord) : "
            f"{eur(allocation['amount'])} retenus sur un solde de {eur(allocation['balance_before'])}."
        )
    if not explanation["allocations"]:
        lines.append("Aucune créance n'est recouvrable à cette date : rien n'est retenu.")
    lines.append(f"Total retenu {eur(explanation['withheld'])} ; montant versé {eur(explanation['net'])}.")
    return lines
