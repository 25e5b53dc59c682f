"""A small portfolio built through the service layer, with one letter of every type and kind.

Caf (FR): a natural person (NIR, IBAN) with an AF claim (board route) and a fraud RSA claim
(administrative route, no remission), and a legal person (SIREN/SIRET, a landlord) with an APL
claim. CNSS (MA): an employer (ICE) and a self-employed worker, with contribution claims.
``establish_claims`` records the notifications; the other letters are inserted as the monthly
cycle would, with ``repository.insert_letters``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from recouvre.adapters.generator import ice_of
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    Debtor,
    DebtorKind,
    Organism,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.letters import render_html
from recouvre.service import Services
from recouvre.service.claims import establish_claims
from recouvre.service.letter_context import letter_context
from recouvre.service.letters import render
from recouvre.service.payments import book, record_payment
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.storage import repository
from recouvre.storage.database import Database
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import DebtorRow, LetterRow, OrganismRow

FR = "CAF-44"
MA = "CNSS-CASA"
NIR = "184127645108946"
IBAN = "FR1420041010050500013M02606"
SIREN = "552100554"
SIRET = "55210055400013"
ICE = ice_of(123456789, 1)
NOTIFIED = date(2025, 3, 3)
ISSUED = date(2025, 6, 2)
"""Issue date of the letters after the notification (reminders, formal notice…)."""

OTHER_TYPES = (
    "reminder_1",
    "reminder_2",
    "formal_notice",
    "contrainte",
    "remission_decision",
    "claims_list",
    "change_of_debtor",
)
ALL_TYPES = ("notification", *OTHER_TYPES)

OTHER_DATA: dict[str, dict[str, object]] = {
    "reminder_1": {"step": "reminder_1", "defaults": 1},
    "reminder_2": {"step": "reminder_2", "defaults": 2},
    "formal_notice": {"step": "formal_notice", "defaults": 3, "deadline": "2025-07-02"},
    "contrainte": {
        "court_address": "Tribunal judiciaire de Nantes, pôle social, 19 quai François Mitterrand, "
        "44000 Nantes",
        "signatory": "Mme Claire Martin, directrice adjointe",
    },
    "remission_decision": {
        "decision": "partial",
        "remitted_cents": 5_000,
        "rate": "25",
        "authority": "services",
        "motive": "situation financière précaire",
    },
    "claims_list": {
        "procedure": "over_indebtedness",
        "commission": "la commission de surendettement de Loire-Atlantique",
        "procedure_ref": "BDF-2025-00042",
        "admissible_on": "2025-05-20",
    },
    "change_of_debtor": {
        "previous_debtor": "M. Paul DURAND",
        "effective_on": "2025-06-01",
        "motive": "séparation du couple",
    },
}


@dataclass(frozen=True)
class Portfolio:
    services: Services
    db_url: str
    letters: dict[tuple[str, str, str], int]
    """Letter id by (country, type, debtor kind)."""


def _fr_debtors() -> list[Debtor]:
    return [
        Debtor(
            ref="1234567",
            organism=FR,
            kind=DebtorKind.PERSON,
            name="Marie DUPONT",
            nir=NIR,
            iban=IBAN,
            address="12 rue des Lilas\n44000 Nantes",
            receives_benefits=True,
        ),
        Debtor(
            ref="7654321",
            organism=FR,
            kind=DebtorKind.LEGAL,
            name="SCI Les Acacias",
            siren=SIREN,
            siret=SIRET,
            address="3 place Royale, 44000 Nantes",
            receives_benefits=False,
        ),
    ]


def _fr_claims() -> list[Claim]:
    return [
        Claim(
            ref="IND-001",
            organism=FR,
            debtor_ref="1234567",
            benefit=Benefit.AF,
            creditor=Creditor.OWN,
            responsibility=Responsibility.DEBTOR_ERROR,
            lines=(UndueLine(date(2024, 11, 5), 12_050), UndueLine(date(2024, 12, 5), 12_050)),
            established_on=date(2025, 2, 20),
            notified_on=NOTIFIED,
            detected_on=date(2025, 2, 20),
            reason="changement de situation familiale déclaré tardivement",
        ),
        Claim(
            ref="IND-002",
            organism=FR,
            debtor_ref="1234567",
            benefit=Benefit.RSA,
            creditor=Creditor.DEPARTEMENT,
            responsibility=Responsibility.FRAUD,
            lines=(UndueLine(date(2024, 10, 5), 60_000),),
            established_on=date(2025, 2, 20),
            notified_on=NOTIFIED,
            detected_on=date(2025, 2, 20),
            reason="ressources non déclarées",
        ),
        Claim(
            ref="IND-101",
            organism=FR,
            debtor_ref="7654321",
            benefit=Benefit.APL,
            creditor=Creditor.OWN,
            responsibility=Responsibility.THIRD_PARTY_ERROR,
            lines=(UndueLine(date(2025, 1, 5), 31_000), UndueLine(date(2025, 2, 5), 31_000)),
            established_on=date(2025, 2, 20),
            notified_on=NOTIFIED,
            detected_on=date(2025, 2, 20),
            reason="départ du locataire non signalé",
        ),
    ]


def _ma_debtors() -> list[Debtor]:
    return [
        Debtor(
            ref="2345678",
            organism=MA,
            kind=DebtorKind.LEGAL,
            name="Atlas Textile SARL",
            ice=ICE,
            address="Boulevard Zerktouni, 20000 Casablanca, Maroc",
        ),
        Debtor(
            ref="9876543",
            organism=MA,
            kind=DebtorKind.PERSON,
            name="Youssef EL AMRANI",
            address="Rue Ibn Batouta, Rabat, Maroc",
        ),
    ]


def _ma_claims() -> list[Claim]:
    return [
        Claim(
            ref="COT-001",
            organism=MA,
            debtor_ref="2345678",
            benefit=Benefit.CONTRIB,
            creditor=Creditor.OWN,
            responsibility=Responsibility.DEBTOR_ERROR,
            lines=(UndueLine(date(2025, 1, 10), 1_250_000), UndueLine(date(2025, 2, 10), 1_250_000)),
            established_on=date(2025, 2, 20),
            notified_on=NOTIFIED,
            detected_on=date(2025, 2, 20),
            reason="cotisations impayées",
        ),
        Claim(
            ref="COT-002",
            organism=MA,
            debtor_ref="9876543",
            benefit=Benefit.CONTRIB,
            creditor=Creditor.OWN,
            responsibility=Responsibility.DEBTOR_ERROR,
            lines=(UndueLine(date(2025, 2, 10), 85_000),),
            established_on=date(2025, 2, 20),
            notified_on=NOTIFIED,
            detected_on=date(2025, 2, 20),
            reason="cotisations impayées",
        ),
    ]


def build(services: Services) -> dict[tuple[str, str, str], int]:
    """Register, establish, book a few movements and insert the letters; their ids by key."""
    ensure_organism(services, Organism(code=FR, country=Country.FR, name="Caf de Loire-Atlantique"))
    ensure_organism(services, Organism(code=MA, country=Country.MA, name=""))
    register_debtors(services, FR, _fr_debtors())
    register_debtors(services, MA, _ma_debtors())
    establish_claims(services, FR, _fr_claims())
    establish_claims(services, MA, _ma_claims())
    # A payment before the letters' issue date counts in their balance; one after does not.
    record_payment(services, FR, "IND-001", 4_100, date(2025, 4, 10), PaymentChannel.TRANSFER, "p1")
    record_payment(services, FR, "IND-001", 1_000, date(2025, 6, 20), PaymentChannel.CARD, "p2")
    book(
        services,
        MA,
        "COT-001",
        MovementRequest(
            key=f"{MA}:COT-001:surcharge:2025-03",
            kind=MovementKind.SURCHARGE,
            amount=75_000,
            booked_on=date(2025, 3, 31),
            note="majoration 3 %",
        ),
    )
    book(
        services,
        FR,
        "IND-001",
        MovementRequest(
            key=f"{FR}:IND-001:remission:1", kind=MovementKind.REMISSION, amount=5_000, booked_on=ISSUED
        ),
    )
    with services.db.unit_of_work() as session:
        drafts: list[LetterDraft] = []
        for code in (FR, MA):
            organism_id = repository.organism_id(session, code)
            assert organism_id is not None
            debtors = repository.debtor_rows(session, organism_id, _refs(code))
            claims = repository.claim_rows(session, organism_id, _claim_refs(code))
            for debtor in debtors.values():
                own = tuple(row.id for row in claims.values() if row.debtor_id == debtor.id)
                remissible = tuple(
                    row.id
                    for row in claims.values()
                    if row.debtor_id == debtor.id and row.responsibility != Responsibility.FRAUD.value
                )
                for letter_type in OTHER_TYPES:
                    drafts.append(
                        LetterDraft(
                            key=f"{code}:{debtor.ref}:{letter_type}:2025-06",
                            organism_id=organism_id,
                            debtor_id=debtor.id,
                            type=letter_type,
                            issued_on=ISSUED,
                            claim_ids=remissible if letter_type == "remission_decision" else own,
                            cycle="2025-06",
                            data=OTHER_DATA[letter_type],
                        )
                    )
        repository.insert_letters(session, drafts)
    return letter_ids(services)


def _refs(code: str) -> list[str]:
    return [debtor.ref for debtor in (_fr_debtors() if code == FR else _ma_debtors())]


def _claim_refs(code: str) -> list[str]:
    return [claim.ref for claim in (_fr_claims() if code == FR else _ma_claims())]


def letter_ids(services: Services) -> dict[tuple[str, str, str], int]:
    """One letter id per (country, type, kind): the first notification for the person."""
    found: dict[tuple[str, str, str], int] = {}
    with services.db.unit_of_work() as session:
        query = (
            select(LetterRow.id, OrganismRow.country, LetterRow.type, DebtorRow.kind)
            .join(OrganismRow, OrganismRow.id == LetterRow.organism_id)
            .join(DebtorRow, DebtorRow.id == LetterRow.debtor_id)
            .order_by(LetterRow.id)
        )
        for ident, country, letter_type, kind in session.execute(query):
            found.setdefault((country, letter_type, kind), ident)
    return found


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/t.db"


@pytest.fixture
def portfolio(db_url: str) -> Iterator[Portfolio]:
    services = Services(Database(db_url))
    try:
        yield Portfolio(services=services, db_url=db_url, letters=build(services))
    finally:
        services.db.dispose()


@dataclass(frozen=True)
class Rendered:
    id: int
    html: str
    pdf: bytes
    text: str


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str, str], Rendered]]:
    """Every letter type, for each debtor kind and country, rendered once for the module.

    Keys are (country, type, kind); ("FR", "notification", "fraud") is the person's fraud RSA
    claim's notification.
    """
    folder = tmp_path_factory.mktemp("letters")
    services = Services(Database(f"sqlite:///{folder}/t.db"))
    try:
        ids = build(services)
        ids[("FR", "notification", "fraud")] = notification_id(services, FR, "IND-002")
        found: dict[tuple[str, str, str], Rendered] = {}
        for key, ident in ids.items():
            with services.db.unit_of_work() as session:
                html = render_html(letter_context(session, ident))
            pdf = render(services, ident)
            found[key] = Rendered(id=ident, html=html, pdf=pdf, text=pdf_text(pdf))
        yield found
    finally:
        services.db.dispose()


def notification_id(services: Services, organism: str, claim_ref: str) -> int:
    with services.db.unit_of_work() as session:
        ident = session.scalar(
            select(LetterRow.id).where(LetterRow.key == f"{organism}:{claim_ref}:notification")
        )
    assert ident is not None
    return ident


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, one space between words (line breaks and no-break spaces included)."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))
