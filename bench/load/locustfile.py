"""Load scenario: case workers at work on the back office and the API (locust).

Each simulated user is one case worker account (``load.cw01`` … ``load.cwNN``, created by
``bench/load/setup_users.py``; user *i* of the run signs in as account *i*). On start it signs in
twice, as a person does in the pages (the sign-in form with its pre-session CSRF token and the
session cookie) and as a client of the API (``POST /api/v1/auth/token``, a bearer token). Then,
again and again, it works one debtor file:

1. opens its queue: the queue page (HTML) or ``GET /api/v1/organisms/{o}/tasks`` (a random page
   of the open tasks), and picks a task;
2. searches the task's debtor by name: the search page (``GET /o/{o}/recherche?q=``) or
   ``POST /api/v1/organisms/{o}/debtors/search``;
3. opens the debtor file: the page and the API's file;
4. opens one claim of the file with a balance: the claim page or the API's claim;
5. records a contact with the debtor: the page's form (``POST /o/{o}/creances/{c}/nouveau-contact``
   with the session's CSRF token) or ``POST /api/v1/…/contacts``;
6. one time in three, records a payment of 1.00 on the claim through the API
   (``POST /api/v1/…/payments`` with an ``Idempotency-Key``); one payment in ten is sent twice
   with the same key, and the second answer must be the first one (nothing booked twice).

Every answer other than the expected status is a failure. Between two steps the worker thinks
``LOAD_WAIT_MIN`` to ``LOAD_WAIT_MAX`` seconds (default 0.5 to 2).

Environment: ``LOAD_ORGANISM`` (``CAF-DEMO``), ``LOAD_PASSWORD`` (setup_users' default),
``LOAD_ON`` (the day of the queues and payments; default today), ``LOAD_USER_OFFSET`` (0: the
first account used is ``load.cw01``), ``LOAD_PAYMENT_SHARE`` (1/3), ``LOAD_REPLAY_SHARE`` (0.1)
and ``LOAD_DISTINCT_ADDRESSES`` (1: against ``http://127.0.0.1``, user *i* connects from
127.0.x.y of its own, as from its own workstation; 0: all from 127.0.0.1, as behind one NAT).

Run (see ``bench/load/README.md``; ``bench/load/run.sh`` starts the server too)::

    .venv/bin/locust -f bench/load/locustfile.py --headless -u 50 -r 5 -t 3m \\
        --host http://127.0.0.1:8000 --csv /tmp/load/run --only-summary
"""

from __future__ import annotations

import itertools
import os
import random
import re
import time
import uuid
from datetime import date
from typing import Any
from urllib.parse import quote

from locust import HttpUser, SequentialTaskSet, between, task
from requests.adapters import HTTPAdapter

DEFAULT_PASSWORD = "un mot de passe de charge, assez long"
PREFIX = "load.cw"
ORGANISM = os.environ.get("LOAD_ORGANISM", "CAF-DEMO")
PASSWORD = os.environ.get("LOAD_PASSWORD") or DEFAULT_PASSWORD
ON = os.environ.get("LOAD_ON") or date.today().isoformat()
WAIT_MIN = float(os.environ.get("LOAD_WAIT_MIN", "0.5"))
WAIT_MAX = float(os.environ.get("LOAD_WAIT_MAX", "2"))
OFFSET = int(os.environ.get("LOAD_USER_OFFSET", "0"))
PAYMENT_SHARE = float(os.environ.get("LOAD_PAYMENT_SHARE", str(1 / 3)))
REPLAY_SHARE = float(os.environ.get("LOAD_REPLAY_SHARE", "0.1"))
SIGN_IN_TRIES = 10

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DEBTOR_LINK = re.compile(r'href="/o/[^/"]+/debiteurs/([^"/?#]+)"')
CLAIM_LINK = re.compile(r'href="/o/[^/"]+/creances/([^"/?#]+)"')
API = "/api/v1"
DISTINCT_ADDRESSES = os.environ.get("LOAD_DISTINCT_ADDRESSES", "1") != "0"
_accounts = itertools.count(1 + OFFSET)


class FromAddress(HTTPAdapter):
    """Connections from a given local address: each case worker at their own workstation."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _org() -> str:
    return quote(ORGANISM, safe="")


def _why(answer: Any) -> str:
    """A failure's reason: the status, or the connection's error (status 0)."""
    return f"statut {answer.status_code}" if answer.status_code else f"statut 0 : {answer.error!r}"[:200]


def _cents(amount: str) -> int:
    units, _, decimals = amount.partition(".")
    return int(units) * 100 + int((decimals + "00")[:2])


class WorkOneFile(SequentialTaskSet):
    """One debtor file worked from the queue to the payment (the steps of the module's docstring)."""

    user: CaseWorker

    def on_start(self) -> None:
        self.debtor: str | None = None
        self.debtor_name = ""
        self.claim: str | None = None

    @task
    def open_queue(self) -> None:
        u = self.user
        if random.random() < 0.5:
            with u.client.get(f"/o/{_org()}/corbeilles", name="page corbeilles", catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(_why(r))
                    return
                debtors = DEBTOR_LINK.findall(r.text)
                u.remember_csrf(r.text)
            if debtors:
                self.debtor = random.choice(debtors)
                self.debtor_name = ""
                return
        page = random.randrange(0, 20)
        with u.client.get(
            f"{API}/organisms/{_org()}/tasks",
            params={"on": ON, "limit": 50, "offset": page * 50},
            headers=u.bearer,
            name="api tasks",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                return
            tasks = r.json()["tasks"]
        if not tasks and page:  # a small queue: its first page
            with u.client.get(
                f"{API}/organisms/{_org()}/tasks",
                params={"on": ON, "limit": 50},
                headers=u.bearer,
                name="api tasks",
                catch_response=True,
            ) as again:
                if again.status_code != 200:
                    again.failure(_why(again))
                    return
                tasks = again.json()["tasks"]
        if tasks:
            chosen = random.choice(tasks)
            self.debtor, self.debtor_name = chosen["debtor"], chosen["debtor_name"]

    @task
    def search(self) -> None:
        if self.debtor is None:
            return
        u = self.user
        words = [word for word in self.debtor_name.split() if len(word) >= 3]
        text = random.choice(words) if words and random.random() < 0.5 else self.debtor
        if random.random() < 0.5:
            with u.client.get(
                f"/o/{_org()}/recherche", params={"q": text}, name="page recherche", catch_response=True
            ) as r:
                if r.status_code != 200:
                    r.failure(_why(r))
        else:
            body = {"name": text, "on": ON, "limit": 50} if text != self.debtor else {"ref": text, "on": ON}
            with u.client.post(
                f"{API}/organisms/{_org()}/debtors/search",
                json=body,
                headers=u.bearer,
                name="api recherche",
                catch_response=True,
            ) as r:
                if r.status_code != 200:
                    r.failure(_why(r))

    @task
    def open_debtor(self) -> None:
        if self.debtor is None:
            return
        u = self.user
        ref = quote(self.debtor, safe="")
        page = f"/o/{_org()}/debiteurs/{ref}"
        with u.client.get(page, name="page dossier débiteur", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                return
            u.remember_csrf(r.text)
            page_claims = CLAIM_LINK.findall(r.text)
        with u.client.get(
            f"{API}/organisms/{_org()}/debtors/{ref}",
            params={"on": ON},
            headers=u.bearer,
            name="api dossier débiteur",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(_why(r))
                return
            claims = [c["ref"] for c in r.json()["claims"] if _cents(c["balance"]) >= 100]
        self.claim = random.choice(claims) if claims else (page_claims[0] if page_claims else None)

    @task
    def open_claim(self) -> None:
        if self.claim is None:
            return
        u = self.user
        ref = quote(self.claim, safe="")
        if random.random() < 0.5:
            with u.client.get(
                f"/o/{_org()}/creances/{ref}", allow_redirects=False, name="page créance", catch_response=True
            ) as r:
                # the claim page sends the browser on to the claim in its debtor file (opened above)
                if r.status_code != 303:
                    r.failure(_why(r))
        else:
            with u.client.get(
                f"{API}/organisms/{_org()}/claims/{ref}",
                params={"on": ON},
                headers=u.bearer,
                name="api créance",
                catch_response=True,
            ) as r:
                if r.status_code != 200:
                    r.failure(_why(r))

    @task
    def record_contact(self) -> None:
        if self.claim is None:
            return
        u = self.user
        ref = quote(self.claim, safe="")
        key = f"load-{uuid.uuid4().hex}"
        if random.random() < 0.5 and u.csrf:
            form = {
                "csrf": u.csrf,
                "canal": "phone",
                "issue": random.choice(["reached", "not_reached"]),
                "date": ON,
                "cle": key,
                "note": "Appel du scénario de charge",
                "debiteur": self.debtor or "",
            }
            with u.client.post(
                f"/o/{_org()}/creances/{ref}/nouveau-contact",
                data=form,
                allow_redirects=False,
                name="page contact (formulaire)",
                catch_response=True,
            ) as r:
                if r.status_code != 303:
                    r.failure(_why(r))
        else:
            body = {"on": ON, "channel": "phone", "outcome": "not_reached", "note": "charge", "key": key}
            with u.client.post(
                f"{API}/organisms/{_org()}/claims/{ref}/contacts",
                json=body,
                headers={**u.bearer, "Idempotency-Key": key},
                name="api contact",
                catch_response=True,
            ) as r:
                if r.status_code != 201:
                    r.failure(_why(r))

    @task
    def record_payment(self) -> None:
        if self.claim is None or random.random() >= PAYMENT_SHARE:
            return
        u = self.user
        ref = quote(self.claim, safe="")
        key = f"load-{uuid.uuid4().hex}"
        body = {"amount": "1.00", "on": ON, "channel": "transfer", "key": key, "why": "scénario de charge"}
        headers = {**u.bearer, "Idempotency-Key": key}
        url = f"{API}/organisms/{_org()}/claims/{ref}/payments"
        with u.client.post(url, json=body, headers=headers, name="api paiement", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"statut {r.status_code}: {r.text[:200]}")
                return
            first = r.json()
        if random.random() < REPLAY_SHARE:
            with u.client.post(
                url, json=body, headers=headers, name="api paiement (rejeu)", catch_response=True
            ) as r:
                if r.status_code != 200 or r.json() != first:
                    r.failure(f"rejeu : statut {r.status_code}, réponse différente de la première")

    @task
    def done(self) -> None:
        self.interrupt(reschedule=False)  # type: ignore[no-untyped-call]


class CaseWorker(HttpUser):
    """A case worker, signed in to the pages and to the API."""

    wait_time = between(WAIT_MIN, WAIT_MAX)
    tasks = [WorkOneFile]  # noqa: RUF012 - locust reads it as a class attribute

    def on_start(self) -> None:
        number = next(_accounts)
        self.username = f"{PREFIX}{number:02d}"
        if DISTINCT_ADDRESSES and (self.host or "").startswith("http://127.0.0.1"):
            # Fifty people at fifty workstations, not behind one address: the sign-in throttle
            # counts attempts in flight per address (docs/operations.md, "Load").
            self.client.mount("http://", FromAddress(f"127.0.{number // 250}.{number % 250 + 2}"))
        self.csrf = ""
        self.bearer: dict[str, Any] = {}
        with self.client.get("/connexion", name="page connexion", catch_response=True) as r:
            found = CSRF.search(r.text)
            if r.status_code != 200 or found is None:
                r.failure(f"statut {r.status_code}, pas de jeton CSRF")
                return
        form = {"identifiant": self.username, "mot_de_passe": PASSWORD, "csrf": found.group(1)}
        self.sign_in("/connexion", "connexion (formulaire)", 303, data=form, allow_redirects=False)
        answer = self.sign_in(
            f"{API}/auth/token", "api connexion", 200, json={"username": self.username, "password": PASSWORD}
        )
        if answer is not None:
            self.bearer = {"Authorization": f"Bearer {answer['access_token']}"}

    def sign_in(self, path: str, name: str, expected: int, **sent: Any) -> Any:
        """Sign in as a client should: a 503 (every password check busy) or a 429 with
        ``Retry-After`` is the server's back-pressure, waited for and tried again (at most
        ``SIGN_IN_TRIES`` times); such answers are counted apart, under ``… (réessai)``."""
        for _ in range(SIGN_IN_TRIES):
            with self.client.post(path, name=name, catch_response=True, **sent) as r:
                if r.status_code == expected:
                    return r.json() if expected == 200 else {}
                if r.status_code not in (429, 503) or "retry-after" not in r.headers:
                    r.failure(_why(r))
                    return None
                r.request_meta["name"] = f"{name} (réessai)"  # counted apart, not a failure
                r.success()
                delay = float(r.headers["retry-after"])
            time.sleep(delay + random.random())
        return None

    def remember_csrf(self, html: str) -> None:
        found = CSRF.search(html)
        if found is not None:
            self.csrf = found.group(1)
