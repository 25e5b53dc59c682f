"""Every letter type × debtor kind × country renders to an accessible PDF with its mentions."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from recouvre.domain import withholding as domain_withholding
from recouvre.domain import withholding_rules
from recouvre.domain.launch import payment_reference
from recouvre.letters import context as context_module
from recouvre.letters import render as render_module
from recouvre.letters.render import TEMPLATES

from .conftest import ALL_TYPES, FR, IBAN, ICE, MA, NIR, SIREN, SIRET, Rendered

WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
INLINE = re.compile(r"</?(strong|em|span)[^>]*>")
TAG = re.compile(r"<[^>]+>")
KINDS = ("person", "legal")
EVERY = [
    (country, letter_type, kind) for country in ("FR", "MA") for letter_type in ALL_TYPES for kind in KINDS
]

CLAIMS = {
    ("FR", "person"): ("IND-001", "IND-002"),
    ("FR", "legal"): ("IND-101",),
    ("MA", "legal"): ("COT-001",),
    ("MA", "person"): ("COT-002",),
}
BALANCES = {
    # IND-001: 241,00 - 41,00 paid on 10/04 - 50,00 remitted on 02/06 (the 10,00 paid on 20/06,
    # after the issue date, is not counted); IND-002: 600,00 + 60,00 fraud indemnity.
    ("FR", "person"): "810,00 €",
    ("FR", "legal"): "620,00 €",
    # COT-001: 25 000,00 + 750,00 surcharge.
    ("MA", "legal"): "25 750,00 MAD",
    ("MA", "person"): "850,00 MAD",
}

SPECIFIC: dict[tuple[str, str], tuple[str, ...]] = {
    ("FR", "reminder_1"): ("Rappel de paiement", "échéancier"),
    ("FR", "reminder_2"): ("Second rappel", "mise en demeure"),
    ("FR", "formal_notice"): (
        "Mise en demeure de payer",
        "mise en demeure",
        "un mois",
        "2 juillet 2025",
        "contrainte",
    ),
    ("FR", "contrainte"): (
        "Contrainte",
        "quinze jours",
        "opposition",
        "19 quai François Mitterrand",
        "tous les effets d'un jugement",
        "Mme Claire Martin",
    ),
    ("FR", "remission_decision"): ("remise", "taux de remise : 25 %"),
    ("FR", "claims_list"): ("État des créances", "BDF-2025-00042", "20 mai 2025"),
    ("FR", "change_of_debtor"): ("M. Paul DURAND", "1er juin 2025", "séparation du couple", "deux mois"),
    ("MA", "notification"): (
        "Avis de débit",
        "cotisations",
        "Majorations de retard",
        "3 %",
        "1 %",
        "Damancom",
    ),
    ("MA", "reminder_1"): ("Avis de relance", "majorations de retard"),
    ("MA", "reminder_2"): ("Second avis de relance", "dernier avis sans frais", "commandement"),
    ("MA", "formal_notice"): (
        "Mise en demeure",
        "mise en demeure",
        "un mois",
        "2 juillet 2025",
        "commandement",
    ),
    ("MA", "contrainte"): ("Commandement de payer", "loi n° 15-97", "Mme Claire Martin"),
    ("MA", "remission_decision"): ("remise des majorations", "25 %"),
    ("MA", "claims_list"): ("Relevé des créances", "BDF-2025-00042"),
    ("MA", "change_of_debtor"): ("M. Paul DURAND", "1er juin 2025", "désormais"),
}


def _missing(text: str, expected: tuple[str, ...]) -> list[str]:
    return [item for item in expected if item not in text]


@pytest.mark.parametrize(("country", "letter_type", "kind"), EVERY)
def test_every_letter_renders_with_its_claims_and_payment_means(
    rendered: dict[tuple[str, str, str], Rendered], country: str, letter_type: str, kind: str
) -> None:
    letter = rendered[(country, letter_type, kind)]
    assert letter.pdf.startswith(b"%PDF-")
    text = letter.text
    organism = FR if country == "FR" else MA
    claims = CLAIMS[(country, kind)]
    if letter_type == "notification":
        claims = claims[:1]
    if letter_type == "remission_decision" and country == "FR" and kind == "person":
        claims = ("IND-001",)  # the fraud claim cannot be remitted: it is not in that letter
    expected = [
        *claims,
        *(payment_reference(organism, ref) for ref in claims),
        "Reste dû",
        "2 juin 2025" if letter_type != "notification" else "3 mars 2025",
    ]
    if letter_type not in {"notification", "remission_decision"}:
        expected.append(BALANCES[(country, kind)])
    if letter_type != "claims_list":
        expected += ["Damancom"] if country == "MA" else ["carte bancaire", "prélèvement SEPA", "virement"]
    if kind == "legal":
        expected += ["représentant légal"]
        expected += [ICE] if country == "MA" else [SIREN, SIRET]
    if country == "MA":
        expected.append("MAD")
    expected += SPECIFIC.get((country, letter_type), ())
    assert _missing(text, tuple(expected)) == []


@pytest.mark.parametrize(("country", "letter_type", "kind"), EVERY)
def test_no_full_nir_or_iban_is_printed(
    rendered: dict[tuple[str, str, str], Rendered], country: str, letter_type: str, kind: str
) -> None:
    letter = rendered[(country, letter_type, kind)]
    compact = letter.text.replace(" ", "")
    for secret in (NIR, IBAN, NIR[:13]):
        assert secret not in compact
        assert secret not in letter.html
    if (country, kind) == ("FR", "person"):
        assert "18…46" in letter.text  # the masked NIR identifies the file without disclosing it


def test_notification_carries_every_mandatory_mention(rendered: dict[tuple[str, str, str], Rendered]) -> None:
    text = rendered[("FR", "notification", "person")].text
    expected = (
        "Notification de dette",
        "Allocations familiales",  # nature of the payments
        "05/11/2024",  # each payment date
        "05/12/2024",
        "241,00 €",  # amount claimed
        "changement de situation familiale déclaré tardivement",  # reason
        "20 jours",  # correction right, with its date
        "23 mars 2025",
        "retenue sur les prestations à venir",  # withholding after the 20 days...
        "remboursez la totalité",  # ... unless full payment
        "12 mois au plus",  # ... or a schedule of at most 12 months
        "immédiatement exigible",
        payment_reference(FR, "IND-001"),  # payment means with the reference
        "carte bancaire",
        "prélèvement SEPA",
        "1234567",  # file number quoted with a transfer
        "Directeur comptable et financier",
        "remise de dette",
        "commission de recours amiable",  # appeal routes and time limits
        "deux mois",
        "3 mai 2025",
        "rejet implicite",
        "pôle social du tribunal judiciaire",
    )
    assert _missing(text, expected) == []


def test_notification_for_rsa_fraud_has_no_remission_and_the_administrative_route(
    rendered: dict[tuple[str, str, str], Rendered],
) -> None:
    text = rendered[("FR", "notification", "fraud")].text
    expected = (
        "Revenu de solidarité active",
        "05/10/2024",
        "ressources non déclarées",
        "aucune remise de dette",
        "60,00 €",  # the 10 % indemnity
        "recours administratif préalable obligatoire (RAPO)",
        "président du conseil départemental",
        "tribunal administratif",
        "deux mois",
    )
    assert _missing(text, expected) == []
    assert "commission de recours amiable" not in text


def test_notification_of_a_legal_person_without_benefits_asks_for_payment(
    rendered: dict[tuple[str, str, str], Rendered],
) -> None:
    text = rendered[("FR", "notification", "legal")].text
    expected = (
        "Madame, Monsieur le représentant légal",
        "SCI Les Acacias",
        "Aide personnalisée au logement",
        "05/01/2025",
        "05/02/2025",
        "620,00 €",
        "départ du locataire non signalé",
        "ne perçoit plus de prestations",
        "en une seule fois",
        "12 mois au plus",
        "20 jours",
        "23 mars 2025",
        "RAPO",
        "tribunal administratif",
        "remise de dette",
    )
    assert _missing(text, expected) == []


def test_balance_is_the_one_of_the_issue_date(rendered: dict[tuple[str, str, str], Rendered]) -> None:
    text = rendered[("FR", "reminder_1", "person")].text
    assert "150,00 €" in text  # IND-001 on 2 June: the payment of 20 June is not counted
    assert "140,00 €" not in text


def test_html_is_french_structured_and_linked_to_the_packaged_stylesheet(
    rendered: dict[tuple[str, str, str], Rendered],
) -> None:
    html = rendered[("FR", "notification", "person")].html
    assert '<html lang="fr">' in html
    assert "<h1>Notification de dette (indu)</h1>" in html
    assert '<th scope="col">' in html
    assert 'href="letter.css"' in html


def test_pdf_is_tagged_a4_in_french_with_dejavu_fonts(rendered: dict[tuple[str, str, str], Rendered]) -> None:
    reader = PdfReader(io.BytesIO(rendered[("MA", "formal_notice", "legal")].pdf))
    root = reader.root_object
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "fr"
    assert reader.metadata is not None and "Mise en demeure" in str(reader.metadata.title)
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    resources = page["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    font_dict = resources["/Font"].get_object()
    assert isinstance(font_dict, DictionaryObject)
    fonts = {str(font.get_object()["/BaseFont"]) for font in font_dict.values()}
    assert fonts and all("DejaVu-Sans" in name for name in fonts)


def test_no_word_is_glued_to_the_next_by_template_whitespace(
    rendered: dict[tuple[str, str, str], Rendered],
) -> None:
    """Every word of a letter comes from its templates or its data: a word found nowhere else
    is two words glued together by a block tag that ate the space between them."""
    sources = [
        *TEMPLATES.rglob("*.html"),
        Path(context_module.__file__),
        Path(render_module.__file__),
        Path(__file__).with_name("conftest.py"),
        # The explanation of the withholding is written by the domain, in the debtor space's words.
        Path(withholding_rules.__file__),
        Path(domain_withholding.__file__),
    ]
    vocabulary = {word.lower() for path in sources for word in WORD.findall(path.read_text())}
    glued: dict[str, str] = {}
    for (country, letter_type, kind), letter in rendered.items():
        body = INLINE.sub("", letter.html.split("<body", 1)[1])
        for word in WORD.findall(html.unescape(TAG.sub(" ", body))):
            if word.lower() not in vocabulary and not word.startswith(("RF", "CNSS", "CAF")):
                glued.setdefault(word, f"{country} {letter_type} {kind}")
    assert glued == {}
