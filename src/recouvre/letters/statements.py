"""Documents that are not letters to a debtor: the monthly statement to a third-party creditor
(RULES.md §9), rendered with the letters' Jinja2 environment and WeasyPrint.

The statement is passed as a plain object (``service.third_party.Statement``); this module does
not read the database."""

from __future__ import annotations

import hashlib
from typing import Any

from recouvre.letters.render import TEMPLATES, date_long, environment, money_formatter


def render_statement_html(statement: Any, organism_name: str) -> str:
    template = environment().get_template("fr/third_party_statement.html")
    return template.render(
        statement=statement,
        organism_name=organism_name,
        money=money_formatter("EUR"),
        date_long=date_long,
        title=f"État mensuel des sommes recouvrées pour le compte de : {statement.creditor_name}",
    )


def render_statement_pdf(statement: Any, organism_name: str) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # slow to load

    seed = f"{organism_name}:{statement.creditor_name}:{statement.start.isoformat()}"
    identifier = hashlib.sha256(seed.encode()).hexdigest()[:32]
    document = HTML(string=render_statement_html(statement, organism_name), base_url=str(TEMPLATES))
    pdf: bytes = document.write_pdf(pdf_identifier=identifier.encode())
    return pdf
