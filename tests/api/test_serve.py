"""`recouvre serve` builds the app on the CLI's database and hands it to uvicorn."""

from __future__ import annotations

from typing import Any

import pytest
import typer
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

from recouvre.cli import serve as serve_cli
from recouvre.cli.common import CliState
from recouvre.service import Services


def test_serve(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def run(app: FastAPI, **options: Any) -> None:
        seen.update(app=app, **options)

    monkeypatch.setattr(uvicorn, "run", run)
    app = typer.Typer()
    app.command("serve")(serve_cli.serve)
    app.command("other")(lambda: None)
    state = CliState(db_url=None, policy_dir=None, _services=services)
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8123"], obj=state)
    assert result.exit_code == 0, result.output
    assert seen["host"] == "0.0.0.0" and seen["port"] == 8123
    assert isinstance(seen["app"], FastAPI) and seen["app"].state.services is services
    assert "/api/v1" in result.output
