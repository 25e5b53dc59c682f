"""A letter's context to HTML (Jinja2) and to PDF (WeasyPrint).

Templates live in ``templates/`` inside this package, one body per letter type and country
(``fr/notification.html``, ``ma/formal_notice.html``…), each extending ``base.html`` (the
letterhead, the address block, the references, the date, the footer). A debtor kind that needs
its own wording beyond what the body already varies may get its own file,
``<country>/<type>_<kind>.html``, which is chosen first.

The PDF is tagged (PDF/UA-1: structure, language, title) and deterministic: the same letter
renders to the same bytes, whenever it is printed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jinja2

from recouvre.domain.money import Cents, format_eur
from recouvre.letters.act_titles import ACT_REQUIRED, ACT_TITLES
from recouvre.letters.context import LetterContext

TEMPLATES = Path(str(files("recouvre.letters") / "templates"))
"""The templates folder (and the base URL of the stylesheet)."""

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

TITLES: dict[tuple[str, str], str] = {
    ("fr", "notification"): "Notification de dette (indu)",
    ("fr", "reminder_1"): "Rappel de paiement",
    ("fr", "reminder_2"): "Second rappel de paiement",
    ("fr", "formal_notice"): "Mise en demeure de payer",
    ("fr", "contrainte"): "Contrainte",
    ("fr", "remission_decision"): "Décision sur votre demande de remise de dette",
    ("fr", "claims_list"): "État des créances en cours",
    ("fr", "change_of_debtor"): "Notification de dette — changement de débiteur",
    ("fr", "withholding_statement"): "Votre retenue mensuelle sur prestations change",
    ("fr", "debit_prenotification"): "Avis de prélèvement SEPA",
    ("ma", "notification"): "Avis de débit de cotisations",
    ("ma", "reminder_1"): "Avis de relance",
    ("ma", "reminder_2"): "Second avis de relance",
    ("ma", "formal_notice"): "Mise en demeure",
    ("ma", "contrainte"): "Commandement de payer",
    ("ma", "remission_decision"): "Décision sur votre demande de remise des majorations",
    ("ma", "claims_list"): "Relevé des créances",
    ("ma", "change_of_debtor"): "Avis de transfert de débiteur",
    ("ma", "last_notice"): "Dernier avis sans frais",
    ("ma", "commandement"): "Commandement de payer",
    ("ma", "etat_de_produits"): "État de produits exécutoire",
    ("ma", "amnesty_offer"): "Remise des majorations de retard : offre de la campagne en cours",
}
"""The letter's title (its object), by country folder and type."""
TITLES.update(ACT_TITLES)

LETTER_TYPES = tuple(dict.fromkeys(letter_type for _, letter_type in TITLES))

REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("fr", "notification"): (
        "recovery_mode",
        "correction_deadline",
        "start_delay_days",
        "max_plan_months",
        "appeal_deadline",
    ),
    ("fr", "formal_notice"): ("deadline",),
    ("fr", "debit_prenotification"): ("deadline", "amount", "mandate"),
    ("ma", "formal_notice"): ("deadline",),
    ("ma", "last_notice"): ("deadline",),
}
"""Data a letter cannot be printed without (R-NOTIF-1: a notification missing its time limits
would make them unenforceable; a formal notice states its deadline)."""
REQUIRED.update(ACT_REQUIRED)


class UnknownLetterType(LookupError):
    """No template for this letter type in this country."""


class MissingMention(ValueError):
    """The letter's data lacks a mandatory mention: it is not rendered."""


def date_long(day: date) -> str:
    """``1er mars 2025``, ``12 mars 2025``."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def date_short(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def month_year(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def money_formatter(currency: str) -> Callable[[Cents], str]:
    """French display of an amount in ``currency``: ``1 234,56 €``, ``1 234,56 MAD``."""

    def money(cents: Cents) -> str:
        text = format_eur(cents)
        return text if currency == "EUR" else text.replace("€", currency)

    return money


def folder(context: LetterContext) -> str:
    return context.organism.country.value.lower()


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("recouvre.letters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date_long"] = date_long
    env.filters["date_short"] = date_short
    env.filters["month_year"] = month_year
    env.filters["iso_long"] = lambda text: date_long(date.fromisoformat(str(text)))
    return env


def template_for(context: LetterContext) -> jinja2.Template:
    country = folder(context)
    if (country, context.type) not in TITLES:
        raise UnknownLetterType(f"no template for a {context.type!r} letter ({country.upper()})")
    missing = [
        name for name in REQUIRED.get((country, context.type), ()) if getattr(context.terms, name) is None
    ]
    if missing:
        raise MissingMention(f"letter {context.id} ({context.type}): no {', '.join(missing)} in its data")
    names = [f"{country}/{context.type}_{context.debtor.kind.value}.html", f"{country}/{context.type}.html"]
    return environment().select_template(names)


def render_html(context: LetterContext) -> str:
    """The letter as a standalone HTML document (its stylesheet is linked, not inlined)."""
    country = folder(context)
    return template_for(context).render(
        letter=context,
        organism=context.organism,
        debtor=context.debtor,
        claims=context.claims,
        terms=context.terms,
        title=TITLES[(country, context.type)],
        money=money_formatter(context.organism.currency),
    )


def render_pdf(context: LetterContext) -> bytes:
    """The letter as an A4, tagged PDF (PDF/UA-1), the same bytes at every rendering."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported here: it is slow to load

    identifier = hashlib.sha256(f"{context.organism.code}:{context.key}".encode()).hexdigest()[:32]
    document = HTML(string=render_html(context), base_url=str(TEMPLATES))
    pdf: bytes = document.write_pdf(
        pdf_variant="pdf/ua-1", pdf_identifier=identifier.encode(), uncompressed_pdf=False
    )
    return pdf
