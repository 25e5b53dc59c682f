"""End to end, in Debian's chromium driven by Playwright: a debtor opens ``/debiteur/``, asks for
a one-time code by e-mail, types it, and sees his claims (and only his) — with the keyboard.

The server is the real application under uvicorn on 127.0.0.1 (as ``test_browser.py``); the
e-mail transport is in memory, so that the test reads the code the debtor would receive.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import uvicorn
from sqlalchemy import update

from recouvre.adapters.messaging import EMAIL, MemoryTransport
from recouvre.server import create_app
from recouvre.service import Services
from recouvre.storage.tables import DebtorRow
from recouvre.web import mount_web

from .conftest import NOW, SECRET, Clock, populate
from .test_browser import ARGS, CHROMIUM, free_port

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} missing: run scripts/browser.sh")


@pytest.fixture
def server(services: Services) -> Iterator[tuple[str, MemoryTransport]]:
    services.clock = Clock(NOW)
    populate(services)
    with services.db.unit_of_work() as session:
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D1").values(email="marie@example.org"))
    mail = MemoryTransport()
    services.transports = {EMAIL: mail}
    app = create_app(services)
    mount_web(app, secret=SECRET)
    port = free_port()
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
        yield f"http://127.0.0.1:{port}", mail
    finally:
        runner.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[BrowserContext]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS, locale="fr-FR"
        )
        try:
            yield context
        finally:
            context.close()


def test_a_debtor_signs_in_with_a_code_and_sees_his_claims(
    server: tuple[str, MemoryTransport], browser: BrowserContext
) -> None:
    from playwright.sync_api import expect

    url, mail = server
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url + "/debiteur/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accéder à mon dossier")
    page.get_by_label("Votre organisme").select_option("CAF-TEST")
    page.get_by_label("Numéro de dossier").fill("D1")
    page.get_by_label("courriel").check()
    page.get_by_label("Numéro de dossier").press("Enter")  # the keyboard submits the form

    expect(page.get_by_role("heading", level=1)).to_have_text("Saisir le code reçu")
    found = re.search(r"est (\d{6})\.", mail.sent[-1].body)
    assert found is not None and mail.sent[-1].address == "marie@example.org"
    page.get_by_label("Code à 6 chiffres").fill(found.group(1))
    page.get_by_role("button", name="Accéder à mon dossier").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon dossier D1")
    claims = page.locator("#creances table tbody tr")
    expect(claims).to_have_count(2)
    expect(page.locator("#creances")).to_contain_text("C1")
    expect(page.locator("#creances")).not_to_contain_text("C3")
    page.get_by_role("link", name="C1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dette C1")
    expect(page.locator("dl.facts")).to_contain_text("RF")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    assert not problems
