"""Benchmark of the queue pages (corbeilles) on an existing database, through the web application.

Usage::

    .venv/bin/recouvre --db sqlite:////tmp/q.db generate --debtors 10000 --seed 42 --as-of 2026-11-01
    .venv/bin/recouvre --db sqlite:////tmp/q.db simulate --start 2025-11 --months 12 --seed 42
    .venv/bin/python bench/queue_pages.py --db sqlite:////tmp/q.db

Signs in a case worker (``bench-queue``, created with its password when missing: the only write)
through the sign-in form of the pages, then requests each queue page ``--requests`` times (every
task type, "all types", the first, second and last page, open and all statuses; and the API's
``GET /tasks``), in process (FastAPI's TestClient, no network). The clock is fixed at ``--on``
10:00 UTC, so that the queues are those of that day. Prints one JSON line per page: its path,
the number of tasks in the queue, and the median, p95 and max response times in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from datetime import UTC, date, datetime
from datetime import time as day_time

from fastapi.testclient import TestClient

from recouvre.api import create_api
from recouvre.service import Services, accounts, queries
from recouvre.storage.database import Database
from recouvre.web import mount_web

USER = "bench-queue"
PASSWORD = "un mot de passe de banc d'essai"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAGE_SIZE = 50


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(round(0.95 * len(ordered)) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--organism", default="CAF-DEMO")
    parser.add_argument("--on", default="2026-11-01", help="the day of the queues (the clock's date)")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    on = date.fromisoformat(args.on)
    moment = datetime.combine(on, day_time(10, 0), tzinfo=UTC)
    services = Services(Database(args.db), clock=lambda: moment)
    try:
        accounts.get_user(services, USER)
    except Exception:
        accounts.add_user(services, USER, PASSWORD, ["case_worker"], organism=args.organism, by="cli:bench")
    app = create_api(services)
    mount_web(app, secret=b"a secret for the benchmark only, 32+ bytes")
    with TestClient(app) as client:
        page = client.get("/connexion")
        found = CSRF.search(page.text)
        assert found is not None
        signed = client.post(
            "/connexion", data={"identifiant": USER, "mot_de_passe": PASSWORD, "csrf": found.group(1)}
        )
        assert signed.status_code == 200, signed.text
        token = accounts.issue_token(services, USER, PASSWORD).token
        counts = queries.queue_counts(services, args.organism, agency=None, today=on)
        totals: dict[str, int] = {}
        for count in counts:
            if count.status == "open":
                totals[count.type] = totals.get(count.type, 0) + count.count
        totals["tous"] = sum(totals.values())
        base = f"/o/{args.organism}/corbeilles"
        targets: list[tuple[str, dict[str, str], int]] = []
        for kind, total in totals.items():
            last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
            for number in sorted({1, 2, last}):
                targets.append((base, {"type": kind, "page": str(number)}, total))
        targets.append((base, {"type": "tous", "statut": "tous"}, sum(c.count for c in counts)))
        api = f"/api/v1/organisms/{args.organism}/tasks"
        targets.append((api, {"on": on.isoformat()}, totals["tous"]))
        for path, params, total in targets:
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            timings: list[float] = []
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.get(path, params=params, headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.text[:500]
            print(
                json.dumps(
                    {
                        "page": f"{path}?{'&'.join(f'{k}={v}' for k, v in params.items())}",
                        "tasks": total,
                        "median_ms": round(statistics.median(timings), 1),
                        "p95_ms": round(p95(timings), 1),
                        "max_ms": round(max(timings), 1),
                    }
                ),
                flush=True,
            )
    services.db.dispose()


if __name__ == "__main__":
    main()
