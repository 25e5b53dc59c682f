"""Summarise locust's ``--csv`` statistics: one line per endpoint (requests, failures, p50, p95,
p99, max in ms, requests/s), the aggregated line, and which endpoints miss the p95 target.

Usage: ``.venv/bin/python bench/load/summary.py PREFIX_stats.csv [--target-ms 200] [--json]``
Exit 1 when a request failed or an endpoint's p95 is above the target.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stats", type=Path)
    parser.add_argument("--target-ms", type=float, default=200.0)
    parser.add_argument("--json", action="store_true", help="one JSON object per endpoint instead")
    args = parser.parse_args()
    found = rows(args.stats)
    if not found:
        print("aucune statistique", file=sys.stderr)
        raise SystemExit(1)
    over: list[str] = []
    failures = 0
    header = f"{'endpoint':<38} {'req':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7} {'rps':>6}"
    if not args.json:
        print(header)
        print("-" * len(header))
    for row in found:
        name = row["Name"] if row["Type"] else "Aggregated"
        label = f"{row['Type']} {name}".strip()
        figures: dict[str, Any] = {
            "endpoint": label,
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
            "max_ms": float(row["Max Response Time"] or 0),
            "rps": float(row["Requests/s"] or 0),
        }
        if name != "Aggregated":
            failures += int(figures["failures"])
            if figures["p95_ms"] > args.target_ms:
                over.append(label)
        if args.json:
            print(json.dumps(figures, ensure_ascii=False))
        else:
            print(
                f"{label[:38]:<38} {figures['requests']:>6} {figures['failures']:>5} "
                f"{figures['p50_ms']:>6.0f} {figures['p95_ms']:>6.0f} {figures['p99_ms']:>6.0f} "
                f"{figures['max_ms']:>7.0f} "
                f"{figures['rps']:>6.1f}"
            )
    if not args.json:
        slow = ", ".join(over) or "aucun"
        print(f"échecs : {failures} ; p95 au-dessus de {args.target_ms:.0f} ms : {slow}")
    raise SystemExit(1 if failures or over else 0)


if __name__ == "__main__":
    main()
