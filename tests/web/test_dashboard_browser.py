"""In Debian's chromium driven by Playwright: a manager opens the dashboard and the charts are
drawn (ECharts's SVG with shapes in it), with no error in the console (the Content-Security-Policy
lets the vendored library run). The server and browser fixtures are those of ``test_browser``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from recouvre.service import accounts

from .conftest import PASSWORD
from .test_browser import ORG, Server, browser, pytestmark, server

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

__all__ = ["browser", "pytestmark", "server"]


def test_the_dashboard_draws_its_charts(server: Server, browser: BrowserContext, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    accounts.add_user(
        server.services, "pilote", PASSWORD, ["manager"], full_name="Pilote", organism=ORG, by="cli:setup"
    )
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(server.url + "/connexion")
    page.get_by_label("Identifiant").fill("pilote")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"**/o/{ORG}/corbeilles")
    page.get_by_role("link", name="Pilotage").click()
    page.wait_for_url(f"**/o/{ORG}/pilotage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilotage du recouvrement")
    for chart in ("graphique-tendance", "graphique-phases", "graphique-pyramide", "graphique-organismes"):
        svg = page.locator(f"#{chart} svg")
        expect(svg).to_have_count(1)
        shapes = svg.locator("path, rect, polyline")
        assert shapes.count() > 5, chart
    assert page.evaluate("typeof echarts") == "object"  # served by the application itself
    assert problems == []
    shot = Path(os.environ.get("RECOUVRE_SCREENSHOT_DIR", str(tmp_path))) / "pilotage.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
