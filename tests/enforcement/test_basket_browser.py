"""End to end in Debian's chromium (Playwright): a mandated agent opens the signature basket,
ticks two drafted contraintes and signs them in a batch; a clerk without a mandate sees no basket.
Skipped without ``/usr/bin/chromium`` (``scripts/browser.sh`` installs it)."""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from recouvre.domain.enforcement import TitleState
from recouvre.server import create_app
from recouvre.service import Services, accounts, commands, enforcement, mandates
from recouvre.web import mount_web

from .conftest import ORG, PASSWORD, person

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: run scripts/browser.sh")
ON = date(2026, 6, 5)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(contentious: Services) -> Iterator[str]:
    worker = person("cw", "case_worker")
    for claim in ("C1", "C3"):
        commands.draft_title(contentious, worker, ORG, claim, ON)
    accounts.add_user(contentious, "deputy", PASSWORD, ["accountant"], organism=ORG, by="t")
    accounts.add_user(contentious, "clerk", PASSWORD, ["accountant"], organism=ORG, by="t")
    mandates.grant_mandate(
        contentious,
        "deputy",
        "sign_enforcement_titles",
        date(2026, 6, 1),
        date(2026, 6, 30),
        by="dir",
        why="x",
    )
    app = create_app(contentious)
    mount_web(app, secret=b"a web secret for the tests only, 32+ bytes")
    port = _free_port()
    runner = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=runner.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runner.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runner.should_exit = True
        thread.join(timeout=10)


def test_sign_two_titles_from_the_basket(server: str, contentious: Services) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    with sync_api.sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            locale="fr-FR",
        )
        try:
            page = context.new_page()
            for user in ("clerk", "deputy"):
                page.goto(server + "/connexion")
                page.get_by_label("Identifiant").fill(user)
                page.get_by_label("Mot de passe").fill(PASSWORD)
                page.get_by_role("button", name="Se connecter").click()
                page.wait_for_load_state()
                page.goto(f"{server}/o/{ORG}/titres")
                if user == "clerk":
                    expect(page.get_by_role("heading", name="Parapheur : titres à signer")).to_have_count(0)
                    page.get_by_role("button", name="Se déconnecter").click()
                    continue
                expect(page.get_by_role("heading", name="Parapheur : titres à signer")).to_be_visible()
                boxes = page.locator("#parapheur input[type=checkbox]")
                expect(boxes).to_have_count(2)
                boxes.nth(0).check()
                boxes.nth(1).check()
                page.get_by_role("button", name="Signer les titres cochés").click()
                expect(page.get_by_role("status")).to_have_text("Les titres cochés sont signés.")
                expect(page.locator("#parapheur")).to_contain_text("Aucun titre n'attend votre signature.")
        finally:
            context.close()
    for claim in ("C1", "C3"):
        assert enforcement.title_state(contentious, ORG, claim, ON) is TitleState.ISSUED
        signed = enforcement.titles_of(contentious, ORG, claim, ON)[-1]
        assert signed.signed_by == "deputy" and signed.mandate_id is not None
