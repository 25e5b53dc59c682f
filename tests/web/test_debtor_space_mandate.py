"""The debtor signs a SEPA direct-debit mandate in his own space (``/debiteur/mandat``): the
mandatory SEPA wording, the IBAN checked (a bad one refused, field named, nothing recorded), the
mandate recorded ``electronic`` for the session's debtor only, audited through the door."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from recouvre.adapters.messaging import EMAIL, SMS, MemoryTransport
from recouvre.security.authorization import Forbidden
from recouvre.service import debtor_space
from recouvre.service.commands import money_in
from recouvre.storage.money_in_tables import DebitMandateRow
from recouvre.storage.tables import DebtorRow

from .conftest import ORG, Site
from .test_debtor_space import audit, csrf, sign_in

IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture
def space(site: Site) -> Site:
    site.services.transports = {EMAIL: MemoryTransport(), SMS: MemoryTransport()}
    with site.services.db.unit_of_work() as session:
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D1").values(email="marie@example.org"))
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D2").values(email="jean@example.org"))
    site.client.cookies.clear()
    return site


def mandates(site: Site) -> list[tuple[str, str, str]]:
    with site.services.db.unit_of_work() as session:
        rows = session.execute(
            select(DebtorRow.ref, DebitMandateRow.rum, DebitMandateRow.form).join(
                DebtorRow, DebtorRow.id == DebitMandateRow.debtor_id
            )
        )
        return [(ref, rum, form) for ref, rum, form in rows]


def test_the_pay_page_links_to_the_mandate_page(space: Site) -> None:
    page = sign_in(space)
    answer = space.client.post("/debiteur/creances/C1/payer", data={"csrf": csrf(page)})
    assert answer.status_code == 200
    assert 'href="/debiteur/mandat"' in answer.text


def test_the_debtor_signs_a_mandate_and_sees_its_rum(space: Site) -> None:
    sign_in(space)
    form = space.client.get("/debiteur/mandat")
    assert form.status_code == 200
    assert "8 semaines" in form.text and "vous autorisez" in form.text and 'for="iban"' in form.text
    answer = space.client.post(
        "/debiteur/mandat", data={"csrf": csrf(form.text), "iban": IBAN, "bic": "", "accord": "oui"}
    )
    assert answer.status_code == 200, answer.text
    assert "Votre mandat de prélèvement est signé" in answer.text
    recorded = mandates(space)
    assert [(ref, kind) for ref, _, kind in recorded] == [("D1", "electronic")]
    assert recorded[0][1] in answer.text
    assert "FR76 **** **** 0189" in answer.text
    done = audit(space, "debit_mandates.record", "done")
    assert [row.actor for row in done] == ["debiteur:D1"]
    again = space.client.get("/debiteur/mandat")
    assert "Votre mandat en cours" in again.text and "FR76 **** **** 0189" in again.text
    assert "3000 6000" not in again.text


@pytest.mark.parametrize(
    ("iban", "bic", "named"),
    [("FR76 3000 6000 0112 3456 7890 188", "", "IBAN"), ("", "", "IBAN"), (IBAN, "12", "BIC")],
)
def test_a_bad_iban_or_bic_is_refused_nothing_recorded(space: Site, iban: str, bic: str, named: str) -> None:
    sign_in(space)
    form = space.client.get("/debiteur/mandat")
    answer = space.client.post(
        "/debiteur/mandat", data={"csrf": csrf(form.text), "iban": iban, "bic": bic, "accord": "oui"}
    )
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text and f"{named} : {named} invalide" in answer.text.replace(
        "IBAN absent", "IBAN invalide"
    )
    assert mandates(space) == []
    assert audit(space, "debit_mandates.record", "done") == []


def test_without_consent_nothing_is_signed(space: Site) -> None:
    sign_in(space)
    form = space.client.get("/debiteur/mandat")
    answer = space.client.post("/debiteur/mandat", data={"csrf": csrf(form.text), "iban": IBAN})
    assert answer.status_code == 400 and "cochez la case" in answer.text
    assert mandates(space) == []


def test_the_debtor_comes_from_the_session_never_from_the_form(space: Site) -> None:
    sign_in(space, "D1")
    form = space.client.get("/debiteur/mandat")
    answer = space.client.post(
        "/debiteur/mandat",
        data={
            "csrf": csrf(form.text),
            "iban": IBAN,
            "accord": "oui",
            "dossier": "D2",
            "debiteur": "D2",
            "organisme": ORG,
        },
    )
    assert answer.status_code == 200
    assert [ref for ref, _, _ in mandates(space)] == ["D1"]


def test_a_debtor_cannot_sign_for_another_file_through_the_door(space: Site) -> None:
    actor = debtor_space.debtor_actor(ORG, "D1")
    with pytest.raises(Forbidden):
        money_in.sign_mandate(
            space.services, actor, ORG, "D2", IBAN, space.services.clock().date(), form="electronic"
        )
    assert mandates(space) == []
    assert [row.actor for row in audit(space, "debit_mandates.record", "denied")] == ["debiteur:D1"]


def test_the_mandate_form_needs_the_csrf_token_and_a_session(space: Site) -> None:
    answer = space.client.post(
        "/debiteur/mandat", data={"iban": IBAN, "accord": "oui"}, follow_redirects=False
    )
    assert answer.status_code in (302, 303, 403)
    sign_in(space)
    forged = space.client.post("/debiteur/mandat", data={"csrf": "forged", "iban": IBAN, "accord": "oui"})
    assert forged.status_code == 403
    assert mandates(space) == []
