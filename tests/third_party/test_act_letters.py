"""The letters of the acts, rendered to PDF and read back with pypdf: each carries its mandatory
mentions (appeal acknowledgment and decision, write-off decision, transfer to the département)."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from recouvre.domain.model import Benefit, Creditor
from recouvre.service import Services, appeals, letters, third_party, write_offs
from recouvre.storage.tables import LetterRow

from .conftest import ORG, Setup, make_claim

NOTIFIED = date(2027, 2, 1)


def _text(services: Services, letter_type: str) -> str:
    with services.db.unit_of_work() as session:
        ids = session.scalars(select(LetterRow.id).where(LetterRow.type == letter_type)).all()
    assert len(ids) == 1, (letter_type, ids)
    pdf = letters.render(services, ids[0])
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


def test_appeal_acknowledgment_and_decision(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", benefit=Benefit.AF, creditor=Creditor.OWN, amount=123_456, notified_on=NOTIFIED))
    appeals.file_appeal(services, ORG, "C1", date(2027, 3, 5), actor="agent", why="courrier")
    text = _text(services, "appeal_acknowledgment")
    assert "Accusé de réception de votre recours" in text
    assert "reçu le 5 mars 2027" in text  # the date of receipt
    assert "commission de recours amiable" in text
    assert "au plus tard le 5 mai 2027" in text and "rejet implicite" in text and "R142-6" in text
    assert "pôle social du tribunal judiciaire" in text and "deux mois" in text
    assert "au plus tard le 5 juillet 2027" in text  # the next remedy's deadline after an implicit rejection
    assert "1 234,56 €" in text
    appeals.decide_appeal(
        services,
        ORG,
        "C1",
        date(2027, 4, 2),
        "reduced",
        100_000,
        actor="cra",
        why="séance",
        reasons="revenus mal pris en compte",
    )
    text = _text(services, "appeal_decision")
    assert "commission de recours amiable" in text and "2 avril 2027" in text  # who decided, and when
    assert "partiellement accepté" in text and "1 000,00 €" in text
    assert "Motifs de la décision" in text and "revenus mal pris en compte" in text
    assert "pôle social du tribunal judiciaire" in text and "deux mois" in text
    assert "au plus tard le 2 juin 2027" in text


def test_rsa_appeal_goes_to_the_departement_and_the_administrative_court(
    services: Services, setup: Setup
) -> None:
    setup(make_claim("C1", amount=50_000, notified_on=NOTIFIED))
    appeals.file_appeal(services, ORG, "C1", date(2027, 3, 1))
    text = _text(services, "appeal_acknowledgment")
    assert "président du conseil départemental" in text and "tribunal administratif" in text
    assert "suspendu" in text  # RSA: every appeal suspends (CASF L262-46)
    appeals.decide_appeal(
        services, ORG, "C1", date(2027, 4, 1), "rejected", reasons="ressources non déclarées"
    )
    text = _text(services, "appeal_decision")
    assert "rejeté" in text and "ressources non déclarées" in text and "tribunal administratif" in text


def test_write_off_decision_for_the_file(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", benefit=Benefit.AF, creditor=Creditor.OWN, amount=123_456, notified_on=NOTIFIED))
    write_offs.write_off(services, ORG, "C1", date(2027, 3, 5), "board", "débiteur insolvable", actor="cra")
    text = _text(services, "write_off_decision")
    assert "Décision d'admission en non-valeur" in text and "document interne" in text
    assert "L133-3" in text and "conseil d'administration" in text and "5 mars 2027" in text
    assert "1 234,56 €" in text and "débiteur insolvable" in text and "n'éteint pas la dette" in text


def test_transfer_letters(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", debtor="D2", amount=123_456, notified_on=NOTIFIED))
    third_party.transfer(services, ORG, "C1", date(2027, 3, 5), departement="44", reason="fin de droits")
    text = _text(services, "transfer_departement")
    assert "Président du conseil départemental" in text and "Département 44" in text
    assert "L262-46" in text and "titre de recettes" in text and "5 mars 2027" in text
    assert (
        "Principal de l'indu" in text
        and "Frais" in text
        and "Solde transféré" in text
        and "1 234,56 €" in text
    )
    assert "fin de droits" in text and "historique" in text
    text = _text(services, "transfer_notice")
    assert "transférée le 5 mars 2027" in text and "1 234,56 €" in text and "comptable public" in text


def test_move_letter(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", debtor="D2", amount=123_456, notified_on=NOTIFIED))
    third_party.move(services, ORG, "C1", date(2027, 3, 5), "49")
    text = _text(services, "transfer_departement")
    assert "Département 49" in text and "réside désormais dans votre département" in text
    assert "remise" in text and "5 mars 2027" in text and "1 234,56 €" in text
