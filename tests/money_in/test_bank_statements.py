"""Bank statements: camt.053 (.02 and .08) and CFONB 120 read from files written after the
standards' structure (``tests/fixtures/bank``), imported all or nothing, idempotent by statement
and entry; suggestions for the unmatched queue; bulk payment files; the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recouvre.adapters.bank_statements import (
    cfonb_amount,
    find_reference,
    parse_bulk_payments,
    parse_camt053,
    parse_statement_file,
)
from recouvre.cli import app as cli_app
from recouvre.domain.errors import BatchRejected
from recouvre.domain.model import Benefit, Claim, Creditor, Debtor, DebtorKind, Responsibility, UndueLine
from recouvre.security.authorization import Actor
from recouvre.service import Services
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.commands import money_in
from recouvre.service.registry import register_debtors

FIXTURES = Path(__file__).parent.parent / "fixtures" / "bank"
ORG = "CAF-TEST"
SYSTEM = Actor("system", frozenset({"system"}), organism=ORG)
ACCOUNTANT = Actor("compta", frozenset({"accountant"}), organism=ORG)


def claim(ref: str, debtor: str, cents: int) -> Claim:
    return Claim(
        organism=ORG,
        ref=ref,
        debtor_ref=debtor,
        benefit=Benefit.AF,
        creditor=Creditor.OWN,
        responsibility=Responsibility.ORGANISM_ERROR,
        lines=(UndueLine(paid_on=date(2026, 1, 5), amount=cents),),
        notified_on=date(2026, 2, 3),
        established_on=date(2026, 2, 3),
        detected_on=date(2026, 2, 3),
    )


@pytest.fixture
def ready(any_services: Services) -> Services:
    services = any_services
    register_debtors(
        services,
        ORG,
        [
            Debtor(organism=ORG, ref="D1", kind=DebtorKind.PERSON, name="Jean Dupont"),
            Debtor(organism=ORG, ref="D2", kind=DebtorKind.PERSON, name="Paul Martin"),
        ],
    )
    establish_claims(
        services, ORG, [claim("C1", "D1", 15_000), claim("C2", "D2", 8_000), claim("C3", "D2", 2_345)]
    )
    return services


def lines_of(path: Path) -> tuple[list[money_in.CreditLine], str | None]:
    parsed = parse_statement_file(path)
    assert parsed.problems == []
    return [
        money_in.CreditLine(
            line.statement_id,
            line.entry_id,
            line.booked_on,
            line.amount,
            line.reference,
            line.payer_name,
            line.payer_iban,
            parsed.format,
        )
        for line in parsed.lines
    ], parsed.currency


def test_cfonb_amounts_carry_their_sign_in_the_last_character() -> None:
    assert cfonb_amount("0000000000500{", 2) == 5_000
    assert cfonb_amount("0000000000234E", 2) == 2_345
    assert cfonb_amount("0000000000012}", 2) == -120
    assert cfonb_amount("0000000000012R", 2) == -129
    assert cfonb_amount("0000000000012A", 0) == 12_100
    assert cfonb_amount("00000000005X0{", 2) is None
    assert cfonb_amount("0000000000500Z", 2) is None


def test_a_reference_split_in_groups_is_found_in_free_text() -> None:
    assert find_reference(["VIR RF19 CAFT ESTC 1 REMBOURSEMENT"]) == "RF19CAFTESTC1"
    assert find_reference(["RF20CAFTESTC1"]) == "RF20CAFTESTC1"  # wrong digits: kept whole
    assert find_reference(["", "remboursement dette"]) == "remboursement dette"


@pytest.mark.parametrize(
    "name", ["statement.camt053.001.02.xml", "statement.camt053.001.08.xml", "statement.cfonb120"]
)
def test_each_format_gives_its_credits(name: str) -> None:
    parsed = parse_statement_file(FIXTURES / name)
    assert parsed.problems == [] and parsed.currency == "EUR"
    assert parsed.skipped == 1  # a debit or a pending entry
    assert parsed.lines and all(line.amount > 0 for line in parsed.lines)


def test_every_problem_of_a_file_is_listed() -> None:
    parsed = parse_statement_file(FIXTURES / "statement_errors.cfonb120")
    assert [(problem.line, problem.column, problem.value) for problem in parsed.problems] == [
        (2, "montant", "00000000005X0{"),
        (5, "date", "310226"),
    ]
    broken = parse_camt053(
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04"><BkToCstmrStmt><Stmt><Id>S</Id>'
        b"<Ntry><Amt>-3</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-02-30</Dt></BookgDt></Ntry>"
        b"<Ntry><Amt>3.00</Amt><CdtDbtInd>XXXX</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>"
    )
    assert [problem.column for problem in broken.problems] == [
        "Stmt[1]/Ntry[1]/Amt",
        "Stmt[1]/Ntry[2]/CdtDbtInd",
    ]
    other = parse_camt053(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"/>')
    assert other.problems and "camt.053" in other.problems[0].reason


def test_statements_are_imported_once_matched_by_reference(ready: Services) -> None:
    lines, currency = lines_of(FIXTURES / "statement.camt053.001.02.xml")
    first = money_in.import_bank_statement(ready, SYSTEM, ORG, lines, currency=currency)
    assert (first.received, first.matched, first.unmatched, first.replayed) == (3, 2, 1, 0)
    again = money_in.import_bank_statement(ready, SYSTEM, ORG, lines, currency=currency)
    assert (again.received, again.replayed) == (0, 3)
    later, _ = lines_of(FIXTURES / "statement.camt053.001.08.xml")
    money_in.import_bank_statement(ready, SYSTEM, ORG, later, currency="EUR")
    cfonb, _ = lines_of(FIXTURES / "statement.cfonb120")
    result = money_in.import_bank_statement(ready, SYSTEM, ORG, cfonb, currency="EUR")
    assert (result.matched, result.unmatched) == (1, 1)
    on = date(2026, 3, 3)
    assert view_claim(ready, ORG, "C1", on).balance == 15_000 - 5_000 - 1_500 - 5_000
    assert view_claim(ready, ORG, "C2", on).balance == 8_000 - 4_000
    queue = money_in.bank_credits(ready, ACCOUNTANT, ORG, status="unmatched")
    assert [(item.amount, item.payer_name) for item in queue] == [
        (2_000, "DURAND MARIE"),
        (2_345, "MARTIN PAUL"),
    ]
    # The 23.45 from Paul Martin: his claim C3 of exactly that balance comes first.
    ideas = money_in.credit_suggestions(ready, ACCOUNTANT, ORG, queue[1].id)
    assert ideas[0].claim_ref == "C3" and "montant égal au solde" in ideas[0].why
    assert "nom du payeur proche du débiteur" in ideas[0].why


def test_a_statement_with_a_problem_books_nothing(ready: Services) -> None:
    lines, _ = lines_of(FIXTURES / "statement.camt053.001.02.xml")
    with pytest.raises(BatchRejected) as raised:
        money_in.import_bank_statement(ready, SYSTEM, ORG, [*lines, lines[0]], currency="USD")
    assert {problem.field for problem in raised.value.problems} == {"devise", "entry_id"}
    assert money_in.bank_credits(ready, ACCOUNTANT, ORG) == []
    assert view_claim(ready, ORG, "C1", date(2026, 3, 2)).balance == 15_000


def test_bulk_payments_all_or_nothing(ready: Services, tmp_path: Path) -> None:
    good = tmp_path / "remise.csv"
    good.write_text(
        "payment_id,claim,reference,amount,paid_on,channel\n"
        "CHQ-1,C1,,30.00,2026-03-02,cheque\n"
        "CHQ-2,,RF89 CAFT ESTC 2,10.00,2026-03-02,\n",
        encoding="utf-8",
    )
    rows, problems = parse_bulk_payments(good)
    assert problems == []
    items = [
        money_in.BulkPayment(r.payment_id, r.claim, r.reference, r.amount, r.paid_on, r.channel) for r in rows
    ]
    assert money_in.import_bulk_payments(ready, ACCOUNTANT, ORG, items) == 2
    assert money_in.import_bulk_payments(ready, ACCOUNTANT, ORG, items) == 0
    assert view_claim(ready, ORG, "C2", date(2026, 3, 2)).balance == 7_000
    bad = tmp_path / "mauvaise.csv"
    bad.write_text(
        "payment_id,claim,reference,amount,paid_on\nX-1,C1,,abc,2026-03-02\nX-1,,,5.00,\n", encoding="utf-8"
    )
    _, problems = parse_bulk_payments(bad)
    assert {(problem.line, problem.column) for problem in problems} >= {
        (2, "amount"),
        (3, "payment_id"),
        (3, "paid_on"),
    }
    unknown = [money_in.BulkPayment("Y-1", "C9", None, 500, date(2026, 3, 2), items[0].channel)]
    with pytest.raises(BatchRejected):
        money_in.import_bulk_payments(ready, ACCOUNTANT, ORG, unknown)


def test_the_command_line_imports_and_lists(ready: Services) -> None:
    if ready.db.engine.dialect.name != "sqlite":
        pytest.skip("the command line opens the test database by its URL: SQLite only")
    url = str(ready.db.engine.url)
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        ["--db", url, "bank", "import", str(FIXTURES / "statement.cfonb120")],
        env={"RECOUVRE_USER": ""},
    )
    assert result.exit_code == 0, result.output
    assert "1 rapproché(s)" in " ".join(result.output.split())
    refused = runner.invoke(
        cli_app,
        ["--db", url, "bank", "import", str(FIXTURES / "statement_errors.cfonb120")],
        env={"RECOUVRE_USER": ""},
    )
    assert refused.exit_code == 1 and "310226" in refused.output
