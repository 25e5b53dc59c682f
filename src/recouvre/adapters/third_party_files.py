"""Files handed over to a third-party creditor: the transfer file of a claim and the monthly
statement, as CSV (UTF-8, ``,``, amounts as ``1234.56``) or Parquet (amounts ``decimal128(18, 2)``,
dates ``date32``), chosen by the extension (``.parquet``/``.pq``). Columns whose name is an
amount (``amount``, ``established``, ``recovered``) hold integer cents on input."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from recouvre.adapters.payment_files import text_cell
from recouvre.domain.money import format_amount, to_decimal

AMOUNT_COLUMNS = frozenset({"amount", "established", "recovered"})
PARQUET = frozenset({".parquet", ".pq"})


def cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if name in AMOUNT_COLUMNS and isinstance(value, int):
        return format_amount(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.isoformat()
    return text_cell(str(value))


def write_rows(path: Path, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    """Write ``rows`` under ``columns`` to ``path`` (CSV or Parquet by extension)."""
    if path.suffix.lower() in PARQUET:
        import pyarrow as pa
        import pyarrow.parquet as pq

        fields = []
        data: dict[str, list[object]] = {}
        for index, name in enumerate(columns):
            values = [row[index] for row in rows]
            if name in AMOUNT_COLUMNS:
                fields.append((name, pa.decimal128(18, 2)))
                data[name] = [None if v is None else to_decimal(int(v)) for v in values]  # type: ignore[call-overload]
            elif values and all(isinstance(v, date) for v in values):
                fields.append((name, pa.date32()))
                data[name] = values
            elif values and all(isinstance(v, bool) for v in values):
                fields.append((name, pa.bool_()))
                data[name] = values
            else:
                fields.append((name, pa.string()))
                data[name] = [None if v is None else str(v) for v in values]
        pq.write_table(pa.Table.from_pydict(data, schema=pa.schema(fields)), path)
        return path
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(name, value) for name, value in zip(columns, row, strict=True)])
    return path
