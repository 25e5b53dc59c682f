"""The load scenario (``bench/load/locustfile.py``) cannot rot: run headless for a few seconds by
3 case workers against ``recouvre serve`` on a small SQLite portfolio whose cycle filled the
queues, every step of the scenario is exercised (sign-in in the pages and the API, queue, search,
debtor file, claim, contact in the form and the API, payment and its replay) and no request fails.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import run_cli
from recouvre.service import accounts
from recouvre.service.context import open_services

# Not imported here: locust patches the standard library (gevent) when it is imported.
if importlib.util.find_spec("locust") is None:
    pytest.skip("locust is not installed (the dev extra)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
PASSWORD = "un mot de passe de charge, assez long"
USERS = 3
STEPS = {
    "connexion (formulaire)",
    "api connexion",
    "api tasks",
    "page dossier débiteur",
    "api dossier débiteur",
    "api paiement",
    "api paiement (rejeu)",
}


@pytest.fixture
def served_portfolio(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'load.db'}"
    run_cli(url, "generate", "--debtors", "300", "--seed", "42", "--as-of", "2026-11-01")
    run_cli(
        url,
        "cycle",
        "run",
        "--organism",
        "CAF-DEMO",
        "--month",
        "2026-11",
        "--without-payment-run",
        "--workers",
        "1",
    )
    services = open_services(url)
    for index in range(1, USERS + 1):
        accounts.add_user(
            services, f"load.cw{index:02d}", PASSWORD, ["case_worker"], organism="CAF-DEMO", by="cli:test"
        )
    services.db.engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recouvre.cli",
            "--db",
            url,
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start within 30 s"
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_load_scenario_runs_without_a_failure(served_portfolio: str, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_WAIT_MIN": "0.05",
        "LOAD_WAIT_MAX": "0.2",
        "LOAD_PAYMENT_SHARE": "1",
        "LOAD_REPLAY_SHARE": "0.5",
    }
    prefix = tmp_path / "run"
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("locust")),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            str(USERS),
            "-t",
            "10s",
            "--host",
            served_portfolio,
            "--csv",
            str(prefix),
            "--only-summary",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    with Path(f"{prefix}_stats.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_name = {row["Name"]: row for row in rows if row["Type"]}
    failures = {name: row["Failure Count"] for name, row in by_name.items() if row["Failure Count"] != "0"}
    assert failures == {}, done.stderr[-3000:]
    assert set(by_name) >= STEPS, f"steps never run: {STEPS - set(by_name)}"
    contacts = {"page contact (formulaire)", "api contact"} & set(by_name)
    assert contacts, "no contact recorded"
    assert done.returncode == 0, done.stderr[-3000:]
