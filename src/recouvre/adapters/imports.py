"""Reading debtor and claim files (CSV or Parquet) into domain values.

Three steps, each a plain function, so the CLI (and later the API) only wires them:

1. ``read_table(path)``: the file as text cells, each row with its line number
   (CSV: the physical line, header = line 1; Parquet: the row number + 1, the same
   convention). Cells are stripped; an empty cell is ``None``.
2. ``parse_debtors(table, organism)`` / ``parse_claims(table, organism)``: domain
   values and *every* problem found (line, column, value, reason), like beancount's
   error list. Items with a problem are left out of the batch; a caller that gets
   any problem refuses the whole file. ``keep_recorded`` then gives known debtors
   their recorded values for the columns a file does not have.
3. ``Batch.locate(problems)``: maps the service layer's ``Problem`` (an item index)
   back to the file line(s) and column, so database-level refusals read the same.

Money never goes through a float: cells are text and amounts are parsed with
``parse_amount``. A Parquet float column is converted through ``repr`` (the shortest
decimal text), which is exact for values written from decimal text but not in
general: Parquet writers should use string or decimal128 columns.

NIR and IBAN values are masked (``identifiers.mask``) in every problem.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Generic, TypeVar

from recouvre.domain import identifiers
from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.errors import Problem
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    DomainError,
    Responsibility,
    UndueLine,
)
from recouvre.domain.money import AmountError, Cents, format_amount, parse_amount

PARQUET_SUFFIXES: Final = frozenset({".parquet", ".pq"})
REF: Final = re.compile(r"[^/\\\x00-\x1f\x7f]+")
"""A reference: no slash, no backslash, no control character (it names a page and a file)."""
MAX_SHOWN: Final = 60

DEBTOR_COLUMNS: Final = (
    "ref",
    "kind",
    "name",
    "nir",
    "siren",
    "siret",
    "ice",
    "iban",
    "email",
    "phone",
    "address",
    "prp_quotient",
    "prp_quotient_from",
    "receives_benefits",
)
DEBTOR_REQUIRED: Final = ("ref", "kind")
IDENTIFIER_COLUMNS: Final = ("nir", "siren", "siret", "ice", "iban")
DEBTOR_DETAILS: Final = (
    "name",
    "nir",
    "siren",
    "siret",
    "ice",
    "iban",
    "email",
    "phone",
    "address",
    "receives_benefits",
)

CLAIM_COLUMNS: Final = (
    "ref",
    "debtor",
    "benefit",
    "creditor",
    "responsibility",
    "paid_on",
    "amount",
    "established_on",
    "notified_on",
    "detected_on",
    "reason",
)
CLAIM_REQUIRED: Final = ("ref", "debtor", "benefit", "responsibility", "paid_on", "amount")
CLAIM_LEVEL: Final = (
    "debtor",
    "benefit",
    "creditor",
    "responsibility",
    "established_on",
    "notified_on",
    "detected_on",
    "reason",
)
AMOUNT_COLUMNS: Final = frozenset({"amount", "prp_quotient"})

TRUE_WORDS: Final = frozenset({"true", "1", "oui"})
FALSE_WORDS: Final = frozenset({"false", "0", "non"})
ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
LINE_FIELD: Final = re.compile(r"claim\.lines\[(\d+)\]\.(\w+)")

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


def shown(column: str, value: object) -> str:
    """A cell value as it may appear in a report: NIR and IBAN masked, long text cut."""
    if value is None:
        return ""
    text = str(value)
    if column in identifiers.PERSONAL:
        return identifiers.mask(column, text) if text else ""
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One problem of an input file. ``line`` 0 means the file as a whole."""

    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"ligne {self.line}" if self.line else "fichier"
        column = f", {self.column}" if self.column else ""
        value = f"={self.value!r}" if self.value else ""
        return f"{where}{column}{value}: {self.reason}"


class TableError(ValueError):
    """A file that cannot be read as a table at all (missing, not UTF-8, corrupt Parquet)."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class SourceRow:
    """One data row: its line number in the file and its cells by column name."""

    line: int
    values: Mapping[str, str | None]

    def get(self, column: str) -> str | None:
        return self.values.get(column)


@dataclass(frozen=True)
class Table:
    """A file read as text cells, with the structural problems found while reading."""

    source: str
    columns: tuple[str, ...]
    rows: list[SourceRow]
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Batch(Generic[T]):
    """Parsed items and, for each, the file lines it came from (one claim spans several)."""

    items: list[T]
    lines: list[tuple[int, ...]]

    def locate(self, problems: Iterable[Problem]) -> list[ImportProblem]:
        """The service layer's problems (by item index) as file problems (by line)."""
        located: list[ImportProblem] = []
        for problem in problems:
            lines = self.lines[problem.index] if 0 <= problem.index < len(self.lines) else (0,)
            value = problem.value
            if problem.field in AMOUNT_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
                value = format_amount(value)
            reason = problem.reason
            if len(lines) > 1:
                reason = f"{reason} (créance sur les lignes {', '.join(map(str, lines))})"
            located.append(ImportProblem(lines[0], problem.field, shown(problem.field, value), reason))
        return sorted(located)


# Reading ---------------------------------------------------------------------------------------


def read_table(path: Path) -> Table:
    """Read a CSV (UTF-8, BOM tolerated, ',' or ';') or Parquet (.parquet, .pq) file."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return _read_parquet(path)
    return _read_csv(path)


MAX_COLUMNS: Final = 64
"""Columns a file may have: the widest known format has about fifteen."""
MAX_LINE: Final = 16_384
"""Characters a physical line may have; a cell is at most a few hundred."""
MAX_LISTED: Final = 100
"""Line problems listed before the reading stops (the file is refused whole anyway)."""


def _check_lines(text: str) -> None:
    """Refuse, listing each line, a file with NUL bytes or a line longer than ``MAX_LINE``, before
    the CSV reader builds anything from it."""
    problems: list[ImportProblem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if "\x00" in line:
            problems.append(ImportProblem(number, "", "", "octet NUL : le fichier n'est pas un texte CSV"))
        if len(line) > MAX_LINE:
            problems.append(
                ImportProblem(
                    number, "", f"{len(line)} caractères", f"ligne trop longue (au plus {MAX_LINE})"
                )
            )
        if len(problems) >= MAX_LISTED:
            break
    if problems:
        raise TableError(problems)


def _file_problem(reason: str) -> TableError:
    return TableError([ImportProblem(0, "", "", reason)])


def _header(names: Sequence[str]) -> tuple[tuple[str, ...], list[ImportProblem]]:
    if len(names) > MAX_COLUMNS:
        raise _file_problem(f"{len(names)} colonnes : au plus {MAX_COLUMNS}")
    columns: list[str] = []
    problems: list[ImportProblem] = []
    seen: set[str] = set()
    for position, raw in enumerate(names, start=1):
        name = raw.strip() or f"(colonne {position} sans nom)"
        if name in seen:
            problems.append(ImportProblem(1, name, name, "colonne présente deux fois dans l'en-tête"))
        seen.add(name)
        columns.append(name)
    return tuple(columns), problems


def _cell(text: str) -> str | None:
    stripped = text.strip()
    return stripped or None


def _read_csv(path: Path) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise _file_problem(f"illisible : {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise TableError(
            [ImportProblem(line, "", "", "le fichier n'est pas en UTF-8 (exportez-le en « CSV UTF-8 »)")]
        ) from None
    _check_lines(text)
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise _file_problem("fichier vide ou sans en-tête en ligne 1")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns, problems = _header(next(reader))
    rows: list[SourceRow] = []
    end = reader.line_num
    try:
        for fields in reader:
            line, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in fields):
                continue
            if len(fields) != len(columns):
                problems.append(
                    ImportProblem(
                        line,
                        "",
                        f"{len(fields)} champs",
                        f"{len(columns)} attendus (autant que de colonnes dans l'en-tête, "
                        f"séparateur « {delimiter} »)",
                    )
                )
                continue
            rows.append(SourceRow(line, dict(zip(columns, map(_cell, fields), strict=True))))
    except csv.Error as error:
        problems.append(ImportProblem(reader.line_num, "", "", f"CSV mal formé, lecture arrêtée : {error}"))
    return Table(str(path), columns, rows, problems)


def _read_parquet(path: Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        data = pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise _file_problem(f"fichier Parquet illisible : {error}") from None
    columns, problems = _header([str(name) for name in data.column_names])
    texts: dict[str, list[str | None]] = {}
    for name, column in zip(columns, data.columns, strict=True):
        converted = _arrow_texts(column)
        if converted is None:
            problems.append(
                ImportProblem(
                    1, name, str(column.type), "type Parquet non pris en charge (texte, nombre, date)"
                )
            )
            converted = [None] * data.num_rows
        texts[name] = converted
    rows: list[SourceRow] = []
    for index in range(data.num_rows):
        values = {name: texts[name][index] for name in columns}
        for name, value in values.items():
            if value is not None and "\x00" in value:
                problems.append(ImportProblem(index + 2, name, "", "octet NUL refusé"))
                values[name] = None
        if any(value is not None for value in values.values()):
            rows.append(SourceRow(index + 2, values))
    return Table(str(path), columns, rows, problems)


def _arrow_texts(column: Any) -> list[str | None] | None:
    """A Parquet column as text cells, or ``None`` for a type we do not read."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    types = pa.types
    convert: Any
    if any(
        test(kind)
        for test in (
            types.is_string,
            types.is_large_string,
            types.is_string_view,
            types.is_decimal,  # str(Decimal) keeps the scale: 712.50
            types.is_integer,
            types.is_null,
        )
    ):
        convert = str
    elif types.is_floating(kind):
        convert = repr  # the shortest decimal text; parse_amount then refuses a third decimal
    elif types.is_boolean(kind):
        convert = _bool_text
    elif types.is_date(kind) or types.is_timestamp(kind):
        convert = _date_text
    else:
        return None
    return [None if value is None else _cell(convert(value)) for value in column.to_pylist()]


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _date_text(value: date) -> str:
    if isinstance(value, datetime):
        if value.time() == datetime.min.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    return value.isoformat()


# Cells -----------------------------------------------------------------------------------------


class Cells:
    """Typed access to the cells of one row; every failure is recorded as a problem."""

    def __init__(self, row: SourceRow, problems: list[ImportProblem]) -> None:
        self.row = row
        self.problems = problems
        self.failed = False

    def problem(self, column: str, reason: str, value: object = None) -> None:
        shown_value = shown(column, self.row.get(column) if value is None else value)
        self.problems.append(ImportProblem(self.row.line, column, shown_value, reason))
        self.failed = True

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.row.get(column)
        if value is None:
            if required:
                self.problem(column, "obligatoire")
            return None
        if max_length is not None and len(value) > max_length:
            self.problem(column, f"au plus {max_length} caractères ({len(value)})")
            return None
        return value

    def ref(self, column: str, *, required: bool = False) -> str | None:
        """A reference (a debtor's or a claim's): at most 64 characters, no ``/`` nor ``\\`` nor
        control character, since it names a page (``/o/CAF44/debiteurs/A001``) and a file."""
        value = self.text(column, required=required, max_length=64)
        if value is not None and not REF.fullmatch(value):
            self.problem(column, "référence invalide : ni « / », ni « \\ », ni caractère de contrôle")
            return None
        return value

    def choice(self, column: str, kind: type[E], *, default: E | None = None) -> E | None:
        value = self.row.get(column)
        if value is None:
            if default is None:
                self.problem(column, "obligatoire")
            return default
        try:
            return kind(value)
        except ValueError:
            self.problem(column, f"valeur inconnue ; attendu : {', '.join(member.value for member in kind)}")
            return None

    def day(self, column: str) -> date | None:
        value = self.row.get(column)
        if value is None:
            return None
        if ISO_DATE.fullmatch(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if supported(day):
                    return day
                self.problem(column, RANGE_REASON)
                return None
        self.problem(column, "date invalide ; attendu AAAA-MM-JJ (ex. 2024-03-31)")
        return None

    def amount(self, column: str, *, required: bool = False, positive: bool = False) -> Cents | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            cents = parse_amount(value, field=column)
        except AmountError as error:
            self.problem(column, f"{_amount_reason(error)} ; attendu en euros, ex. 712.50")
            return None
        if positive and cents <= 0:
            self.problem(column, "doit être supérieur à zéro")
            return None
        return cents

    def identifier(self, column: str) -> str | None:
        value = self.row.get(column)
        if value is None:
            return None
        try:
            return identifiers.VALIDATORS[column](value)
        except DomainError as error:
            self.problem(column, error.reason)
            return None

    def flag(self, column: str) -> bool:
        value = self.row.get(column)
        if value is None:
            return False
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word not in FALSE_WORDS:
            self.problem(column, "attendu true/false, 1/0 ou oui/non")
        return False


def _amount_reason(error: AmountError) -> str:
    message = str(error)
    if message.endswith("plus de deux décimales"):
        return "plus de deux décimales"
    if message.endswith("négatif"):
        return "montant négatif"
    if message.endswith("hors limites"):
        return "montant hors limites (au plus 999 999 999 999,99)"
    return "n'est pas un montant"


def check_columns(
    columns: Sequence[str], known: Sequence[str], required: Sequence[str], what: str
) -> tuple[list[ImportProblem], bool]:
    """Header problems, and whether the rows can be read at all (required columns present)."""
    problems: list[ImportProblem] = []
    for column in columns:
        if column not in known:
            close = difflib.get_close_matches(column, known, n=1) or [
                name for name in known if name.lower() == column.lower()
            ]
            hint = f"voulez-vous dire « {close[0]} » ?" if close else "voir docs/imports.md"
            problems.append(ImportProblem(1, column, column, f"colonne inconnue pour {what} ({hint})"))
    missing = [column for column in required if column not in columns]
    problems.extend(ImportProblem(1, column, "", "colonne obligatoire absente") for column in missing)
    return problems, not missing


def _domain_column(error: DomainError, prefix: str) -> str:
    return error.field.removeprefix(prefix)


# Debtors ---------------------------------------------------------------------------------------


def parse_debtors(table: Table, organism: str) -> tuple[Batch[Debtor], list[ImportProblem]]:
    """Debtors of ``organism`` from a table, one row per debtor, with every problem found."""
    problems = list(table.problems)
    header, readable = check_columns(table.columns, DEBTOR_COLUMNS, DEBTOR_REQUIRED, "des débiteurs")
    problems.extend(header)
    batch: Batch[Debtor] = Batch([], [])
    if not readable:
        return batch, sorted(problems)
    first_line: dict[str, int] = {}
    for row in table.rows:
        debtor = _debtor(row, organism, problems)
        ref = row.get("ref")
        if ref is not None:
            if ref in first_line:
                problems.append(
                    ImportProblem(row.line, "ref", ref, f"débiteur déjà présent en ligne {first_line[ref]}")
                )
                continue
            first_line[ref] = row.line
        if debtor is not None:
            batch.items.append(debtor)
            batch.lines.append((row.line,))
    return batch, sorted(problems)


def _debtor(row: SourceRow, organism: str, problems: list[ImportProblem]) -> Debtor | None:
    cells = Cells(row, problems)
    ref = cells.ref("ref", required=True)
    kind = cells.choice("kind", DebtorKind)
    name = cells.text("name", max_length=200) or ""
    ids = {column: cells.identifier(column) for column in IDENTIFIER_COLUMNS}
    email = cells.text("email", max_length=200)
    if email is not None and not EMAIL.fullmatch(email):
        cells.problem("email", "adresse électronique invalide")
    phone = cells.text("phone", max_length=32)
    address = cells.text("address")
    quotient = cells.amount("prp_quotient")
    quotient_from = cells.day("prp_quotient_from")
    if quotient is not None and quotient_from is None and row.get("prp_quotient_from") is None:
        cells.problem("prp_quotient_from", "obligatoire quand prp_quotient est renseigné")
    if quotient_from is not None and row.get("prp_quotient") is None:
        cells.problem("prp_quotient", "obligatoire quand prp_quotient_from est renseigné")
    receives = cells.flag("receives_benefits")
    if cells.failed or ref is None or kind is None:
        return None
    quotients = () if quotient is None or quotient_from is None else (DatedValue(quotient_from, quotient),)
    try:
        return Debtor(
            ref=ref,
            organism=organism,
            kind=kind,
            name=name,
            email=email,
            phone=phone,
            address=address,
            prp_quotients=quotients,
            receives_benefits=receives,
            **ids,
        )
    except DomainError as error:
        cells.problem(_domain_column(error, "debtor."), error.reason)
        return None


def absent_details(columns: Collection[str]) -> list[str]:
    """The debtor details a file with these columns does not give."""
    return [name for name in DEBTOR_DETAILS if name not in columns]


def keep_recorded(
    batch: Batch[Debtor], columns: Collection[str], recorded: Mapping[str, Mapping[str, Any]]
) -> tuple[Batch[Debtor], list[ImportProblem]]:
    """Known debtors keep their recorded value for each detail column the file does not have.

    A file is the whole record only for its own columns: ``ref,kind,prp_quotient,...``
    adds a quotient without blanking names, identifiers or ``receives_benefits``.
    ``recorded`` gives, by ref, the recorded values of ``DEBTOR_DETAILS``.
    """
    absent = absent_details(columns)
    kept: Batch[Debtor] = Batch([], [])
    problems: list[ImportProblem] = []
    for debtor, lines in zip(batch.items, batch.lines, strict=True):
        before = recorded.get(debtor.ref)
        if before is not None and absent:
            try:
                debtor = replace(debtor, **{name: before[name] for name in absent})
            except DomainError as error:
                reason = f"{error.reason} (avec les valeurs enregistrées des colonnes absentes du fichier)"
                problems.append(ImportProblem(lines[0], "kind", debtor.kind.value, reason))
                continue
        kept.items.append(debtor)
        kept.lines.append(lines)
    return kept, problems


def new_quotients(debtors: Iterable[Debtor], recorded: Mapping[str, Collection[date]]) -> int:
    """How many dated quotients are not yet recorded (``recorded``: dates by debtor ref)."""
    return sum(
        1
        for debtor in debtors
        for dated in debtor.prp_quotients
        if dated.valid_from not in recorded.get(debtor.ref, ())
    )


# Claims ----------------------------------------------------------------------------------------


@dataclass
class _ClaimRows:
    ref: str
    rows: list[SourceRow] = field(default_factory=list)
    lines: list[UndueLine | None] = field(default_factory=list)


def parse_claims(
    table: Table, organism: str, *, known_debtors: Collection[str] | None = None
) -> tuple[Batch[Claim], list[ImportProblem]]:
    """Claims of ``organism``: one row per undue payment line, rows sharing ``ref`` form one claim.

    The claim-level columns must agree on every row of a claim. With
    ``known_debtors``, a debtor ref outside it is reported too (the service layer
    checks it again when writing).
    """
    problems = list(table.problems)
    header, readable = check_columns(table.columns, CLAIM_COLUMNS, CLAIM_REQUIRED, "des créances")
    problems.extend(header)
    batch: Batch[Claim] = Batch([], [])
    if not readable:
        return batch, sorted(problems)
    groups: dict[str, _ClaimRows] = {}
    for row in table.rows:
        cells = Cells(row, problems)
        ref = cells.ref("ref", required=True)
        paid_on = cells.day("paid_on")
        if paid_on is None and row.get("paid_on") is None:
            cells.problem("paid_on", "obligatoire")
        amount = cells.amount("amount", required=True, positive=True)
        if ref is None:
            continue
        group = groups.setdefault(ref, _ClaimRows(ref))
        group.rows.append(row)
        group.lines.append(None if paid_on is None or amount is None else UndueLine(paid_on, amount))
    for group in groups.values():
        claim = _claim(group, organism, known_debtors, problems)
        if claim is not None:
            batch.items.append(claim)
            batch.lines.append(tuple(row.line for row in group.rows))
    return batch, sorted(problems)


def _claim(
    group: _ClaimRows,
    organism: str,
    known_debtors: Collection[str] | None,
    problems: list[ImportProblem],
) -> Claim | None:
    first, *others = group.rows
    agree = True
    for row in others:
        for column in CLAIM_LEVEL:
            if row.get(column) != first.get(column):
                expected = shown(column, first.get(column)) or "vide"
                problems.append(
                    ImportProblem(
                        row.line,
                        column,
                        shown(column, row.get(column)),
                        f"diffère de la ligne {first.line} ({expected}) pour la créance {group.ref} : "
                        "les lignes d'une créance doivent concorder",
                    )
                )
                agree = False
    cells = Cells(first, problems)
    debtor = cells.ref("debtor", required=True)
    if debtor is not None and known_debtors is not None and debtor not in known_debtors:
        cells.problem("debtor", "débiteur inconnu dans cet organisme (importez d'abord les débiteurs)")
    benefit = cells.choice("benefit", Benefit)
    creditor = cells.choice("creditor", Creditor, default=Creditor.OWN)
    responsibility = cells.choice("responsibility", Responsibility)
    notified_on = cells.day("notified_on")
    established_on = cells.day("established_on")
    detected_on = cells.day("detected_on")
    reason = cells.text("reason") or ""
    if cells.failed or not agree or None in group.lines:
        return None
    assert debtor is not None and benefit is not None and creditor is not None
    assert responsibility is not None
    if notified_on is None and responsibility is not Responsibility.CHILD_DEATH:
        cells.problem("notified_on", "obligatoire (sauf pour child_death)")
    elif established_on is None and notified_on is None:
        cells.problem("established_on", "obligatoire pour child_death sans notified_on")
    established_on = established_on or notified_on
    if cells.failed or established_on is None:
        return None
    if detected_on is None:
        detected_on = notified_on or established_on
    if notified_on is not None and notified_on < established_on:
        cells.problem("notified_on", f"antérieure à established_on ({established_on.isoformat()})")
    lines = tuple(line for line in group.lines if line is not None)
    for row, line in zip(group.rows, lines, strict=True):
        if line.paid_on > established_on:
            problems.append(
                ImportProblem(
                    row.line,
                    "paid_on",
                    line.paid_on.isoformat(),
                    f"postérieure à established_on ({established_on.isoformat()})",
                )
            )
            cells.failed = True
    if cells.failed:
        return None
    try:
        return Claim(
            ref=group.ref,
            organism=organism,
            debtor_ref=debtor,
            benefit=benefit,
            creditor=creditor,
            responsibility=responsibility,
            lines=lines,
            established_on=established_on,
            notified_on=notified_on,
            detected_on=detected_on,
            reason=reason,
        )
    except DomainError as error:
        found = LINE_FIELD.fullmatch(error.field)
        if found is not None:
            row = group.rows[int(found.group(1))]
            problems.append(
                ImportProblem(row.line, found.group(2), shown(found.group(2), error.value), error.reason)
            )
        else:
            cells.problem(_domain_column(error, "claim."), error.reason, error.value)
        return None


def claim_debtor_refs(table: Table) -> set[str]:
    """The debtor refs a claims table names (to look up which are known before parsing)."""
    return {ref for row in table.rows if (ref := row.get("debtor")) is not None}
