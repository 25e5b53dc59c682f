"""`recouvre titles ...`: draft, basket refused without a valid mandate (exit 3), sign in a batch
under a mandate, serve, show, document."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from recouvre.cli import app
from recouvre.service import Services, accounts, mandates

from .conftest import ORG, PASSWORD


def test_titles_commands(contentious: Services, tmp_path: Path) -> None:
    accounts.add_user(contentious, "tech", PASSWORD, ["case_worker"], organism=ORG, by="t")
    accounts.add_user(contentious, "clerk", PASSWORD, ["accountant"], organism=ORG, by="t")
    accounts.add_user(contentious, "deputy", PASSWORD, ["accountant"], organism=ORG, by="t")
    today = date.today()
    mandates.grant_mandate(
        contentious,
        "deputy",
        "sign_enforcement_titles",
        today,
        today.replace(year=today.year + 1),
        by="dir",
        why="x",
    )
    url = str(contentious.db.engine.url)
    runner = CliRunner()

    def run(user: str, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--db", url, "--as", user, "titles", *args])
        return result.exit_code, result.output

    code, out = run("tech", "queue", "--date", "2026-06-05")
    assert code == 0, out
    assert "Titres à rédiger : 4" in out
    code, out = run("tech", "draft", "C1", "--date", "2026-06-05")
    assert code == 0, out
    assert "contrainte" in out and "projet à signer" in out
    title = out.split("titre n° ")[1].split(" ")[0]
    code, out = run("tech", "draft", "C1", "--date", "2026-06-05")
    assert code == 1 and "déjà une contrainte" in out
    code, out = run("clerk", "basket", "--date", "2026-06-05")
    assert code == 3, out
    code, out = run("clerk", "sign", title, "--date", "2026-06-05")
    assert code == 3, out
    code, out = run("deputy", "sign", title, "--date", "2026-06-05")
    assert code == 0, out
    assert "signé par deputy" in out and "mandat n°" in out
    code, out = run("tech", "act", title, "served", "--date", "2026-06-10", "--via", "bailiff")
    assert code == 0, out
    assert "opposition jusqu'au 25/06/2026" in out
    code, out = run("tech", "act", title, "opposed", "--date", "2026-06-26")
    assert code == 1 and "hors délai" in out
    code, out = run("tech", "show", "C1", "--date", "2026-06-26")
    assert code == 0 and "exécutoire" in out and "signifiée" in out
    target = tmp_path / "contrainte.pdf"
    code, out = run("tech", "document", title, "--output", str(target))
    assert code == 0, out
    assert target.read_bytes().startswith(b"%PDF")
