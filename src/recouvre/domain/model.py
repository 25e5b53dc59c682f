"""Organisms, debtors and claims: the facts the rules work on (GLOSSARY.md names)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from recouvre.domain.errors import DomainError as DomainError  # re-exported
from recouvre.domain.money import Cents


class Country(StrEnum):
    FR = "FR"
    MA = "MA"


class DebtorKind(StrEnum):
    PERSON = "person"
    LEGAL = "legal"


class Benefit(StrEnum):
    AF = "AF"
    AL = "AL"
    ALS = "ALS"
    APL = "APL"
    RSA = "RSA"
    AAH = "AAH"
    PPA = "PPA"
    PAJE = "PAJE"
    CF = "CF"
    ASF = "ASF"
    LOAN = "LOAN"
    CONTRIB = "CONTRIB"


class Creditor(StrEnum):
    OWN = "own"
    DEPARTEMENT = "departement"


class Responsibility(StrEnum):
    ORGANISM_ERROR = "organism_error"
    THIRD_PARTY_ERROR = "third_party_error"
    DEBTOR_ERROR = "debtor_error"
    DEBTOR_SERIOUS_ERROR = "debtor_serious_error"
    FRAUD = "fraud"
    CHILD_DEATH = "child_death"


class ClaimStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    SETTLED = "settled"
    PRESCRIBED = "prescribed"
    WRITTEN_OFF = "written_off"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"
    NOT_RECOVERED = "not_recovered"


class Phase(StrEnum):
    AMICABLE = "amicable"
    CONTENTIOUS = "contentious"
    ENFORCEMENT = "enforcement"


class PaymentChannel(StrEnum):
    TRANSFER = "transfer"
    CARD = "card"
    CHEQUE = "cheque"
    DIRECT_DEBIT = "direct_debit"
    AGENCY = "agency"


@dataclass(frozen=True)
class Organism:
    code: str
    country: Country
    name: str = ""

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 32 or not self.code.replace("-", "").replace("_", "").isalnum():
            raise DomainError("organism.code", self.code, "de 1 à 32 lettres, chiffres, « - » ou « _ »")


@dataclass(frozen=True)
class DatedValue:
    """A value that holds from ``valid_from`` until the next one (e.g. the PRP quotient)."""

    valid_from: date
    value: Cents


def value_on(values: tuple[DatedValue, ...], on: date) -> Cents | None:
    """The value in force on ``on``: the latest whose ``valid_from`` is not after it."""
    current: Cents | None = None
    for dated in sorted(values, key=lambda item: item.valid_from):
        if dated.valid_from <= on:
            current = dated.value
    return current


@dataclass(frozen=True)
class Debtor:
    """A natural person (``person``) or a legal person (``legal``) who owes.

    Identifiers are stored in their compact, validated form (see ``identifiers``).
    ``ref`` is the organism's own file number (numéro allocataire / affiliation).
    """

    ref: str
    organism: str
    kind: DebtorKind
    name: str = ""
    nir: str | None = None
    siren: str | None = None
    siret: str | None = None
    ice: str | None = None
    iban: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    prp_quotients: tuple[DatedValue, ...] = ()
    receives_benefits: bool = False

    def __post_init__(self) -> None:
        if not self.ref or len(self.ref) > 64:
            raise DomainError("debtor.ref", self.ref, "obligatoire, 64 caractères au plus")
        if self.kind is DebtorKind.PERSON and (self.siren or self.siret or self.ice):
            raise DomainError(
                "debtor.kind", self.kind.value, "une personne physique n'a ni SIREN, ni SIRET, ni ICE"
            )
        if self.kind is DebtorKind.LEGAL and self.nir:
            raise DomainError("debtor.nir", "(masked)", "une personne morale n'a pas de NIR")

    def prp_quotient_on(self, on: date) -> Cents | None:
        return value_on(self.prp_quotients, on)


@dataclass(frozen=True)
class UndueLine:
    """One undue payment: its own date, hence its own prescription (RULES.md §3.1)."""

    paid_on: date
    amount: Cents

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise DomainError("line.amount", self.amount, "une ligne d'indu doit être positive")


@dataclass(frozen=True)
class Claim:
    """A claim (créance, indu) as established; its money lives in the ledger.

    ``notified_on`` is the date of receipt of the notification (date certaine,
    RULES.md §1.2); a child-death claim has none (R-NOTIF-2). ``detected_on`` is the
    fraud discovery date from which the five-year prescription runs.
    """

    ref: str
    organism: str
    debtor_ref: str
    benefit: Benefit
    creditor: Creditor
    responsibility: Responsibility
    lines: tuple[UndueLine, ...]
    established_on: date
    notified_on: date | None
    detected_on: date
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.ref or len(self.ref) > 64:
            raise DomainError("claim.ref", self.ref, "obligatoire, 64 caractères au plus")
        if not self.lines:
            raise DomainError("claim.lines", "[]", "une créance a au moins une ligne d'indu")
        if self.responsibility is not Responsibility.CHILD_DEATH and self.notified_on is None:
            raise DomainError(
                "claim.notified_on", None, "obligatoire, sauf pour une créance liée au décès d'un enfant"
            )
        if self.notified_on is not None and self.notified_on < self.established_on:
            raise DomainError(
                "claim.notified_on", self.notified_on.isoformat(), "avant la date de constatation"
            )
        for index, line in enumerate(self.lines):
            if line.paid_on > self.established_on:
                raise DomainError(
                    f"claim.lines[{index}].paid_on", line.paid_on.isoformat(), "après la date de constatation"
                )

    @property
    def principal(self) -> Cents:
        return sum(line.amount for line in self.lines)

    @property
    def is_fraud(self) -> bool:
        return self.responsibility is Responsibility.FRAUD
