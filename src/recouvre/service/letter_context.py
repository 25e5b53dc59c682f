"""Loading a letter's context from the database: the organism, the debtor, the claims covered
with their sums at the letter's date, and the terms the procedure decided (``letters.context``
holds the values; ``letters.render`` turns them into HTML and PDF)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
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
from recouvre.letters.context import (
    BENEFIT_NAMES,
    DEFAULT_ORGANISM_NAMES,
    ClaimInfo,
    DebtorInfo,
    LetterContext,
    LetterTerms,
    OrganismInfo,
    SurchargeRule,
    address_lines,
    read_terms,
)
from recouvre.storage import repository
from recouvre.storage.money_in_tables import PaymentReferenceRow
from recouvre.storage.tables import (
    ClaimRow,
    DebtorRow,
    LetterClaimRow,
    LetterRow,
    MovementRow,
    OrganismRow,
)


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
    row: ClaimRow,
    organism: str,
    lines: tuple[UndueLine, ...],
    sums: Mapping[str, Cents],
    reference: str | None = None,
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
        payment_reference=reference or payment_reference(organism, row.ref),
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
        costs=signed(MovementKind.COSTS),
    )


def letter_context(session: Session, letter_id: int, policy: policies.Policy | None = None) -> LetterContext:
    """The context of letter ``letter_id`` as of its issue date.

    ``policy`` is the organism's (with its overrides); without it the national policy of its
    country is read, for the currency and, for the CNSS, the surcharge rates in force.
    """
    letter = session.get(LetterRow, letter_id)
    if letter is None:
        raise NotFound("letter", letter_id, "courrier introuvable")
    organism_row = session.get(OrganismRow, letter.organism_id)
    debtor_row = session.get(DebtorRow, letter.debtor_id)
    if organism_row is None or debtor_row is None:  # pragma: no cover - foreign keys forbid it
        raise NotFound("letter", letter_id, "son organisme ou son débiteur manque")
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
    references: dict[int, str] = {
        claim_id: reference
        for claim_id, reference in session.execute(
            select(PaymentReferenceRow.claim_id, PaymentReferenceRow.reference).where(
                PaymentReferenceRow.claim_id.in_(ids)
            )
        )
    }
    claims = tuple(
        _claim(row, organism_row.code, lines.get(row.id, ()), sums.get(row.id, {}), references.get(row.id))
        for row in claim_rows
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
        **_explanation(session, letter, debtor_row, terms, rules, country),
    )


EXPLAINED = ("notification", "withholding_statement")
"""The letters that carry the explanation of the withholding (the same words as the debtor's space)."""


def _explanation(
    session: Session,
    letter: LetterRow,
    debtor: DebtorRow,
    terms: LetterTerms,
    rules: policies.Policy,
    country: Country,
) -> dict[str, tuple[str, ...]]:
    """The rules of the withholding (a notification recovered by withholding, a statement), and
    the computation of the statement's payment."""
    from recouvre.service import explanations

    if country is not Country.FR or letter.type not in EXPLAINED:
        return {}
    if (
        letter.type == "notification"
        and terms.recovery_mode != "withholding"
        and not debtor.receives_benefits
    ):
        return {}
    found: dict[str, tuple[str, ...]] = {
        "withholding_rules": explanations.rules_lines(rules, letter.issued_on)
    }
    paid_on = (letter.data or {}).get("paid_on")
    if letter.type == "withholding_statement" and isinstance(paid_on, str):
        found["withholding_lines"] = explanations.payment_lines(
            session, debtor.id, date.fromisoformat(paid_on)
        )
    return found
