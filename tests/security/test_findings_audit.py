"""Security finding 6 (audit part): the chain keyed with a key outside the database, and its
head exported at each day's close, so that deleting the newest rows, or rewriting a range and
rehashing the rest, is detected by ``audit verify``."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest
import typer
from sqlalchemy import select, text
from typer.testing import CliRunner

from recouvre.cli import audit as audit_cli
from recouvre.cli.common import CliState
from recouvre.service import Services, audit_keys, trail
from recouvre.storage.back_office_tables import AuditRow

DAY = date(2026, 3, 2)


def fill(services: Services, count: int) -> None:
    for index in range(count):
        trail.record(
            services, trail.Entry(f"user{index % 3}", "payments.record", organism="CAF-TEST", why="v")
        )


def drop_triggers(services: Services) -> None:
    with services.db.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def rehash_from(services: Services, seq: int, key: bytes | None) -> None:
    """Rewrite row ``seq`` and rehash it and every row after it with ``key``."""
    with services.db.unit_of_work() as session:
        rows = list(session.scalars(select(AuditRow).where(AuditRow.seq >= seq).order_by(AuditRow.seq)))
        previous = session.scalar(select(AuditRow.hash).where(AuditRow.seq == seq - 1))
        rows[0].why = "réécrit"
        for row in rows:
            # unique constraints on hash and prev_hash: clear first, then write the new chain
            row.prev_hash = f"tmp{row.seq}"
            row.hash = f"tmp-h{row.seq}"
        session.flush()
        for row in rows:
            row.prev_hash = previous
            row.hash = trail.content_hash(row, key) if key is not None else trail.content_hash(row)
            previous = row.hash
            session.flush()


def test_the_key_is_outside_the_database(services: Services) -> None:
    fill(services, 2)
    key_file = audit_keys.key_file(trail.installation(services))
    database = Path(str(services.db.engine.url.database))
    assert key_file == database.with_name(database.name + ".audit-key") and key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = trail.chain_key(services)
    assert key.decode() not in database.read_bytes().decode("latin-1")
    with services.db.unit_of_work() as session:
        row = session.scalars(select(AuditRow).where(AuditRow.seq == 1)).one()
        assert row.hash == trail.content_hash(row, key) != trail.content_hash(row)


def test_deleting_the_newest_rows_is_detected_by_the_exported_head(services: Services) -> None:
    fill(services, 5)
    head = trail.close_day(services, DAY)
    assert head.seq == 6 and trail.verify(services).ok and trail.verify(services).heads_checked == 1
    fill(services, 2)
    drop_triggers(services)
    with services.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq >= 5"))
    found = trail.verify(services)
    assert found.broken is not None and found.broken.seq == 6
    assert "tête exportée le 2026-03-02" in found.broken.reason and "5 à 6 supprimée" in found.broken.reason


def test_rewriting_and_rehashing_without_the_key_is_detected(services: Services) -> None:
    fill(services, 6)
    drop_triggers(services)
    rehash_from(services, 3, b"une autre clef, celle de l'intrus, assez longue")
    found = trail.verify(services)
    assert found.broken is not None and found.broken.seq == 3 and "HMAC" in found.broken.reason
    # a plain SHA-256 rehash (the former scheme) after keyed rows is refused too
    rehash_from(services, 3, None)
    found = trail.verify(services)
    assert found.broken is not None and found.broken.seq == 3


def test_rewriting_with_the_key_is_detected_by_the_exported_head(services: Services) -> None:
    fill(services, 4)
    trail.close_day(services, DAY)
    fill(services, 3)
    drop_triggers(services)
    rehash_from(services, 2, trail.chain_key(services))
    found = trail.verify(services)
    assert found.broken is not None and found.broken.seq == 5
    assert "empreinte différente de la tête exportée le 2026-03-02" in found.broken.reason


def test_the_heads_file_is_append_only_and_outside_the_database(services: Services) -> None:
    fill(services, 1)
    first = trail.close_day(services, DAY)
    second = trail.close_day(services, date(2026, 3, 3))
    heads = audit_keys.exported_heads(trail.installation(services))
    assert heads == [first, second]
    path = audit_keys.heads_file(trail.installation(services))
    assert path.name.endswith(".audit-heads.jsonl") and len(path.read_text().splitlines()) == 2
    assert [r.action for r in trail.show(services, 2)] == ["audit.close_day", "audit.close_day"]


def test_the_commands(services: Services) -> None:
    app = typer.Typer()
    app.add_typer(audit_cli.app, name="audit")
    state = CliState(db_url=None, policy_dir=None, _services=services)
    fill(services, 3)
    result = CliRunner().invoke(app, ["audit", "close-day", "--date", "2026-03-02"], obj=state)
    assert result.exit_code == 0 and "tête n° 4" in result.output, result.output
    result = CliRunner().invoke(app, ["audit", "verify"], obj=state)
    assert result.exit_code == 0 and "1 tête(s)" in " ".join(result.output.split()), result.output
    drop_triggers(services)
    with services.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq >= 3"))
    result = CliRunner().invoke(app, ["audit", "verify"], obj=state)
    assert result.exit_code == 1 and "supprimée" in result.output


def test_a_key_given_by_the_environment(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit_keys.KEY_VARIABLE, "k" * 40)
    fill(services, 2)
    assert trail.verify(services).ok
    monkeypatch.setenv(audit_keys.KEY_VARIABLE, "z" * 40)
    found = trail.verify(services)
    assert found.broken is not None and found.broken.seq == 1
    monkeypatch.setenv(audit_keys.KEY_VARIABLE, "court")
    with pytest.raises(audit_keys.AuditKeyError):
        fill(services, 1)
