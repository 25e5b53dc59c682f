"""The contrainte's PDF carries every mention CSS R133-3 requires on pain of nullity, read back
from the PDF's text: its reference, the amount and its detail by nature, the 15-day opposition
time limit, the competent court (pôle social of the tribunal judiciaire, or the tribunal
administratif for RSA) and its address, how to seize it, the signer and the mandate."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from recouvre.domain.errors import NotFound
from recouvre.service import Services, accounts, commands, letters, mandates
from recouvre.storage.tables import DebtorRow, LetterRow

from .conftest import ORG, PASSWORD, person

ON = date(2026, 6, 5)
WORKER = person("cw", "case_worker")
DIRECTOR = person("dir", "director")


def _text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _contrainte_of(services: Services, debtor_ref: str) -> str:
    with services.db.unit_of_work() as session:
        debtor_id = session.scalar(select(DebtorRow.id).where(DebtorRow.ref == debtor_ref))
        letter_id = session.scalar(
            select(LetterRow.id).where(LetterRow.type == "contrainte", LetterRow.debtor_id == debtor_id)
        )
    assert letter_id is not None
    return _text(letters.render(services, letter_id))


COURTS = [
    {
        "kind": "judicial",
        "postcodes": ["75"],
        "name": "Pôle social du tribunal judiciaire de Paris",
        "address": "Parvis du Tribunal de Paris, 75017 Paris",
    },
    {
        "kind": "injunction",
        "postcodes": ["69"],
        "name": "Tribunal judiciaire de Lyon",
        "address": "67 rue Servient, 69003 Lyon",
    },
    {
        "kind": "judicial",
        "postcodes": ["69"],
        "name": "Pôle social du tribunal judiciaire de Lyon",
        "address": "67 rue Servient, 69003 Lyon",
    },
]


def _with_courts(services: Services) -> Services:
    """The organism's directory of courts (policy ``enforcement.courts``)."""
    return replace(services, policy_values={"enforcement.courts": COURTS}, _policies={})


def test_contrainte_mentions_judicial_court_signer_and_mandate(contentious: Services) -> None:
    contentious = _with_courts(contentious)
    with contentious.db.unit_of_work() as session:
        session.execute(
            update(DebtorRow).where(DebtorRow.ref == "D1").values(address="12 rue des Lilas\n75012 PARIS")
        )
    accounts.add_user(contentious, "deputy", PASSWORD, ["accountant"], organism=ORG, by="t")
    granted = mandates.grant_mandate(
        contentious,
        "deputy",
        "sign_enforcement_titles",
        date(2026, 6, 1),
        date(2026, 12, 31),
        by="dir",
        why="x",
    )
    draft = commands.draft_title(contentious, WORKER, ORG, "C1", ON)
    commands.sign_title(contentious, accounts.actor_of(contentious, "deputy"), ORG, draft.id, ON)
    text = _contrainte_of(contentious, "D1")
    assert f"CTR-{ORG}-C1-{draft.id}" in text  # the reference
    assert "C1" in text
    assert "300,00" in text  # the amount
    assert "Détail des sommes réclamées par nature" in text
    assert "Indu de allocations familiales" in text and "05/10/2025" in text
    assert "quinze jours" in text and "15 jours" in text  # the opposition time limit
    assert "pôle social du tribunal judiciaire" in text
    assert "Tribunal compétent : Pôle social du tribunal judiciaire de Paris" in text
    assert "Adresse du tribunal : Parvis du Tribunal de Paris, 75017 Paris" in text
    assert (
        "lettre recommandée avec demande d'avis de réception adressée à ce secrétariat" in text
    )  # how to seize
    assert "motivée" in text and "copie de la contrainte" in text
    assert "tous les effets d'un jugement" in text
    assert "deputy" in text and f"mandat n° {granted.id}" in text  # the signer and the mandate
    assert "L. 161-1-5" in text and "R. 133-3" in text


def test_contrainte_for_rsa_goes_to_the_administrative_court(contentious: Services) -> None:
    draft = commands.draft_title(contentious, WORKER, ORG, "C3", ON)
    commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    text = _contrainte_of(contentious, "D2")
    assert "tribunal administratif" in text
    assert "pôle social" not in text
    assert "Télérecours" in text
    assert "450,00" in text and "quinze jours" in text
    assert "Adresse du tribunal" in text
    assert "dir" in text and "pouvoir propre du directeur" in text


def test_a_home_outside_the_directory_is_described_never_invented(contentious: Services) -> None:
    """No court of the directory serves a home in 13xxx: the contrainte names the court of the
    debtor's home and says its address comes with the service (no made-up « tribunal de X »)."""
    contentious = _with_courts(contentious)
    with contentious.db.unit_of_work() as session:
        session.execute(
            update(DebtorRow).where(DebtorRow.ref == "D1").values(address="1 rue de Rome\n13001 MARSEILLE")
        )
    draft = commands.draft_title(contentious, WORKER, ORG, "C1", ON)
    commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    text = _contrainte_of(contentious, "D1")
    assert "Tribunal compétent : Pôle social du tribunal judiciaire du lieu de votre domicile" in text
    assert "Marseille" not in text.replace("MARSEILLE", "")
    assert "adresse communiquée lors de la signification" in text


def test_injunction_request_states_the_loan_and_the_sums_due(contentious: Services) -> None:
    contentious = _with_courts(contentious)
    with contentious.db.unit_of_work() as session:
        session.execute(
            update(DebtorRow).where(DebtorRow.ref == "D1").values(address="3 place du Marché\n69002 LYON")
        )
    draft = commands.draft_title(contentious, WORKER, ORG, "C2", ON)
    commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    name, pdf = commands.title_document(contentious, DIRECTOR, ORG, draft.id)
    assert name == f"requete-injonction-{draft.id}.pdf"
    text = _text(pdf)
    assert "Requête en injonction de payer" in text
    assert f"IP-{ORG}-C2-{draft.id}" in text
    assert "Tribunal judiciaire de Lyon" in text
    assert "prêt d'action sociale" in text and "05/10/2025" in text  # the loan's facts
    assert "Capital restant dû au titre du prêt" in text and "900,00" in text  # the sums due
    assert "10/01/2026" in text  # notified
    assert "mise en demeure" in text and "02/04/2026" in text
    assert "1405" in text
    assert "69002 LYON" in text


def test_contrainte_document_needs_a_signature(contentious: Services) -> None:
    draft = commands.draft_title(contentious, WORKER, ORG, "C4", ON)
    with pytest.raises(NotFound):
        commands.title_document(contentious, DIRECTOR, ORG, draft.id)
    commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    name, pdf = commands.title_document(contentious, DIRECTOR, ORG, draft.id)
    assert name == f"contrainte-{draft.id}.pdf" and "Contrainte" in _text(pdf)
