"""Agency files: contracts read from YAML or CSV, files handed over written as CSV or Parquet.

Contracts (``recouvre agencies load FILE``): a YAML file ``{agencies: [{id, name, kind,
commission_rate, capacity, contract: {from, until}, first_reminder_days, grid: [{min, max,
min_age_days, max_age_days, debtor_kind, rate}]}]}`` (or the list alone), or a CSV file with
the columns ``id, name, kind, commission_rate, capacity, contract_from, contract_until,
first_reminder_days`` where a row repeating an ``id`` adds a grid segment from its
``segment_min, segment_max, segment_min_age_days, segment_max_age_days, segment_debtor_kind,
segment_rate`` columns. Checking the values is the service's (``service.agency_work``).

Handover (``recouvre agencies handover``): one row per file, written as CSV (UTF-8, ``;``) or
Parquet (by the file's suffix).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from recouvre.adapters.imports import PARQUET_SUFFIXES, TableError, read_table

YAML_SUFFIXES = frozenset({".yaml", ".yml"})


class ContractsFileError(ValueError):
    """A contracts file that cannot be read (not its values: the service checks those)."""


def read_contracts(path: Path) -> list[dict[str, Any]]:
    """The entries of a contracts file, as mappings."""
    if path.suffix.lower() in YAML_SUFFIXES:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise ContractsFileError(f"{path}: illisible ({error})") from None
        if isinstance(data, dict):
            data = data.get("agencies")
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ContractsFileError(f"{path}: une liste d'agences est attendue (agencies: [...])")
        return [dict(item) for item in data]
    try:
        table = read_table(path)
    except TableError as error:
        raise ContractsFileError("; ".join(f"ligne {p.line}: {p.reason}" for p in error.problems)) from None
    except OSError as error:
        raise ContractsFileError(f"{path}: illisible ({error.strerror})") from None
    if table.problems:
        raise ContractsFileError("; ".join(f"ligne {p.line}: {p.reason}" for p in table.problems))
    return [
        {key: value for key, value in row.values.items() if value not in (None, "")} for row in table.rows
    ]


def _cell(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_rows(rows: Sequence[dict[str, object]], columns: Sequence[str], path: Path) -> None:
    """Write ``rows`` to ``path``: Parquet for ``.parquet``/``.pq``, else CSV (``;``, UTF-8)."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: [_cell(row.get(name)) for row in rows] for name in columns})
        pq.write_table(table, path)
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(name) is None else _cell(row.get(name)) for name in columns])
