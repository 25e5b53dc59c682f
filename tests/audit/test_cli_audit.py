"""Operators' commands that may change something are recorded in the audit trail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from recouvre.cli import _command_path, _redacted
from recouvre.service import Services, trail
from recouvre.storage.database import Database


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recouvre.cli", "--db", f"sqlite:///{db}", *args],
        capture_output=True,
        text=True,
        env=os.environ | {"RECOUVRE_OPERATOR": "exploitant.nuit"},
    )


def test_cli_commands_are_audited_with_their_outcome(tmp_path: Path) -> None:
    db = tmp_path / "audit.db"
    assert run(db, "organisms", "add", "CAF-X", "--country", "FR").returncode == 0
    assert run(db, "generate", "--debtors", "20", "--seed", "3", "--organism", "CAF-X").returncode == 0
    cli = (sys.executable, "-m", "recouvre.cli", "--db", f"sqlite:///{db}")
    environment = os.environ | {"RECOUVRE_OPERATOR": "exploitant.nuit"}
    added = subprocess.run(
        [*cli, "users", "add", "agent", "--role", "phone_operator", "--organism", "CAF-X"],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert added.returncode == 0, added.stderr  # the first user: added by the system account
    # no financial duty: the one-time activation link at once; the user sets his password
    token = added.stdout.split("jeton d'activation : ")[1].split()[0]
    activated = subprocess.run(
        [*cli, "users", "activate", token, "--password-stdin"],
        capture_output=True,
        text=True,
        input="un mot de passe assez long\n",
        env=environment,
    )
    assert activated.returncode == 0, activated.stderr
    decide = [
        "remission",
        "decide",
        "--claim",
        "NO-SUCH-CLAIM",
        "--organism",
        "CAF-X",
        "--date",
        "2026-11-02",
    ]
    refused = run(db, "--as", "agent", *decide, "--rate", "50", "--why", "essai")
    assert refused.returncode == 3, refused.stderr  # a phone operator decides no remission
    assert run(db, "summary").returncode == 0  # read-only: not recorded
    services = Services(Database(f"sqlite:///{db}"))
    rows = trail.show(services, limit=20)
    actions = [(row.actor, row.action, row.outcome) for row in reversed(rows)]
    assert actions == [
        ("system", "organisms.manage", "done"),  # the act, by who did it
        ("cli:exploitant.nuit", "cli.organisms.add", "done"),  # the command line that asked
        ("system", "data.generate", "done"),
        ("cli:exploitant.nuit", "cli.generate", "done"),
        ("system", "users.add", "done"),
        ("cli:exploitant.nuit", "cli.users.add", "done"),
        ("agent", "users.activate", "done"),
        ("cli:exploitant.nuit", "cli.users.activate", "done"),
        ("agent", "remissions.decide_services", "denied"),
        ("cli:exploitant.nuit", "cli.remission.decide", "refused"),
    ]
    assert trail.verify(services).broken is None


def test_command_path_and_secrets() -> None:
    assert _command_path(["--db", "sqlite:///x.db", "cycle", "run", "--month", "2026-11"]) == "cycle run"
    assert _command_path(["summary", "--on", "2026-01-01"]) == "summary"
    assert _redacted(["users", "add", "bob", "--password", "s3cret", "--role", "auditor"]) == [
        "users", "add", "bob", "--password", "***", "--role", "auditor",
    ]  # fmt: skip
    assert _redacted(["--password=s3cret"]) == ["--password=***"]
