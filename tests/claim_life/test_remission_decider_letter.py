"""A remission decision letter names the authority that actually decided (issue 13, item 4)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from recouvre.letters.render import render_pdf
from recouvre.service import Services
from recouvre.service.letter_context import letter_context
from recouvre.service.remission import decide_remission, request_remission
from recouvre.storage.tables import LetterRow

from .conftest import ORG, Setup, make_claim

ON = date(2026, 2, 2)


def _letter_text(services: Services) -> str:
    with services.db.unit_of_work() as session:
        letter = session.scalars(select(LetterRow).where(LetterRow.type == "remission_decision")).one()
        context = letter_context(session, letter.id)
    reader = PdfReader(io.BytesIO(render_pdf(context)))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.parametrize(
    ("roles", "named", "not_named"),
    [
        (frozenset({"director"}), "Le directeur de", "par délégation du directeur"),
        (frozenset({"accountant"}), "L'agent comptable de", "Le directeur de"),
        (frozenset({"case_worker"}), "par délégation du directeur, ont examiné", "Le directeur de"),
    ],
)
def test_letter_names_who_decided(
    services: Services, setup: Setup, roles: frozenset[str], named: str, not_named: str
) -> None:
    setup(make_claim("C1", lines=((date(2025, 9, 5), 60_000),)))
    request_remission(services, ORG, "C1", ON, "debtor")
    decided = decide_remission(services, ORG, "C1", date(2026, 3, 2), "25", actor="dupont", actor_roles=roles)
    assert decided.authority == "services"
    text = _letter_text(services).replace("’", "'")
    assert named in text
    assert not_named not in text
