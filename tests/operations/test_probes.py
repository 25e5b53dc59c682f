"""``/health``, ``/ready`` and ``/metrics``: what a load balancer and a Prometheus server read."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from recouvre.server import create_app
from recouvre.service import Services
from recouvre.storage.database import Database
from web.conftest import populate


def test_health_and_ready_on_a_migrated_database(services: Services) -> None:
    with TestClient(create_app(services)) as client:
        assert client.get("/health").json() == {"status": "ok"}
        answer = client.get("/ready")
        assert answer.status_code == 200
        assert answer.json()["status"] == "prêt"


def test_ready_refuses_a_database_whose_migrations_have_not_run(tmp_path: Path) -> None:
    behind = Database(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    behind.migrate("0006")
    with TestClient(create_app(Services(behind))) as client:
        answer = client.get("/ready")
    assert answer.status_code == 503
    assert "0006" in answer.json()["raison"]


def test_metrics_give_latency_by_route_template_and_queue_depth(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECOUVRE_METRICS_TOKEN", raising=False)
    populate(services)
    with TestClient(create_app(services)) as client:
        client.get("/api/v1/organisms/CAF-TEST/claims/C1")  # not signed in: 401, observed all the same
        text = client.get("/metrics").text
    assert 'route="/api/v1/organisms/{organism}/claims/{claim}",status="4xx"' in text
    assert "claims/C1" not in text  # never the concrete path
    assert "recouvre_queue_open_tasks" in text


def test_metrics_need_the_token_when_one_is_set(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOUVRE_METRICS_TOKEN", "s3cret-scraper")
    with TestClient(create_app(services)) as client:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        allowed = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scraper"})
    assert allowed.status_code == 200
    assert "recouvre_http_request_duration_seconds" in allowed.text
