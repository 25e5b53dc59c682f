"""Everything a letter shows, read from the database when it is rendered.

A letter row only records what a procedure decided (its type, issue date, claims and a few
data such as a deadline); the amounts are read again at render time from the ledger, as they
stood at the end of the issue date (movements booked on or before it), so a letter printed
weeks later still shows the balance of the day it was issued.

The personal identifiers are masked here, once: a ``LetterContext`` holds no full NIR or
IBAN, so no template can print one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from recouvre.domain.model import (
    Benefit,
    Country,
    Creditor,
    DebtorKind,
    Responsibility,
    UndueLine,
)
from recouvre.domain.money import Cents

BENEFIT_NAMES: Mapping[Benefit, str] = MappingProxyType(
    {
        Benefit.AF: "allocations familiales",
        Benefit.AL: "allocation de logement familiale",
        Benefit.ALS: "allocation de logement sociale",
        Benefit.APL: "aide personnalisée au logement",
        Benefit.RSA: "revenu de solidarité active",
        Benefit.AAH: "allocation aux adultes handicapés",
        Benefit.PPA: "prime d'activité",
        Benefit.PAJE: "prestation d'accueil du jeune enfant",
        Benefit.CF: "complément familial",
        Benefit.ASF: "allocation de soutien familial",
        Benefit.LOAN: "prêt d'action sociale",
        Benefit.CONTRIB: "cotisations sociales",
    }
)
"""The benefit's name as a letter writes it (lower case, to fit in a sentence)."""

DEFAULT_ORGANISM_NAMES: Mapping[Country, str] = MappingProxyType(
    {
        Country.FR: "Caisse d'allocations familiales",
        Country.MA: "Caisse nationale de sécurité sociale",
    }
)
SHORT_NAMES: Mapping[Country, str] = MappingProxyType({Country.FR: "la Caf", Country.MA: "la CNSS"})
"""How the running text names the organism ("les prestations de la Caf")."""


@dataclass(frozen=True)
class OrganismInfo:
    code: str
    country: Country
    name: str
    """The name printed in the letterhead: the organism's own, or its kind of body."""
    currency: str
    """ISO 4217 code of its amounts (EUR, MAD)."""

    @property
    def short(self) -> str:
        return SHORT_NAMES[self.country]

    @property
    def is_cnss(self) -> bool:
        return self.country is Country.MA


@dataclass(frozen=True)
class DebtorInfo:
    ref: str
    """The organism's file number: numéro allocataire, numéro d'affiliation."""
    kind: DebtorKind
    name: str
    address_lines: tuple[str, ...]
    nir_masked: str | None
    iban_masked: str | None
    siren: str | None
    siret: str | None
    ice: str | None
    receives_benefits: bool

    @property
    def is_legal(self) -> bool:
        return self.kind is DebtorKind.LEGAL


@dataclass(frozen=True)
class ClaimInfo:
    """A claim covered by the letter, with its amounts at the end of the issue date."""

    ref: str
    benefit: Benefit
    benefit_name: str
    creditor: Creditor
    responsibility: Responsibility
    reason: str
    established_on: date
    notified_on: date | None
    lines: tuple[UndueLine, ...]
    payment_reference: str
    appeal_route: str
    """``board`` (CRA, then the pôle social) or ``administrative`` (RAPO, then the TA)."""
    principal: Cents
    indemnity: Cents
    surcharges: Cents
    recovered: Cents
    """Payments and withholdings, net of their reversals."""
    remitted: Cents
    cancelled: Cents
    written_off: Cents
    """Write-offs and discharges (over-indebtedness)."""
    refunded: Cents
    total: Cents
    """The signed sum of the movements: the balance when positive, a credit when negative."""
    costs: Cents = 0
    """Enforcement costs (the CNSS commandement's)."""

    @property
    def claimed(self) -> Cents:
        """What was put at the debtor's charge: principal, fraud indemnity, surcharges, costs."""
        return self.principal + self.indemnity + self.surcharges + self.costs

    @property
    def extra(self) -> Cents:
        """What the organism added to the principal: fraud indemnity, surcharges, costs."""
        return self.indemnity + self.surcharges + self.costs

    @property
    def settled(self) -> Cents:
        """What has come off the amount claimed: payments, withholdings, remissions…"""
        return self.claimed - self.total

    @property
    def balance(self) -> Cents:
        return max(self.total, 0)

    @property
    def credit(self) -> Cents:
        return max(-self.total, 0)

    @property
    def is_fraud(self) -> bool:
        return self.responsibility is Responsibility.FRAUD


@dataclass(frozen=True)
class LetterTerms:
    """The letter's ``data`` read into typed fields; absent keys are None.

    notification (``claims.launch``): recovery_mode, correction_deadline, start_delay_days,
    max_plan_months, appeal_deadline, appeal_route, payment_reference, remission_possible.
    reminders and formal notice (monthly cycle): step, defaults, deadline.
    contrainte: deadline, court_address, costs_cents, signatory.
    remission_decision: decision (granted|partial|refused), remitted_cents, rate, authority
    (services|board|departement), decider, motive.
    claims_list: procedure (over_indebtedness|insolvency), commission, procedure_ref, admissible_on.
    change_of_debtor: previous_debtor, effective_on, motive.
    """

    recovery_mode: str | None = None
    correction_deadline: date | None = None
    start_delay_days: int | None = None
    max_plan_months: int | None = None
    appeal_deadline: date | None = None
    remission_possible: bool = True
    step: str | None = None
    defaults: int | None = None
    deadline: date | None = None
    court_address: str | None = None
    costs: Cents | None = None
    signatory: str | None = None
    decision: str | None = None
    remitted: Cents | None = None
    rate: str | None = None
    authority: str | None = None
    decider: str | None = None
    """remission_decision: who actually decided (board|departement|director|accountant|services)."""
    motive: str | None = None
    procedure: str | None = None
    commission: str | None = None
    procedure_ref: str | None = None
    admissible_on: date | None = None
    previous_debtor: str | None = None
    effective_on: date | None = None
    amount: Cents | None = None
    """debit_prenotification: the amount to be collected on ``deadline``."""
    mandate: str | None = None
    """debit_prenotification: the SEPA mandate's reference (RUM)."""


@dataclass(frozen=True)
class SurchargeRule:
    """CNSS late-payment surcharges in force on the issue date (percent)."""

    first_month: Decimal
    each_further_month: Decimal


@dataclass(frozen=True)
class LetterContext:
    id: int
    key: str
    type: str
    issued_on: date
    cycle: str | None
    status: str
    organism: OrganismInfo
    debtor: DebtorInfo
    claims: tuple[ClaimInfo, ...]
    terms: LetterTerms
    data: Mapping[str, object]
    """The letter's data as recorded (read-only), for what ``terms`` does not name."""
    surcharge: SurchargeRule | None = None
    withholding_rules: tuple[str, ...] = ()
    """The rules of the withholding on benefits in force, in plain French (notification, statement)."""
    withholding_lines: tuple[str, ...] = ()
    """How the withholding of the payment a statement is about was computed, in plain French."""

    @property
    def claimed(self) -> Cents:
        return sum(claim.claimed for claim in self.claims)

    @property
    def settled(self) -> Cents:
        return sum(claim.settled for claim in self.claims)

    @property
    def balance(self) -> Cents:
        return sum(claim.balance for claim in self.claims)

    @property
    def credit(self) -> Cents:
        return sum(claim.credit for claim in self.claims)

    @property
    def payment_references(self) -> tuple[str, ...]:
        return tuple(claim.payment_reference for claim in self.claims)

    @property
    def appeal_routes(self) -> tuple[str, ...]:
        """The appeal routes of the claims, each once, in the claims' order."""
        return tuple(dict.fromkeys(claim.appeal_route for claim in self.claims))

    def claims_by_route(self, route: str) -> tuple[ClaimInfo, ...]:
        return tuple(claim for claim in self.claims if claim.appeal_route == route)

    @property
    def has_fraud(self) -> bool:
        return any(claim.is_fraud for claim in self.claims)


# -- reading the data --------------------------------------------------------------------------


def _date(data: Mapping[str, object], key: str) -> date | None:
    value = data.get(key)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value)
    return None


def _int(data: Mapping[str, object], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _text(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def read_terms(data: Mapping[str, object], claims: tuple[ClaimInfo, ...]) -> LetterTerms:
    remission = data.get("remission_possible")
    return LetterTerms(
        recovery_mode=_text(data, "recovery_mode"),
        correction_deadline=_date(data, "correction_deadline"),
        start_delay_days=_int(data, "start_delay_days"),
        max_plan_months=_int(data, "max_plan_months"),
        appeal_deadline=_date(data, "appeal_deadline"),
        remission_possible=(
            remission if isinstance(remission, bool) else not any(claim.is_fraud for claim in claims)
        ),
        step=_text(data, "step"),
        defaults=_int(data, "defaults"),
        deadline=_date(data, "deadline"),
        court_address=_text(data, "court_address"),
        costs=_int(data, "costs_cents"),
        signatory=_text(data, "signatory"),
        decision=_text(data, "decision"),
        remitted=_int(data, "remitted_cents"),
        rate=_text(data, "rate"),
        authority=_text(data, "authority"),
        decider=_text(data, "decider"),
        motive=_text(data, "motive"),
        procedure=_text(data, "procedure"),
        commission=_text(data, "commission"),
        procedure_ref=_text(data, "procedure_ref"),
        admissible_on=_date(data, "admissible_on"),
        previous_debtor=_text(data, "previous_debtor"),
        effective_on=_date(data, "effective_on"),
        amount=_int(data, "amount_cents"),
        mandate=_text(data, "mandate"),
    )


# -- reading the database ----------------------------------------------------------------------


def address_lines(address: str | None) -> tuple[str, ...]:
    """A postal address as lines: its own line breaks, else one line per comma-separated part."""
    if not address:
        return ()
    parts = address.splitlines() if "\n" in address else address.split(",")
    return tuple(part.strip() for part in parts if part.strip())
