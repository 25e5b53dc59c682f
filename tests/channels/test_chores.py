"""The unattended chores (``recouvre chores``, a worker's ``--chores``): the day's messages
queued, the prescriptions watched and the outbox sent, as audited batch acts of the system
account; run twice the same day, the second run changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from recouvre.adapters.messaging import EMAIL, MemoryTransport
from recouvre.cli import app
from recouvre.domain.model import Country, Organism
from recouvre.service import Services, accounts, job_queue
from recouvre.service.commands import chores
from recouvre.service.commands import outbox as commands
from recouvre.service.context import open_services
from recouvre.service.registry import ensure_organism
from recouvre.storage.back_office_tables import AuditRow
from recouvre.storage.operations import content_digests
from web.conftest import CHEAP_HASHER, populate

from .test_outbox import ORG, SYSTEM, add_reminder, statuses

ON = date(2026, 3, 2)


def _audited(services: Services, action: str) -> int:
    with services.db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).where(AuditRow.action == action)) or 0)


def test_the_days_chores_queue_watch_and_send_once(office: Services) -> None:
    add_reminder(office, "D1", ON)
    agent = accounts.actor_of(office, "case_worker")
    commands.record_consent(office, agent, ORG, "D1", EMAIL, True, date(2026, 2, 1), "formulaire")
    sent = MemoryTransport()
    office.transports = {EMAIL: sent}
    report = chores.daily_chores(office, SYSTEM, ON)
    [mine] = [item for item in report.organisms if item.organism == ORG]
    assert mine.queued.emails == 1 and report.sent.sent == 1 and len(sent.sent) == 1
    assert statuses(office) == [(EMAIL, "sent", 1)]
    assert _audited(office, "outbox.send") >= 2 and _audited(office, "prescription.watch") >= 1
    lines = report.lines()
    assert any(line.startswith(f"{ORG} : 1 courriel(s)") for line in lines)
    assert lines[-1].startswith("messages : 1 envoyé(s)")

    before = {name: digest for name, digest in content_digests(office.db).items() if name != "audit_log"}
    again = chores.daily_chores(office, SYSTEM, ON)
    after = {name: digest for name, digest in content_digests(office.db).items() if name != "audit_log"}
    assert again.sent.sent == 0 and len(sent.sent) == 1  # nothing sent twice
    assert [item.queued.emails for item in again.organisms if item.organism == ORG] == [0]
    assert after == before  # only the audit trail records that the chores ran again


def test_the_command_runs_them_and_refuses_a_bad_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
    url = f"sqlite:///{tmp_path / 'chores.db'}"
    services = open_services(url)
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    populate(services)
    services.db.dispose()
    runner = CliRunner()
    env = {"RECOUVRE_USER": ""}
    done = runner.invoke(app, ["--db", url, "chores", "--date", ON.isoformat()], env=env)
    assert done.exit_code == 0, done.output
    assert f"{ORG} : 0 courriel(s)" in done.output and "messages : 0 envoyé(s)" in done.output
    bad = runner.invoke(app, ["--db", url, "chores", "--date", "02/03/2026"], env=env)
    assert bad.exit_code == 1 and "--date '02/03/2026' : une date AAAA-MM-JJ" in bad.output


def test_a_worker_with_chores_schedules_them_and_one_without_does_not(office: Services) -> None:
    def periodic_names(app: object) -> set[str]:
        registry = app.periodic_registry  # type: ignore[attr-defined]
        return {task.task.name for task in registry.periodic_tasks.values()}

    plain = periodic_names(job_queue.job_app(office))
    scheduled = periodic_names(job_queue.job_app(office, chores=True))
    assert job_queue.DAILY_CHORES not in plain and job_queue.SEND_OUTBOX not in plain
    assert {job_queue.DAILY_CHORES, job_queue.SEND_OUTBOX} <= scheduled
