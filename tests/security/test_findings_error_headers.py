"""An error no handler answered still carries the security headers (HSTS, CSP, frame, nosniff,
referrer): Starlette's outermost error middleware would have answered it without them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from recouvre.server import SECURITY_HEADERS, create_app
from recouvre.service import Services
from recouvre.storage.database import Database


def test_an_unhandled_error_is_answered_with_the_security_headers(tmp_path: Path) -> None:
    app = create_app(Services(Database(f"sqlite:///{tmp_path / 'boom.db'}")))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert answer.json() == {"detail": "erreur interne"}
    for name, value in SECURITY_HEADERS:
        assert answer.headers.get(name) == value, name
    assert "unexpected" not in answer.text
