"""``recouvre serve --workers 2``: two server processes on one port that share the sessions.

The server is started as the operator starts it (a subprocess, on a temporary SQLite database);
one person signs in once in the pages and once in the API, then 60 requests, each on a new
connection (so that the kernel hands them to either process), must all be answered as signed
in: a web session opened on one process is recognised by the other (one web secret for both),
and the API token is found by both (it lives in the database).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from recouvre.service import accounts
from recouvre.service.context import open_services

USER = "serve.workers"
PASSWORD = "un mot de passe pour deux processus"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[str, int]]:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    services = open_services(url)
    accounts.add_user(services, USER, PASSWORD, ["case_worker"], by="cli:test")
    services.db.engine.dispose()
    port = _free_port()
    environment = {key: value for key, value in os.environ.items() if key != "RECOUVRE_WEB_SECRET"}
    process = subprocess.Popen(
        [sys.executable, "-m", "recouvre.cli", "--db", url, "serve", "--port", str(port), "--workers", "2"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the server did not start within 30 s"
            try:
                healthy = httpx.get(f"{base}/health", timeout=2).status_code == 200
                if healthy and len(_children(process.pid)) >= 2:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_server_processes_share_sessions_and_tokens(two_workers: tuple[str, int]) -> None:
    base, pid = two_workers
    # two worker processes besides uvicorn's supervisor
    assert len([child for child in _children(pid) if Path(f"/proc/{child}/cmdline").exists()]) >= 2
    with httpx.Client(base_url=base, timeout=30) as browser:
        page = browser.get("/connexion")
        found = CSRF.search(page.text)
        assert page.status_code == 200 and found is not None
        signed_in = browser.post(
            "/connexion",
            data={"identifiant": USER, "mot_de_passe": PASSWORD, "csrf": found.group(1)},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        cookies = dict(browser.cookies)
    token = httpx.post(f"{base}/api/v1/auth/token", json={"username": USER, "password": PASSWORD}, timeout=30)
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    statuses: list[tuple[str, int]] = []
    for _ in range(30):  # a new client each time: a new connection, to either process
        with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
            answer = client.get("/organismes", follow_redirects=False)
            statuses.append(("page", answer.status_code))
        with httpx.Client(base_url=base, timeout=30) as client:
            answer = client.get("/api/v1/me", headers=bearer)
            statuses.append(("api", answer.status_code))
            assert answer.status_code != 200 or answer.json()["username"] == USER
    assert [entry for entry in statuses if entry[1] != 200] == []
