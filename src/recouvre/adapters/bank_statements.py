"""Bank statements and bulk payment files, read into credit lines (no database, no clock).

Formats:

* **camt.053** (ISO 20022 BankToCustomerStatement), versions ``camt.053.001.02`` to
  ``camt.053.001.13``: read with the standard library's ``xml.etree.ElementTree`` (expat refuses
  external entities and guards against entity expansion), namespace-aware; any version of the
  ``urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN`` namespace is accepted. Each ``Stmt`` is a
  statement (its ``Id``); each ``Ntry`` booked (``Sts`` ``BOOK``, or ``Sts/Cd`` from .08 on) on
  the credit side (``CdtDbtInd`` ``CRDT``, not a reversal ``RvslInd``) gives one credit line per
  ``TxDtls`` (or one for the entry when it has none). Entry id: the entry's ``AcctSvcrRef``, else
  its ``NtryRef``, else its position; a transaction adds its own ``AcctSvcrRef`` or
  ``EndToEndId``, else its position. Reference: the structured creditor reference
  (``RmtInf/Strd/CdtrRefInf/Ref``), else an ``RF`` reference found in the unstructured text
  (``RmtInf/Ustrd``), else that text. Payer: ``RltdPties/Dbtr/Nm`` (``Dbtr/Pty/Nm`` from .08).
  The transaction amount is ``TxDtls/Amt`` (.03 on) or ``TxDtls/AmtDtls/TxAmt/Amt`` (.02).
* **CFONB 120** ("relevé de compte sur support informatique", 120-character records): ``01``
  previous balance (opens a statement: bank, branch, account, date), ``04`` operation, ``05``
  operation complement (qualifier ``LIB``, ``RCN``, ``REF``, ``NPY``…, 70 characters of detail),
  ``07`` new balance (closes it). Positions (1-based): code 1–2, bank 3–7, branch 12–16,
  currency 17–19, number of decimals 20, account 22–32, interbank operation code 33–34, booking
  date JJMMAA 35–40, value date 43–48, label 49–79, entry number 82–88, amount 91–104, reference
  105–120; a ``05``'s qualifier 46–48 and detail 49–118. An amount is 14 characters whose last
  one carries the last digit and the sign: ``{`` ``A``…``I`` for +0…+9 (a credit), ``}``
  ``J``…``R`` for −0…−9 (a debit). Only credits (positive ``04``) become credit lines.
* **Bulk payment files** (CSV or Parquet, ``adapters.imports.read_table``) for cheques and
  cash desks: columns ``payment_id`` (idempotency), ``claim`` or ``reference``, ``amount``,
  ``paid_on`` and ``channel`` (``cheque``, ``card``, ``transfer``; default ``cheque``).

Every parser returns the lines and *every* problem found (line, field, value, reason); the
caller refuses the whole file on any problem.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from stdnum import iso11649

from recouvre.adapters.imports import Cells, ImportProblem, check_columns, read_table
from recouvre.domain.model import PaymentChannel
from recouvre.domain.money import Cents
from recouvre.domain.money_in import REFERENCE_BODY_MAX

CAMT_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})$")
RF_START = re.compile(r"^RF\d{2}[A-Z0-9]*$")
MAX_BYTES = 50 * 1024 * 1024
MAX_AMOUNT = Decimal("999999999999.99")
"""The largest amount the ledger takes (``domain.money``)."""
"""A statement file larger than this is refused (a day's statement is a few megabytes)."""


@dataclass(frozen=True)
class StatementLine:
    """One credit of a statement, with where it came from in the file."""

    statement_id: str
    entry_id: str
    booked_on: date
    amount: Cents
    reference: str
    payer_name: str
    payer_iban: str | None
    location: str
    """Where in the file (``ligne 12``, ``Stmt[1]/Ntry[3]``), for the problems."""


@dataclass
class ParsedStatement:
    format: str
    lines: list[StatementLine] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    skipped: int = 0
    """Entries that are not credits to receive (debits, pending, reversals)."""
    currency: str | None = None


def _joins(text: str) -> list[str]:
    """Each ``RF`` reference a text may hold, joined across the spaces banks print between groups
    of four: from each word that starts like ``RF12``, the words that follow it joined one by
    one while the result is at most 25 characters (never cut inside a word)."""
    words = text.upper().split()
    found: list[str] = []
    for start, word in enumerate(words):
        if not RF_START.match(word):
            continue
        joined = ""
        for following in words[start:]:
            if len(joined) + len(following) > 4 + REFERENCE_BODY_MAX:
                break
            joined += following
            found.append(joined)
    return found


def find_reference(texts: Iterable[str]) -> str:
    """The longest valid ``RF`` reference in the texts, else the longest ``RF``-looking one, else
    the texts joined (then the matching says why it is not a reference)."""
    pieces = [text.strip() for text in texts if text and text.strip()]
    for text in pieces:
        candidates = _joins(text)
        valid = [candidate for candidate in candidates if iso11649.is_valid(candidate)]
        if valid:
            return max(valid, key=len)
    for text in pieces:
        candidates = _joins(text)
        if candidates:
            return max(candidates, key=len)
    return " ".join(pieces)[:140]


def detect_format(data: bytes) -> str:
    """``camt.053`` or ``cfonb120`` from the first characters of a statement."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "camt.053"
    if head[:2] in (b"01", b"04", b"05", b"07"):
        return "cfonb120"
    return "inconnu"


def parse_statement(data: bytes) -> ParsedStatement:
    """A statement's content, camt.053 or CFONB 120 (recognised from its first characters)."""
    kind = detect_format(data)
    if len(data) > MAX_BYTES:
        parsed = ParsedStatement(kind)
        parsed.problems.append(
            ImportProblem(0, "", "", f"fichier trop volumineux (plus de {MAX_BYTES} octets)")
        )
        return parsed
    if kind == "camt.053":
        return parse_camt053(data)
    if kind == "cfonb120":
        return parse_cfonb120(data)
    parsed = ParsedStatement(kind)
    parsed.problems.append(
        ImportProblem(0, "", "", "format de relevé non reconnu : attendu camt.053 (XML) ou CFONB 120")
    )
    return parsed


def parse_statement_file(path: Path) -> ParsedStatement:
    if path.stat().st_size > MAX_BYTES:
        parsed = ParsedStatement("inconnu")
        parsed.problems.append(
            ImportProblem(0, "", "", f"fichier trop volumineux (plus de {MAX_BYTES} octets)")
        )
        return parsed
    return parse_statement(path.read_bytes())


# camt.053 ---------------------------------------------------------------------------------------


def _decimal_amount(text: str | None) -> Cents | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        return None
    cents = value * 100
    if cents != cents.to_integral_value():
        return None
    return int(cents)


def _iso_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


class _Camt:
    def __init__(self, namespace: str) -> None:
        self.ns = {"c": namespace}

    def find(self, element: ElementTree.Element, path: str) -> ElementTree.Element | None:
        return element.find(path, self.ns)

    def text(self, element: ElementTree.Element, path: str) -> str | None:
        found = element.find(path, self.ns)
        return None if found is None or found.text is None else found.text.strip()

    def all(self, element: ElementTree.Element, path: str) -> list[ElementTree.Element]:
        return element.findall(path, self.ns)


def parse_camt053(data: bytes) -> ParsedStatement:
    parsed = ParsedStatement("camt.053")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        parsed.problems.append(ImportProblem(0, "", "", f"XML illisible : {error}"))
        return parsed
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if not CAMT_NAMESPACE.match(namespace):
        parsed.problems.append(
            ImportProblem(0, "Document", namespace, "espace de noms camt.053 (ISO 20022) attendu")
        )
        return parsed
    camt = _Camt(namespace)
    statements = camt.all(root, "c:BkToCstmrStmt/c:Stmt")
    if not statements:
        parsed.problems.append(ImportProblem(0, "Stmt", "", "aucun relevé dans le fichier"))
    for s_index, statement in enumerate(statements, start=1):
        where = f"Stmt[{s_index}]"
        statement_id = camt.text(statement, "c:Id")
        if not statement_id:
            parsed.problems.append(ImportProblem(0, f"{where}/Id", "", "identifiant du relevé absent"))
            continue
        parsed.statements.append(statement_id)
        for n_index, entry in enumerate(camt.all(statement, "c:Ntry"), start=1):
            _camt_entry(camt, parsed, statement_id, entry, f"{where}/Ntry[{n_index}]", n_index)
    return parsed


def _camt_entry(
    camt: _Camt,
    parsed: ParsedStatement,
    statement_id: str,
    entry: ElementTree.Element,
    where: str,
    index: int,
) -> None:
    side = camt.text(entry, "c:CdtDbtInd")
    status = camt.text(entry, "c:Sts/c:Cd") or camt.text(entry, "c:Sts")
    reversal = (camt.text(entry, "c:RvslInd") or "").lower() == "true"
    if side not in ("CRDT", "DBIT"):
        parsed.problems.append(ImportProblem(0, f"{where}/CdtDbtInd", side or "", "attendu CRDT ou DBIT"))
        return
    if side != "CRDT" or status != "BOOK" or reversal:
        parsed.skipped += 1
        return
    amount_element = camt.find(entry, "c:Amt")
    currency = None if amount_element is None else amount_element.get("Ccy")
    if currency:
        if parsed.currency not in (None, currency):
            parsed.problems.append(ImportProblem(0, f"{where}/Amt/@Ccy", currency, "devises différentes"))
        parsed.currency = currency
    entry_amount = _decimal_amount(camt.text(entry, "c:Amt"))
    if entry_amount is None:
        parsed.problems.append(
            ImportProblem(
                0, f"{where}/Amt", camt.text(entry, "c:Amt") or "", "montant positif attendu (ex. 120.50)"
            )
        )
        return
    booked = _iso_day(camt.text(entry, "c:BookgDt/c:Dt") or camt.text(entry, "c:BookgDt/c:DtTm"))
    if booked is None:
        parsed.problems.append(
            ImportProblem(
                0, f"{where}/BookgDt", camt.text(entry, "c:BookgDt/c:Dt") or "", "date de comptabilisation"
            )
        )
        return
    entry_id = camt.text(entry, "c:AcctSvcrRef") or camt.text(entry, "c:NtryRef") or f"#{index}"
    details = camt.all(entry, "c:NtryDtls/c:TxDtls")
    if not details:
        parsed.lines.append(
            StatementLine(
                statement_id,
                entry_id,
                booked,
                entry_amount,
                find_reference([camt.text(entry, "c:AddtlNtryInf") or ""]),
                "",
                None,
                where,
            )
        )
        return
    total = 0
    for t_index, detail in enumerate(details, start=1):
        t_where = f"{where}/TxDtls[{t_index}]"
        text = camt.text(detail, "c:Amt") or camt.text(detail, "c:AmtDtls/c:TxAmt/c:Amt")
        amount = entry_amount if text is None and len(details) == 1 else _decimal_amount(text)
        if amount is None:
            parsed.problems.append(ImportProblem(0, f"{t_where}/Amt", text or "", "montant positif attendu"))
            continue
        total += amount
        structured = [ref.text or "" for ref in camt.all(detail, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref")]
        free = [item.text or "" for item in camt.all(detail, "c:RmtInf/c:Ustrd")]
        name = (
            camt.text(detail, "c:RltdPties/c:Dbtr/c:Nm")
            or camt.text(detail, "c:RltdPties/c:Dbtr/c:Pty/c:Nm")
            or camt.text(detail, "c:RltdPties/c:UltmtDbtr/c:Nm")
            or ""
        )
        iban = camt.text(detail, "c:RltdPties/c:DbtrAcct/c:Id/c:IBAN")
        tx_id = (
            camt.text(detail, "c:Refs/c:AcctSvcrRef")
            or camt.text(detail, "c:Refs/c:EndToEndId")
            or f"#{t_index}"
        )
        if tx_id == "NOTPROVIDED":
            tx_id = f"#{t_index}"
        parsed.lines.append(
            StatementLine(
                statement_id,
                f"{entry_id}/{tx_id}",
                booked,
                amount,
                find_reference(structured + free),
                name,
                iban,
                t_where,
            )
        )
    if total != entry_amount and len(details) > 1:
        parsed.problems.append(
            ImportProblem(
                0, f"{where}/Amt", str(entry_amount / 100), "différent de la somme de ses transactions"
            )
        )


# CFONB 120 --------------------------------------------------------------------------------------

_POSITIVE: dict[str, int] = {"{": 0, **{chr(ord("A") + digit - 1): digit for digit in range(1, 10)}}
_NEGATIVE: dict[str, int] = {"}": 0, **{chr(ord("J") + digit - 1): digit for digit in range(1, 10)}}


def cfonb_amount(field_text: str, decimals: int) -> int | None:
    """A CFONB amount (14 characters, the last one carrying the last digit and the sign), in
    hundredths when ``decimals`` is 2; ``None`` when malformed."""
    digits, last = field_text[:-1], field_text[-1:]
    if len(field_text) != 14 or not digits.isdigit():
        return None
    if last in _POSITIVE:
        sign, digit = 1, _POSITIVE[last]
    elif last in _NEGATIVE:
        sign, digit = -1, _NEGATIVE[last]
    else:
        return None
    value = int(digits) * 10 + digit
    if decimals > 2:
        scaled, rest = divmod(value, int(10 ** (decimals - 2)))
        if rest:
            return None
        value = scaled
    else:
        value *= int(10 ** (2 - decimals))
    return sign * value


def _cfonb_day(text: str) -> date | None:
    if len(text) != 6 or not text.isdigit():
        return None
    try:
        return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))
    except ValueError:
        return None


@dataclass
class _Operation:
    line: int
    statement_id: str
    entry_id: str
    booked_on: date
    amount: int
    texts: list[str]
    name: str = ""


def parse_cfonb120(data: bytes) -> ParsedStatement:
    parsed = ParsedStatement("cfonb120")
    try:
        text = data.decode("latin-1") if b"\r\n" in data or b"\n" in data or data else ""
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        text = ""
    records = (
        text.splitlines()
        if ("\n" in text or "\r" in text)
        else [text[i : i + 120] for i in range(0, len(text), 120)]
    )
    statement_id: str | None = None
    operation: _Operation | None = None
    operations: list[_Operation] = []
    for number, record in enumerate(records, start=1):
        if not record.strip():
            continue
        if len(record) != 120:
            parsed.problems.append(
                ImportProblem(number, "enregistrement", str(len(record)), "120 caractères attendus")
            )
            continue
        code = record[0:2]
        decimals_text = record[19]
        if code not in ("01", "04", "05", "07"):
            parsed.problems.append(ImportProblem(number, "code", code, "attendu 01, 04, 05 ou 07"))
            continue
        if not decimals_text.isdigit():
            parsed.problems.append(
                ImportProblem(number, "décimales", decimals_text, "chiffre attendu (position 20)")
            )
            continue
        decimals = int(decimals_text)
        currency = record[16:19]
        day = _cfonb_day(record[34:40])
        if code == "01":
            if day is None:
                parsed.problems.append(ImportProblem(number, "date", record[34:40], "date JJMMAA attendue"))
                continue
            statement_id = f"{record[2:7]}-{record[11:16]}-{record[21:32].strip()}-{day.isoformat()}"
            parsed.statements.append(statement_id)
            if parsed.currency not in (None, currency):
                parsed.problems.append(ImportProblem(number, "devise", currency, "devises différentes"))
            parsed.currency = currency
            operation = None
            continue
        if code == "07":
            statement_id = None
            operation = None
            continue
        if statement_id is None:
            parsed.problems.append(
                ImportProblem(number, "code", code, "mouvement hors relevé (pas d'enregistrement 01)")
            )
            continue
        if code == "04":
            amount = cfonb_amount(record[90:104], decimals)
            if amount is None:
                parsed.problems.append(
                    ImportProblem(
                        number, "montant", record[90:104], "montant CFONB illisible (13 chiffres et un signe)"
                    )
                )
                operation = None
                continue
            if day is None:
                parsed.problems.append(ImportProblem(number, "date", record[34:40], "date JJMMAA attendue"))
                operation = None
                continue
            if amount <= 0:
                parsed.skipped += 1
                operation = None
                continue
            entry_number = record[81:88].strip() or f"L{number}"
            operation = _Operation(
                number,
                statement_id,
                f"{day.isoformat()}/{entry_number}",
                day,
                amount,
                [record[104:120], record[48:79]],
            )
            operations.append(operation)
            continue
        # 05: a complement of the last operation (of a debit: nothing to keep).
        if operation is None:
            continue
        qualifier, detail = record[45:48], record[48:118].strip()
        if qualifier == "NPY":
            operation.name = detail
        else:
            operation.texts.insert(0, detail) if qualifier in (
                "RCN",
                "REF",
                "LIB",
            ) else operation.texts.append(detail)
    for item in operations:
        parsed.lines.append(
            StatementLine(
                item.statement_id,
                item.entry_id,
                item.booked_on,
                item.amount,
                find_reference(item.texts),
                item.name,
                None,
                f"ligne {item.line}",
            )
        )
    if not parsed.statements and not parsed.problems:
        parsed.problems.append(ImportProblem(0, "", "", "aucun relevé (enregistrement 01) dans le fichier"))
    return parsed


# Bulk payment files ------------------------------------------------------------------------------

PAYMENT_COLUMNS = ("payment_id", "claim", "reference", "amount", "paid_on", "channel")
REQUIRED_PAYMENT_COLUMNS = ("payment_id", "amount", "paid_on")


@dataclass(frozen=True)
class FilePayment:
    line: int
    payment_id: str
    claim: str | None
    reference: str | None
    amount: Cents
    paid_on: date
    channel: PaymentChannel


def parse_bulk_payments(path: Path) -> tuple[list[FilePayment], list[ImportProblem]]:
    """Cheques and cash-desk payments, one per row; each names its claim or its reference."""
    table = read_table(path)
    problems = list(table.problems)
    header, readable = check_columns(table.columns, PAYMENT_COLUMNS, REQUIRED_PAYMENT_COLUMNS, "paiements")
    problems.extend(header)
    payments: list[FilePayment] = []
    if not readable:
        return payments, problems
    seen: set[str] = set()
    for row in table.rows:
        cells = Cells(row, problems)
        payment_id = cells.text("payment_id", required=True, max_length=80)
        claim = cells.ref("claim")
        reference = cells.text("reference", max_length=40)
        amount = cells.amount("amount", required=True, positive=True)
        paid_on = cells.day("paid_on")
        if row.get("paid_on") is None:
            cells.problem("paid_on", "obligatoire")
        channel = cells.choice("channel", PaymentChannel, default=PaymentChannel.CHEQUE)
        if (claim is None) == (reference is None) and not cells.failed:
            cells.problem(
                "claim", "indiquez soit la créance (claim), soit la référence de paiement (reference)"
            )
        if payment_id is not None:
            if payment_id in seen:
                cells.problem("payment_id", "en double dans le fichier")
            seen.add(payment_id)
        if cells.failed or payment_id is None or amount is None or paid_on is None or channel is None:
            continue
        payments.append(FilePayment(row.line, payment_id, claim, reference, amount, paid_on, channel))
    return payments, problems
