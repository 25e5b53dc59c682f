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
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from recouvre import policy as policies
from recouvre.domain.errors import NotFound
from recouvre.domain.identifiers import mask
from recouvre.domain.launch import appeal_route, payment_reference
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import (
    Benefit,
    Country,
    Creditor,
    DebtorKind,
    Responsibility,
    UndueLine,
)
from recouvre.domain.money import Cents
from recouvre.storage import repository
from recouvre.storage.tables import (
    ClaimRow,
    DebtorRow,
    LetterClaimRow,
    LetterRow,
    MovementRow,
    OrganismRow,
)

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

    @property
    def claimed(self) -> Cents:
        """What was put at the debtor's charge: principal, fraud indemnity, surcharges."""
        return self.principal + self.indemnity + self.surcharges

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
    (services|board|departement), motive.
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
    motive: str | None = None
    procedure: str | None = None
    commission: str | None = None
    procedure_ref: str | None = None
    admissible_on: date | None = None
    previous_debtor: str | None = None
    effective_on: date | None = None


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
        motive=_text(data, "motive"),
        procedure=_text(data, "procedure"),
        commission=_text(data, "commission"),
        procedure_ref=_text(data, "procedure_ref"),
        admissible_on=_date(data, "admissible_on"),
        previous_debtor=_text(data, "previous_debtor"),
        effective_on=_date(data, "effective_on"),
    )


# -- reading the database ----------------------------------------------------------------------


def address_lines(address: str | None) -> tuple[str, ...]:
    """A postal address as lines: its own line breaks, else one line per comma-separated part."""
    if not address:
        return ()
    parts = address.splitlines() if "\n" in address else address.split(",")
    return tuple(part.strip() for part in parts if part.strip())


def _debtor(row: DebtorRow) -> DebtorInfo:
    return DebtorInfo(
        ref=row.ref,
        kind=DebtorKind(row.kind),
        name=row.name,
        address_lines=address_lines(row.address),
        nir_masked=mask("nir", row.nir) if row.nir else None,
        iban_masked=mask("iban", row.iban) if row.iban else None,
        siren=row.siren,
        siret=row.siret,
        ice=row.ice,
        receives_benefits=row.receives_benefits,
    )


def movement_sums(session: Session, claim_ids: list[int], on: date) -> dict[int, dict[str, Cents]]:
    """Signed sums per claim and movement kind, booked on or before ``on``.

    A reversal counts under the kind of the movement it cancels, so a reversed payment lowers
    what was recovered rather than appearing apart.
    """
    reversed_ = aliased(MovementRow)
    kind = func.coalesce(reversed_.kind, MovementRow.kind)
    query = (
        select(MovementRow.claim_id, kind, func.sum(MovementRow.signed_cents))
        .outerjoin(reversed_, reversed_.key == MovementRow.reverses_key)
        .where(MovementRow.claim_id.in_(claim_ids), MovementRow.booked_on <= on)
        .group_by(MovementRow.claim_id, kind)
    )
    sums: dict[int, dict[str, Cents]] = {}
    for claim_id, kind_name, total in session.execute(query):
        sums.setdefault(claim_id, {})[str(kind_name)] = int(total or 0)
    return sums


def _claim(
    row: ClaimRow, organism: str, lines: tuple[UndueLine, ...], sums: Mapping[str, Cents]
) -> ClaimInfo:
    benefit = Benefit(row.benefit)

    def signed(*kinds: MovementKind) -> Cents:
        return sum(sums.get(kind.value, 0) for kind in kinds)

    return ClaimInfo(
        ref=row.ref,
        benefit=benefit,
        benefit_name=BENEFIT_NAMES[benefit],
        creditor=Creditor(row.creditor),
        responsibility=Responsibility(row.responsibility),
        reason=row.reason,
        established_on=row.established_on,
        notified_on=row.notified_on,
        lines=lines,
        payment_reference=payment_reference(organism, row.ref),
        appeal_route=appeal_route(repository.to_claim(row, organism, "", lines)),
        principal=signed(MovementKind.ESTABLISHED),
        indemnity=signed(MovementKind.INDEMNITY),
        surcharges=signed(MovementKind.SURCHARGE),
        recovered=-signed(MovementKind.PAYMENT, MovementKind.WITHHOLDING),
        remitted=-signed(MovementKind.REMISSION),
        cancelled=-signed(MovementKind.CANCELLATION),
        written_off=-signed(MovementKind.WRITE_OFF, MovementKind.DISCHARGE),
        refunded=signed(MovementKind.REFUND),
        total=sum(sums.values()),
    )


def letter_context(session: Session, letter_id: int, policy: policies.Policy | None = None) -> LetterContext:
    """The context of letter ``letter_id`` as of its issue date.

    ``policy`` is the organism's (with its overrides); without it the national policy of its
    country is read, for the currency and, for the CNSS, the surcharge rates in force.
    """
    letter = session.get(LetterRow, letter_id)
    if letter is None:
        raise NotFound("letter", letter_id, "no such letter")
    organism_row = session.get(OrganismRow, letter.organism_id)
    debtor_row = session.get(DebtorRow, letter.debtor_id)
    if organism_row is None or debtor_row is None:  # pragma: no cover - foreign keys forbid it
        raise NotFound("letter", letter_id, "its organism or debtor is missing")
    country = Country(organism_row.country)
    rules = policy if policy is not None else policies.national(country.value)
    on = letter.issued_on
    claim_rows = list(
        session.scalars(
            select(ClaimRow)
            .join(LetterClaimRow, LetterClaimRow.claim_id == ClaimRow.id)
            .where(LetterClaimRow.letter_id == letter.id)
            .order_by(ClaimRow.established_on, ClaimRow.ref)
        )
    )
    ids = [row.id for row in claim_rows]
    lines = repository.lines_by_claim(session, ids)
    sums = movement_sums(session, ids, on) if ids else {}
    claims = tuple(
        _claim(row, organism_row.code, lines.get(row.id, ()), sums.get(row.id, {})) for row in claim_rows
    )
    data: dict[str, object] = dict(letter.data or {})
    terms = read_terms(data, claims)
    if terms.previous_debtor is not None:
        # Procedures record the previous debtor's file number: the letter names them.
        previous = session.scalar(
            select(DebtorRow.name).where(
                DebtorRow.organism_id == letter.organism_id, DebtorRow.ref == terms.previous_debtor
            )
        )
        if previous:
            terms = replace(terms, previous_debtor=previous)
    if terms.deadline is None and letter.type == "formal_notice" and "default.formal_notice_months" in rules:
        months = rules.whole("default.formal_notice_months", on)
        terms = replace(terms, deadline=on + relativedelta(months=months))
    surcharge = None
    if country is Country.MA and "cnss.surcharge_first" in rules and "cnss.surcharge_monthly" in rules:
        surcharge = SurchargeRule(
            first_month=rules.percent("cnss.surcharge_first", on),
            each_further_month=rules.percent("cnss.surcharge_monthly", on),
        )
    return LetterContext(
        id=letter.id,
        key=letter.key,
        type=letter.type,
        issued_on=on,
        cycle=letter.cycle,
        status=letter.status,
        organism=OrganismInfo(
            code=organism_row.code,
            country=country,
            name=organism_row.name or DEFAULT_ORGANISM_NAMES[country],
            currency=str(rules.get("currency", on)),
        ),
        debtor=_debtor(debtor_row),
        claims=claims,
        terms=terms,
        data=MappingProxyType(data),
        surcharge=surcharge,
    )
