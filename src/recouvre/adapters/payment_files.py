"""Monthly benefit payment files (input) and withholding files (output), CSV or Parquet.

Input: one row per debtor × benefit, read with ``imports.read_table`` (same CSV and
Parquet rules as the imports, see docs/imports.md)::

    debtor,benefit,regular,arrears,after_rent_debt_clearance,run_id,paid_on
    A001,AF,131.55,,false,2026-03,2026-03-05
    A001,AL,400.00,120.00,false,2026-03,2026-03-05

``regular`` and ``arrears`` are amounts (an empty cell is 0.00; at least one of the two
columns is required); ``after_rent_debt_clearance`` is optional (``true``/``false``,
default false). The rows of one debtor form its payment: they must agree on ``run_id``,
``paid_on`` and the flag, and name each benefit once. ``parse_payments`` returns the
payments and *every* problem (line, column, value, reason); the caller refuses the
whole file on any problem.

Output: ``WithholdingWriter`` writes one row per debtor × claim withheld, with the
debtor's totals (``run_id, debtor, gross, claim, withheld, net``); a debtor with nothing
withheld gets one row with an empty ``claim`` and ``withheld`` 0.00. The file is
written under a temporary name and renamed when complete: a failed run leaves no
half-written file. Parquet (``.parquet``, ``.pq``) amounts are ``decimal128(18, 2)``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from recouvre.adapters.imports import (
    PARQUET_SUFFIXES,
    TRUE_WORDS,
    Batch,
    Cells,
    ImportProblem,
    SourceRow,
    Table,
    check_columns,
)
from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents, format_amount, to_decimal
from recouvre.domain.withholding import BenefitPayment
from recouvre.service.withholding import MAX_RUN_ID, WithholdingOutcome

PAYMENT_COLUMNS: Final = (
    "debtor",
    "benefit",
    "regular",
    "arrears",
    "after_rent_debt_clearance",
    "run_id",
    "paid_on",
)
PAYMENT_REQUIRED: Final = ("debtor", "benefit", "run_id", "paid_on")
DEBTOR_LEVEL: Final = ("run_id", "paid_on", "after_rent_debt_clearance")
OUTPUT_COLUMNS: Final = ("run_id", "debtor", "gross", "claim", "withheld", "net")
SPACE: Final = re.compile(r"\s")


@dataclass(frozen=True)
class FilePayment:
    """A debtor's payment read from a file, with the run it belongs to."""

    run_id: str
    payment: BenefitPayment


@dataclass
class _DebtorRows:
    first: SourceRow
    run_id: str | None
    paid_on: date | None
    flag: bool
    regular: dict[str, Cents] = field(default_factory=dict)
    arrears: dict[str, Cents] = field(default_factory=dict)
    benefits: dict[str, int] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)
    failed: bool = False


def default_output(path: Path) -> Path:
    """``payments.csv`` -> ``payments.withholding.csv`` (same folder)."""
    return path.with_name(f"{path.stem}.withholding.csv")


def parse_payments(
    table: Table, *, known_debtors: Collection[str] | None = None
) -> tuple[Batch[FilePayment], list[ImportProblem]]:
    """The payments of a table (one per debtor, in order of first appearance) and every problem.

    With ``known_debtors``, a debtor outside it is reported (the service checks it again).
    """
    problems = list(table.problems)
    header, readable = check_columns(
        table.columns, PAYMENT_COLUMNS, PAYMENT_REQUIRED, "des paiements de prestations"
    )
    problems.extend(header)
    if "regular" not in table.columns and "arrears" not in table.columns:
        problems.append(ImportProblem(1, "regular", "", "colonne obligatoire absente (ou arrears)"))
        readable = False
    batch: Batch[FilePayment] = Batch([], [])
    if not readable:
        return batch, sorted(problems)
    debtors: dict[str, _DebtorRows] = {}
    for row in table.rows:
        cells = Cells(row, problems)
        debtor = cells.text("debtor", required=True, max_length=64)
        benefit = cells.choice("benefit", Benefit)
        regular = cells.amount("regular")
        arrears = cells.amount("arrears")
        flag = cells.flag("after_rent_debt_clearance")
        run_id = cells.text("run_id", required=True, max_length=MAX_RUN_ID)
        if run_id is not None and SPACE.search(run_id):
            cells.problem("run_id", "sans espace")
        paid_on = cells.day("paid_on")
        if paid_on is None and row.get("paid_on") is None:
            cells.problem("paid_on", "obligatoire")
        if debtor is None:
            continue
        group = debtors.get(debtor)
        if group is None:
            group = debtors[debtor] = _DebtorRows(row, run_id, paid_on, flag)
            if known_debtors is not None and debtor not in known_debtors:
                cells.problem(
                    "debtor", "débiteur inconnu dans cet organisme (importez d'abord les débiteurs)"
                )
        else:
            _agree(group, row, problems)
        group.lines.append(row.line)
        if benefit is not None:
            before = group.benefits.get(benefit.value)
            if before is not None:
                cells.problem(
                    "benefit", f"prestation déjà présente pour le débiteur {debtor} en ligne {before}"
                )
            group.benefits[benefit.value] = row.line
        if cells.failed:
            group.failed = True
            continue
        assert benefit is not None
        if regular is not None:
            group.regular[benefit.value] = regular
        if arrears is not None:
            group.arrears[benefit.value] = arrears
    for ref, group in debtors.items():
        if group.failed or group.run_id is None or group.paid_on is None:
            continue
        payment = BenefitPayment(
            debtor_ref=ref,
            paid_on=group.paid_on,
            regular=group.regular,
            arrears=group.arrears,
            after_rent_debt_clearance=group.flag,
        )
        batch.items.append(FilePayment(group.run_id, payment))
        batch.lines.append(tuple(group.lines))
    return batch, sorted(problems)


def _agree(group: _DebtorRows, row: SourceRow, problems: list[ImportProblem]) -> None:
    """The debtor-level cells of ``row`` must be those of the debtor's first row."""
    for column in DEBTOR_LEVEL:
        if _normal(column, row.get(column)) != _normal(column, group.first.get(column)):
            expected = group.first.get(column) or "vide"
            problems.append(
                ImportProblem(
                    row.line,
                    column,
                    row.get(column) or "",
                    f"diffère de la ligne {group.first.line} ({expected}) pour le débiteur "
                    f"{group.first.get('debtor')} : les lignes d'un débiteur doivent concorder",
                )
            )
            group.failed = True


def _normal(column: str, value: str | None) -> str | None:
    if column == "after_rent_debt_clearance":
        return "true" if value is not None and value.lower() in TRUE_WORDS else "false"
    return value


# Output ----------------------------------------------------------------------------------------


def output_rows(outcome: WithholdingOutcome) -> list[tuple[str, str, Cents, str, Cents, Cents]]:
    """One row per claim withheld (or one row with no claim), with the debtor's totals."""
    if not outcome.allocations:
        return [(outcome.run_id, outcome.debtor_ref, outcome.gross, "", 0, outcome.net)]
    return [
        (outcome.run_id, outcome.debtor_ref, outcome.gross, item.claim_ref, item.amount, outcome.net)
        for item in outcome.allocations
    ]


FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet reads as a formula (OWASP "CSV injection")."""


def text_cell(value: str) -> str:
    """A text cell (a reference, a run id) that a spreadsheet shows as text: one starting like a
    formula is prefixed with ``'``. Amounts are not passed through it: they are written by
    ``format_amount`` (``-12.50``, digits and one sign) and must stay numbers for the accountant's
    sums; a number cannot be a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class WithholdingWriter:
    """Writes the withholding file; ``commit`` renames it into place, ``abort`` removes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parquet = path.suffix.lower() in PARQUET_SUFFIXES
        self._temporary = path.with_name(f".{path.name}.partial")
        self._columns: dict[str, list[Any]] = {name: [] for name in OUTPUT_COLUMNS}
        self._handle: IO[str] | None = None
        self._csv: Any = None
        self.rows = 0
        if not self.parquet:
            self._handle = self._temporary.open("w", encoding="utf-8", newline="")
            self._csv = csv.writer(self._handle)
            self._csv.writerow(OUTPUT_COLUMNS)

    def write(self, outcomes: Iterable[WithholdingOutcome]) -> None:
        for outcome in outcomes:
            for run_id, debtor, gross, claim, withheld, net in output_rows(outcome):
                self.rows += 1
                if self._csv is not None:
                    self._csv.writerow(
                        (
                            text_cell(run_id),
                            text_cell(debtor),
                            format_amount(gross),
                            text_cell(claim),
                            format_amount(withheld),
                            format_amount(net),
                        )
                    )
                    continue
                for name, value in zip(
                    OUTPUT_COLUMNS,
                    (run_id, debtor, _decimal(gross), claim or None, _decimal(withheld), _decimal(net)),
                    strict=True,
                ):
                    self._columns[name].append(value)

    def commit(self) -> Path:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        else:
            self._write_parquet()
        self._temporary.replace(self.path)
        return self.path

    def abort(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> WithholdingWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.abort()

    def _write_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        money = pa.decimal128(18, 2)
        schema = pa.schema(
            [
                ("run_id", pa.string()),
                ("debtor", pa.string()),
                ("gross", money),
                ("claim", pa.string()),
                ("withheld", money),
                ("net", money),
            ]
        )
        table = pa.Table.from_pydict(self._columns, schema=schema)
        pq.write_table(table, self._temporary)


def _decimal(cents: Cents) -> Decimal:
    return to_decimal(cents)
