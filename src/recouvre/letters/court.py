"""Documents addressed to a court rather than to the debtor: the request for a payment injunction
(CPC 1405 to 1408). Rendered like the letters (Jinja2, WeasyPrint, tagged PDF), from a context
the service builds (``service/enforcement.py``); no personal identifier is printed in full.

CPC 1407: the request states the names and addresses of the parties, the exact amount claimed
with the detail of its elements, and the basis of the claim; it is accompanied by the documents
that support it (the loan agreement, the schedule, the formal notice).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from recouvre.domain.money import Cents
from recouvre.letters.render import TEMPLATES, date_long, date_short, environment, money_formatter


@dataclass(frozen=True)
class RequestLine:
    label: str
    amount: Cents


@dataclass(frozen=True)
class InjunctionRequest:
    reference: str
    organism_name: str
    organism_code: str
    currency: str
    debtor_name: str
    debtor_ref: str
    debtor_address: tuple[str, ...]
    claim_ref: str
    benefit_name: str
    lent_on: tuple[date, ...]
    """The dates the loan's sums were paid out (the claim's lines)."""
    principal: Cents
    elements: tuple[RequestLine, ...]
    balance: Cents
    notified_on: date | None
    formal_notice_on: date | None
    drafted_on: date
    filed_on: date | None
    signatory: str | None
    mandate: str | None
    court_name: str


def render_injunction_request_html(request: InjunctionRequest) -> str:
    template = environment().get_template("fr/injunction_request.html")
    return template.render(r=request, money=money_formatter(request.currency), date_long=date_long,
                           date_short=date_short)  # fmt: skip


def render_injunction_request(request: InjunctionRequest) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # slow to load

    identifier = hashlib.sha256(f"{request.organism_code}:{request.reference}".encode()).hexdigest()[:32]
    document = HTML(string=render_injunction_request_html(request), base_url=str(TEMPLATES))
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=identifier.encode())
    return pdf
