"""Each role's main path in chromium (issue 13), with an axe-core check on every page: no serious
or critical accessibility violation. axe-core is the vendored copy ``vendor/axe.min.js`` (the npm
package ``axe-core`` 4.14.1, MPL-2.0, ``vendor/axe-core.LICENSE.txt``), injected into each page
by Playwright: nothing is fetched at run time.

The server is the real application under uvicorn over a small generated and simulated portfolio
(as ``test_browser.py``), with one user per role and proposals awaiting decisions."""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain.model import Country
from recouvre.server import create_app
from recouvre.service import Services, accounts, commands
from recouvre.service.commands import reads as door_reads
from recouvre.service.simulation import simulate
from recouvre.storage.database import Database
from recouvre.web import mount_web

from .conftest import CHEAP_HASHER, PASSWORD, SECRET, Clock
from .test_browser import ARGS, CHROMIUM, NOW, ORG, Server, free_port

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: run scripts/browser.sh")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ROLES = ("case_worker", "manager", "director", "board_member", "auditor", "administrator", "phone_operator")
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("roles")
    services = Services(Database(f"sqlite:///{folder / 'roles.db'}"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
        load_portfolio(services, PortfolioSpec(ORG, Country.FR, seed=7, as_of=date(2026, 11, 1)), 120)
        simulate(services, ORG, date(2026, 8, 1), 3, seed=7)
        services.clock = Clock(NOW)
        for role in ROLES:
            accounts.add_user(
                services, role.replace("_", "-"), PASSWORD, [role], organism=ORG, by="cli:setup"
            )
        proposer = accounts.actor_of(services, "case-worker")
        claims = [
            task.claim
            for task in door_reads.queue(services, proposer, ORG, NOW.date(), status="open", limit=10).tasks
            if task.claim
        ]
        commands.propose_write_off(
            services,
            proposer,
            ORG,
            claims[0],
            NOW.date(),
            authority="board",
            reasons="insolvable",
            why="essai",
        )
        app = create_app(services)
        mount_web(app, secret=SECRET)
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        runner = uvicorn.Server(config)
        thread = threading.Thread(target=runner.run, name="uvicorn", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not runner.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        try:
            yield Server(f"http://127.0.0.1:{port}", services)
        finally:
            runner.should_exit = True
            thread.join(timeout=10)
            services.db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            locale="fr-FR",
            viewport={"width": 1280, "height": 900},
            bypass_csp=True,  # only to inject the vendored axe-core into the pages under test
        )
        try:
            yield context
        finally:
            context.close()


def check_accessibility(page: Page) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    blocking = [
        {"id": item["id"], "impact": item["impact"], "nodes": [node["target"] for node in item["nodes"][:3]]}
        for item in found["violations"]
        if item.get("impact") in BLOCKING
    ]
    assert not blocking, f"{page.url}: {json.dumps(blocking, ensure_ascii=False)}"


def sign_in(page: Page, url: str, user: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/connexion")
    check_accessibility(page)
    page.get_by_label("Identifiant").fill(user)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    check_accessibility(page)


def test_case_worker_path(server: Server, browser: BrowserContext) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    sign_in(page, server.url, "case-worker")
    page.wait_for_url(f"**/o/{ORG}/corbeilles")
    check_accessibility(page)
    page.locator("#taches tbody tr").first.locator("td").nth(1).locator("a").click()
    expect(page.get_by_text("Dossier du débiteur")).to_be_visible()
    check_accessibility(page)
    for path in ("recherche", "recours", "propositions"):
        visit(page, f"{server.url}/o/{ORG}/{path}")


def test_manager_path(server: Server, browser: BrowserContext) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    sign_in(page, server.url, "manager")
    page.wait_for_url(f"**/o/{ORG}/corbeilles")
    page.get_by_role("link", name="Équipe et courriers").click()
    page.wait_for_url(f"**/o/{ORG}/equipe")
    check_accessibility(page)
    rows = page.locator("#a-attribuer tbody tr")
    if rows.count():
        rows.first.get_by_role("button", name=re.compile("Attribuer")).click()
        expect(page.get_by_role("status")).to_have_text("La tâche est attribuée.")
        check_accessibility(page)
    expect(page.locator("#cycles")).to_contain_text("Résultats du cycle mensuel")
    visit(page, f"{server.url}/o/{ORG}/corbeilles")


def test_director_path(server: Server, browser: BrowserContext) -> None:
    page = browser.new_page()
    sign_in(page, server.url, "director")
    page.wait_for_url(f"**/o/{ORG}/direction")
    check_accessibility(page)
    for url in (f"/o/{ORG}/propositions", f"/o/{ORG}/recours", "/utilisateurs"):
        visit(page, server.url + url)


def test_board_member_path(server: Server, browser: BrowserContext) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    sign_in(page, server.url, "board-member")
    page.wait_for_url(f"**/o/{ORG}/commission")
    check_accessibility(page)
    expect(page.locator("#remises")).to_contain_text("Admission en non-valeur")
    expect(page.get_by_role("link", name=re.compile("Propositions à décider"))).to_contain_text("(1")
    page.get_by_role("searchbox").fill("zzz-aucun")
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#remises")).to_contain_text("Aucune proposition")
    assert "q=zzz-aucun" in page.url  # a bookmarkable search
    check_accessibility(page)
    visit(page, f"{server.url}/o/{ORG}/propositions")


def test_auditor_path(server: Server, browser: BrowserContext) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    sign_in(page, server.url, "auditor")
    page.wait_for_url("**/audit")
    check_accessibility(page)
    page.get_by_label("Issue").select_option("done")
    page.get_by_role("button", name="Filtrer").click()
    assert "issue=done" in page.url
    check_accessibility(page)
    page.get_by_role("button", name="Vérifier l'intégrité de la piste").click()
    expect(page.get_by_role("status")).to_contain_text("La piste est intègre")
    check_accessibility(page)


def test_administrator_path(server: Server, browser: BrowserContext) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    sign_in(page, server.url, "administrator")
    page.wait_for_url("**/utilisateurs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utilisateurs et rôles")
    check_accessibility(page)


def test_phone_operator_path(server: Server, browser: BrowserContext) -> None:
    page = browser.new_page()
    sign_in(page, server.url, "phone-operator")
    page.wait_for_url(f"**/o/{ORG}/corbeilles")
    check_accessibility(page)
