"""Card payments: the hand-off to a payment provider's hosted page, behind an adapter.

The debtor space never sees a card number: it asks the adapter for the URL of the provider's
page for one claim's payment reference and amount, and sends the browser there. The provider's
confirmation (a notification to the organism's bank account) comes back with the bank
statement, matched by the reference like any credit.

``RECOUVRE_CARD_URL`` names the provider's page (the reference, amount in cents and return URL
are added as query parameters); without it, ``NotConfigured`` hands off to a page of the
application saying that card payment is not open yet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode


@dataclass(frozen=True)
class CardPayment:
    reference: str
    amount_cents: int
    return_url: str


class CardPayments(Protocol):
    def start(self, payment: CardPayment) -> str:
        """The URL of the page where the debtor pays ``payment`` by card."""
        ...


@dataclass(frozen=True)
class HostedPage:
    url: str

    def start(self, payment: CardPayment) -> str:
        query = urlencode(
            {"reference": payment.reference, "montant": payment.amount_cents, "retour": payment.return_url}
        )
        return f"{self.url}?{query}"


@dataclass(frozen=True)
class NotConfigured:
    page: str = "/debiteur/paiement-carte"

    def start(self, payment: CardPayment) -> str:
        return f"{self.page}?{urlencode({'reference': payment.reference})}"


def from_environment() -> CardPayments:
    url = os.environ.get("RECOUVRE_CARD_URL")
    return HostedPage(url) if url else NotConfigured()
