"""SEPA direct debits end to end: a pre-notified instalment goes into a pain.008 file valid
against the pain.008.001.02 XSD; a late notice or a bad IBAN keeps a collection out of the file;
a pain.002 reject and a camt.054 return are booked as reversals, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from sqlalchemy import update

from recouvre.domain.errors import BatchRejected
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    Debtor,
    DebtorKind,
    DomainError,
    Responsibility,
    UndueLine,
)
from recouvre.security.authorization import Actor
from recouvre.service import Services
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.commands import money_in
from recouvre.service.registry import register_debtors
from recouvre.storage.money_in_tables import DebitMandateRow

ORG = "CAF-TEST"
SYSTEM = Actor("system", frozenset({"system"}), organism=ORG)
CASE_WORKER = Actor("tech", frozenset({"case_worker"}), organism=ORG)
ACCOUNTANT = Actor("compta", frozenset({"accountant"}), organism=ORG)
DUE = date(2026, 4, 5)
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"
CREDITOR = money_in.Creditor("CAF TEST", "FR7630006000011234567890189", "AGRIFRPP", "FR72ZZZ123456")


def claim(ref: str, debtor: str) -> Claim:
    return Claim(
        organism=ORG,
        ref=ref,
        debtor_ref=debtor,
        benefit=Benefit.PAJE,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(paid_on=date(2025, 9, 5), amount=25_000),),
        notified_on=date(2026, 1, 10),
        established_on=date(2026, 1, 10),
        detected_on=date(2026, 1, 10),
    )


@pytest.fixture
def ready(any_services: Services) -> Services:
    services = any_services
    register_debtors(
        services,
        ORG,
        [
            Debtor(organism=ORG, ref=ref, kind=DebtorKind.PERSON, name=f"Débiteur {ref}")
            for ref in ("D1", "D2", "D3")
        ],
    )
    establish_claims(services, ORG, [claim("C1", "D1"), claim("C2", "D2"), claim("C3", "D3")])
    for ref, debtor in (("C1", "D1"), ("C2", "D2"), ("C3", "D3")):
        money_in.sign_mandate(
            services, CASE_WORKER, ORG, debtor, "FR1420041010050500013M02606", date(2026, 1, 15)
        )
        from recouvre.service.commands import agree_plan

        agree_plan(
            services, CASE_WORKER, ORG, ref, 10_000, date(2026, 3, 5), date(2026, 1, 20), key=f"p-{ref}"
        )
    return services


def test_a_prenotified_collection_makes_a_valid_pain008_and_a_bad_iban_never_reaches_it(
    ready: Services,
) -> None:
    # A mandate recorded before IBANs were checked (legacy data): its collection stays out.
    with ready.db.unit_of_work() as session:
        session.execute(
            update(DebitMandateRow)
            .where(DebitMandateRow.rum.like("%D3%"))
            .values(iban="FR1520041010050500013M02606")
        )
    notices = money_in.prenotify_collections(ready, SYSTEM, ORG, DUE, date(2026, 3, 20))
    assert [(item.claim_ref, item.amount) for item in notices] == [
        ("C1", 10_000),
        ("C2", 10_000),
        ("C3", 10_000),
    ]
    # C2's notice is moved to 10 days before the due date: too late to be collected.
    from recouvre.storage.money_in_tables import DebitNoticeRow
    from recouvre.storage.tables import ClaimRow

    with ready.db.unit_of_work() as session:
        c2 = session.query(ClaimRow).filter(ClaimRow.ref == "C2").one().id
        session.execute(
            update(DebitNoticeRow).where(DebitNoticeRow.claim_id == c2).values(notified_on=date(2026, 3, 26))
        )
    produced = money_in.collection_file(ready, SYSTEM, ORG, DUE, CREDITOR, date(2026, 3, 30))
    assert [item.claim_ref for item in produced.included] == ["C1"]
    reasons = {str(problem.value): problem.reason for problem in produced.excluded}
    assert "14 jours" in reasons["C2"] and "IBAN" in reasons["C3"]
    xmlschema.XMLSchema(str(XSD)).validate(produced.xml.decode())
    text = produced.xml.decode()
    assert "FR1520041010050500013M02606" not in text and "<SeqTp>FRST</SeqTp>" in text
    assert (
        "<ReqdColltnDt>2026-04-05</ReqdColltnDt>" in text and '<InstdAmt Ccy="EUR">100.00</InstdAmt>' in text
    )


def test_the_prenotification_delay_is_the_organisms_policy(ready: Services) -> None:
    """An organism whose mandates agree on a 7-day notice (``sepa.prenotification_days``
    override) collects an instalment notified 10 days before; under the national 14 days, not."""
    money_in.prenotify_collections(ready, SYSTEM, ORG, DUE, date(2026, 3, 26))
    with pytest.raises(DomainError, match="aucun prélèvement"):
        money_in.collection_file(ready, SYSTEM, ORG, DUE, CREDITOR, date(2026, 3, 30))
    agreed = replace(ready, policy_values={"sepa.prenotification_days": 7}, _policies={})
    produced = money_in.collection_file(agreed, SYSTEM, ORG, DUE, CREDITOR, date(2026, 3, 30))
    assert [item.claim_ref for item in produced.included] == ["C1", "C2", "C3"]


def test_a_bad_creditor_is_refused_with_every_field(ready: Services) -> None:
    money_in.prenotify_collections(ready, SYSTEM, ORG, DUE, date(2026, 3, 20))
    bad = money_in.Creditor("", "FR00", "XX", "FR00ZZZ000000")
    with pytest.raises(BatchRejected) as raised:
        money_in.collection_file(ready, SYSTEM, ORG, DUE, bad, date(2026, 3, 30))
    assert {problem.field for problem in raised.value.problems} == {
        "creditor.iban",
        "creditor.bic",
        "creditor.creditor_id",
        "creditor.name",
    }


PAIN_002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>REJ-1</MsgId><CreDtTm>2026-04-07T08:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>P</OrgnlPmtInfId>
      <TxInfAndSts>
        <OrgnlEndToEndId>{e2e}</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>"""

CAMT_054 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>RET-1</MsgId><CreDtTm>2026-04-10T08:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N1</Id>
      <Ntry>
        <Amt Ccy="EUR">100.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2026-04-10</Dt></BookgDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{e2e}</EndToEndId></Refs>
          <RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>
        </TxDtls></NtryDtls>
      </Ntry>
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>"""


def test_rejects_and_returns_are_booked_as_reversals_once(ready: Services) -> None:
    collected = money_in.run_direct_debits(ready, SYSTEM, ORG, DUE)
    assert [item.claim_ref for item in collected] == ["C1", "C2", "C3"]
    from recouvre.domain.money_in import end_to_end_id
    from recouvre.storage.tables import ClaimRow

    with ready.db.unit_of_work() as session:
        ids = {row.ref: row.id for row in session.query(ClaimRow)}
    reject = PAIN_002.format(e2e=end_to_end_id(ids["C1"], DUE)).encode()
    assert money_in.import_direct_debit_returns(ready, ACCOUNTANT, ORG, reject, date(2026, 4, 7)) == 1
    assert money_in.import_direct_debit_returns(ready, ACCOUNTANT, ORG, reject, date(2026, 4, 7)) == 0
    assert view_claim(ready, ORG, "C1", date(2026, 4, 7)).balance == 25_000
    returned = CAMT_054.format(e2e=end_to_end_id(ids["C2"], DUE)).encode()
    assert money_in.import_direct_debit_returns(ready, ACCOUNTANT, ORG, returned, date(2026, 4, 10)) == 1
    assert view_claim(ready, ORG, "C2", date(2026, 4, 10)).balance == 25_000
    unknown = PAIN_002.format(e2e="RCV-999999-20260405").encode()
    with pytest.raises(BatchRejected):
        money_in.import_direct_debit_returns(ready, ACCOUNTANT, ORG, unknown, date(2026, 4, 7))


def test_the_command_line_writes_the_collection_file(ready: Services, tmp_path: Path) -> None:
    if ready.db.engine.dialect.name != "sqlite":
        pytest.skip("the command line opens the test database by its URL: SQLite only")
    from typer.testing import CliRunner

    from recouvre.cli import app as cli_app

    url = str(ready.db.engine.url)
    env = {"RECOUVRE_USER": ""}
    runner = CliRunner()
    notified = runner.invoke(
        cli_app, ["--db", url, "bank", "prenotify", "--due", "2026-04-05", "--on", "2026-03-20"], env=env
    )
    assert notified.exit_code == 0, notified.output
    target = tmp_path / "prelevements.xml"
    written = runner.invoke(
        cli_app,
        [
            *("--db", url, "bank", "collections", "--due", "2026-04-05", "--name", "CAF TEST"),
            *(
                "--iban",
                CREDITOR.iban,
                "--bic",
                CREDITOR.bic,
                "--ics",
                CREDITOR.creditor_id,
                "-o",
                str(target),
            ),
        ],
        env=env,
    )
    assert written.exit_code == 0, written.output
    xmlschema.XMLSchema(str(XSD)).validate(target.read_text(encoding="utf-8"))
    assert "3 prélèvement(s)" in " ".join(written.output.split())


def test_the_prenotification_letter_states_amount_date_and_mandate(ready: Services) -> None:
    from sqlalchemy import select

    from recouvre.letters.render import render_html
    from recouvre.service.letter_context import letter_context
    from recouvre.storage.tables import LetterRow

    money_in.prenotify_collections(ready, SYSTEM, ORG, DUE, date(2026, 3, 20))
    money_in.prenotify_collections(ready, SYSTEM, ORG, DUE, date(2026, 3, 20))  # a replay: no new letter
    with ready.db.unit_of_work() as session:
        letters = session.scalars(select(LetterRow).where(LetterRow.type == "debit_prenotification")).all()
        assert len(letters) == 3  # one per debtor
        html = render_html(letter_context(session, letters[0].id))
    assert "Avis de prélèvement SEPA" in html and "5 avril 2026" in html
    assert "CAF-TEST-D1-20260115" in html and "100,00" in html
