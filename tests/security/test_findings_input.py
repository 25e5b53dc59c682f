"""The probes of the security review (issue "Security", items 2 and 6 in part), replayed.

2. One amount field must not freeze the server: ``1e999990`` in a form, the API or a CSV import is
   refused at once by the one strict parser (``recouvre.domain.money.parse_amount``); ``1e5`` and
   ``1_000`` are not amounts.
6. Extreme dates and a lone surrogate answer 422 (or an import error), never 500; imports are
   bounded (columns, line length), NUL bytes and references with ``/`` refused; cells written to
   CSV files cannot start a formula; every response carries the security headers; ``/docs`` is not
   served and ``/openapi.json`` asks for a token.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.conftest import CHEAP_HASHER, BackOffice, open_back_office
from recouvre.adapters.imports import (
    MAX_COLUMNS,
    MAX_LINE,
    TableError,
    parse_claims,
    parse_debtors,
    read_table,
)
from recouvre.adapters.payment_files import WithholdingWriter, text_cell
from recouvre.api.app import create_api
from recouvre.domain.days import check_day
from recouvre.domain.errors import DomainError
from recouvre.domain.money import MAX_AMOUNT_TEXT, AmountError, parse_amount
from recouvre.server import SECURITY_HEADERS, create_app
from recouvre.service import Services, accounts
from recouvre.service.withholding import WithholdingOutcome
from web.conftest import NOW as WEB_NOW
from web.conftest import Clock as WebClock
from web.conftest import Site, build_app, populate

ORG = "CAF-TEST"
CLAIM_HEADER = "ref,debtor,benefit,creditor,responsibility,paid_on,amount,established_on,notified_on"
HUGE = "1e999990"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)


@pytest.fixture
def back_office(services: Services) -> Iterator[BackOffice]:
    yield from open_back_office(services)


@pytest.fixture
def site(services: Services) -> Iterator[Site]:
    services.clock = WebClock(WEB_NOW)
    ids = populate(services)
    with build_app(services) as client:
        yield Site(services, client, ids)


# 2. Amounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("120.50", 12050),
        ("120,50", 12050),
        ("120,5", 12050),
        ("1 204,50", 120450),
        ("1\u202f204.50", 120450),
        ("1\u00a0204", 120400),
        ("999999999999.99", 99_999_999_999_999),
        (" 7 ", 700),
    ],
)
def test_the_amount_syntax(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    "text",
    [
        "1e5",
        "1E5",
        "1_000",
        "inf",
        "Infinity",
        "nan",
        "-nan",
        "0x10",
        ".50",
        "5.",
        "1.2.3",
        "1,2,3",
        "1 20",
        "12 3456",
        "+5",
        "--5",
        "1000000000000",
        "٣",  # an Arabic-Indic digit: Decimal takes it, the syntax does not
        HUGE,
        "1e999998",
        "9" * 40,
        "1" + "0" * 5000,
    ],
)
def test_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(AmountError) as error:
        parse_amount(text, field="montant")
    assert str(error.value).startswith("montant: ")
    assert len(str(error.value)) < 100  # the value is truncated in the message


def test_a_million_digits_are_refused_at_once() -> None:
    started = time.perf_counter()
    for text in (HUGE, "1e999998", "9" * 1_000_000, f"0.{'0' * 999_999}1"):
        with pytest.raises(AmountError):
            parse_amount(text)
    assert time.perf_counter() - started < 0.5
    assert MAX_AMOUNT_TEXT <= 40


def test_negative_amounts_only_where_allowed() -> None:
    with pytest.raises(AmountError, match="négatif"):
        parse_amount("-1.00")
    assert parse_amount("-1 204,50", allow_negative=True) == -120450


def test_a_huge_amount_in_a_web_form_is_a_422(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    for amount in (HUGE, "1e999998", "1e5", "1_000"):
        started = time.perf_counter()
        response = site.client.post(
            f"/o/{ORG}/creances/C1/paiement",
            data={
                "csrf": csrf,
                "debiteur": "D1",
                "montant": amount,
                "date": "2026-03-10",
                "canal": "transfer",
                "cle": f"k-{amount}",
            },
        )
        assert response.status_code == 422, (amount, response.status_code)
        assert "Montant" in response.text
        assert time.perf_counter() - started < 2


@pytest.mark.parametrize("amount", [HUGE, "1e5", "1_000", "NaN"])
def test_a_huge_amount_in_the_api_is_a_422(back_office: BackOffice, amount: str) -> None:
    response = back_office.client.post(
        f"/api/v1/organisms/{ORG}/claims/C3/payments",
        json={"amount": amount, "on": "2026-03-02", "key": "VIR-X"},
        headers=back_office.headers("accountant"),
    )
    assert response.status_code == 422


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("amount", [HUGE, "1e5", "1_000", "inf"])
def test_a_huge_amount_in_a_claim_file_is_an_import_error(tmp_path: Path, amount: str) -> None:
    row = f"C1,A001,AL,own,debtor_error,2024-01-05,{amount},2024-03-01,2024-03-05"
    table = read_table(write(tmp_path, "claims.csv", f"{CLAIM_HEADER}\n{row}\n"))
    batch, problems = parse_claims(table, ORG)
    assert not batch.items
    assert [(problem.line, problem.column) for problem in problems] == [(2, "amount")]


# 6. Dates ---------------------------------------------------------------------------------------

EXTREME_DAYS = ("0001-01-01", "1900-01-01", "9999-12-31")


def test_the_supported_range() -> None:
    assert check_day(date(2026, 3, 1)) == date(2026, 3, 1)
    for text in EXTREME_DAYS:
        with pytest.raises(DomainError):
            check_day(date.fromisoformat(text), "on")


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_extreme_dates_in_the_api_are_a_422(back_office: BackOffice, day: str) -> None:
    headers = back_office.headers("accountant")
    client = back_office.client
    response = client.post(
        f"/api/v1/organisms/{ORG}/claims/C3/payments",
        json={"amount": "10", "on": day, "key": f"VIR-{day}"},
        headers=headers,
    )
    assert response.status_code == 422, response.text
    response = client.post(
        f"/api/v1/organisms/{ORG}/claims/C3/plans",
        json={"monthly": "10", "first_due": day, "on": "2026-03-03"},
        headers=back_office.headers("case_worker"),
    )
    assert response.status_code == 422, response.text
    response = client.get(f"/api/v1/organisms/{ORG}/debtors/D2", params={"on": day}, headers=headers)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_extreme_dates_in_a_web_form_are_a_422(site: Site, day: str) -> None:
    csrf = site.sign_in("case_worker")
    response = site.client.post(
        f"/o/{ORG}/creances/C1/paiement",
        data={
            "csrf": csrf,
            "debiteur": "D1",
            "montant": "10",
            "date": day,
            "canal": "transfer",
            "cle": f"k-{day}",
        },
    )
    assert response.status_code == 422
    response = site.client.post(
        f"/o/{ORG}/creances/C1/echeancier",
        data={
            "csrf": csrf,
            "debiteur": "D1",
            "mensualite": "10",
            "premiere_echeance": day,
            "date": "2026-03-10",
        },
    )
    assert response.status_code < 500
    assert site.client.get(f"/o/{ORG}/debiteurs/D1", params={"au": day}).status_code == 200


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_extreme_dates_in_a_claim_file_are_an_import_error(tmp_path: Path, day: str) -> None:
    row = f"C1,A001,AL,own,debtor_error,{day},10,2024-03-01,2024-03-05"
    table = read_table(write(tmp_path, "claims.csv", f"{CLAIM_HEADER}\n{row}\n"))
    batch, problems = parse_claims(table, ORG)
    assert not batch.items
    assert [(problem.line, problem.column) for problem in problems] == [(2, "paid_on")]


def test_a_lone_surrogate_in_json_is_a_422(back_office: BackOffice) -> None:
    response = back_office.client.post(
        f"/api/v1/organisms/{ORG}/claims/C3/payments",
        content=b'{"amount": "10", "on": "2026-03-02", "key": "\\ud800"}',
        headers={**back_office.headers("accountant"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    response = back_office.client.post(
        f"/api/v1/organisms/{ORG}/claims/C3/payments",
        content=b'{"amount": 1e999, "on": "2026-03-02", "key": "K"}',
        headers={**back_office.headers("accountant"), "content-type": "application/json"},
    )
    assert response.status_code == 422


# 6. Imports -------------------------------------------------------------------------------------


def test_nul_bytes_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "debtors.csv", "ref,kind\nA001,person\nA\x00002,person\n")
    with pytest.raises(TableError) as error:
        read_table(path)
    assert [problem.line for problem in error.value.problems] == [3]


def test_too_many_columns_are_refused(tmp_path: Path) -> None:
    header = ",".join(f"c{index}" for index in range(MAX_COLUMNS + 1))
    with pytest.raises(TableError, match="colonnes"):
        read_table(write(tmp_path, "wide.csv", f"{header}\n"))


def test_too_long_lines_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", f"ref,kind,name\nA001,person,{'x' * MAX_LINE}\nA002,person,\n")
    with pytest.raises(TableError) as error:
        read_table(path)
    assert [problem.line for problem in error.value.problems] == [2]


@pytest.mark.parametrize("ref", ["A/001", "..\\A", "../etc"])
def test_references_with_a_slash_are_refused(tmp_path: Path, ref: str) -> None:
    table = read_table(write(tmp_path, "debtors.csv", f"ref,kind\n{ref},person\nA002,person\n"))
    batch, problems = parse_debtors(table, ORG)
    assert [debtor.ref for debtor in batch.items] == ["A002"]
    assert [(problem.line, problem.column) for problem in problems] == [(2, "ref")]
    row = "C/1,A001,AL,own,debtor_error,2024-01-05,10,2024-03-01,2024-03-05"
    claims, problems = parse_claims(
        read_table(write(tmp_path, "claims.csv", f"{CLAIM_HEADER}\n{row}\n")), ORG
    )
    assert not claims.items and problems[0].column == "ref"


# 6. CSV written ---------------------------------------------------------------------------------


def test_formula_cells_are_neutralised(tmp_path: Path) -> None:
    assert [text_cell(value) for value in ("=1+1", "+33", "-2", "@SUM(A1)", "\tx", "A001")] == [
        "'=1+1",
        "'+33",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "A001",
    ]
    writer = WithholdingWriter(tmp_path / "out.csv")
    writer.write(
        [
            WithholdingOutcome(
                debtor_ref='=HYPERLINK("http://x")',
                run_id="@run",
                paid_on=date(2026, 3, 5),
                gross=10_000,
                withheld=0,
                net=10_000,
                allocations=(),
                explanation={},
            )
        ]
    )
    path = writer.commit()
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows[1][:3] == ["'@run", '\'=HYPERLINK("http://x")', "100.00"]


# 6. Headers, /docs, /openapi.json -------------------------------------------------------------


def assert_security_headers(headers: object, what: str) -> None:
    for name, value in SECURITY_HEADERS:
        assert headers[name] == value, (what, name)  # type: ignore[index]


def test_security_headers_on_every_response(site: Site) -> None:
    client = site.client
    for path in ("/connexion", "/static/htmx.min.js", "/static/recouvre.css", "/api/v1/me", "/nulle-part"):
        assert_security_headers(client.get(path, follow_redirects=False).headers, path)
    csrf = site.sign_in("case_worker")
    assert_security_headers(client.get(f"/o/{ORG}/debiteurs/D1").headers, "debtor page")
    response = client.post(f"/o/{ORG}/creances/C1/paiement", data={"csrf": csrf, "montant": HUGE})
    assert_security_headers(response.headers, "422 page")
    csp = dict(SECURITY_HEADERS)["content-security-policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_templates_have_no_inline_script_or_style() -> None:
    templates = Path(__file__).parents[2] / "src" / "recouvre" / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<style" not in text and " style=" not in text, template.name
        assert text.count("<script") == text.count('<script src="/static/'), template.name


def test_no_docs_and_openapi_behind_sign_in(back_office: BackOffice) -> None:
    client = back_office.client
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 401
    document = client.get("/openapi.json", headers=back_office.headers("auditor"))
    assert document.status_code == 200 and document.json()["paths"]
    assert_security_headers(document.headers, "openapi")


def test_openapi_public_when_configured(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOUVRE_PUBLIC_OPENAPI", "1")
    with TestClient(create_app(services)) as client:
        assert client.get("/openapi.json").status_code == 200
    with TestClient(create_api(services, public_schema=False)) as client:
        assert client.get("/openapi.json").status_code == 401
