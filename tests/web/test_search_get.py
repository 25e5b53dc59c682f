"""Search (issue 13): a GET with a bookmarkable address, a total and pages; a NIR only from the
form (never read from an address), with a clear message for a wrong key; CNSS employers by ICE
and affiliation number."""

from __future__ import annotations

from recouvre.domain.model import Debtor, DebtorKind
from recouvre.service.registry import register_debtors

from .conftest import NIRS, ORG, Site

BASE = f"/o/{ORG}"


def test_the_search_is_a_bookmarkable_get(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    posted = site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": "mart"}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == f"{BASE}/recherche?q=mart"
    page = site.client.get(f"{BASE}/recherche?q=mart").text
    assert "Jean Martin" in page and "1 débiteur" in page


def test_pages_of_results(site: Site) -> None:
    register_debtors(
        site.services,
        ORG,
        [
            Debtor(ref=f"P{n:03d}", organism=ORG, kind=DebtorKind.PERSON, name=f"Paul Nombreux {n}")
            for n in range(30)
        ],
    )
    site.sign_in("case_worker")
    first = site.client.get(f"{BASE}/recherche?q=nombreux").text
    assert "30 débiteurs" in first and "page 1 sur 2" in first
    assert "Paul Nombreux 29" not in first
    second = site.client.get(f"{BASE}/recherche?q=nombreux&page=2").text
    assert "page 2 sur 2" in second and "Page précédente" in second


def test_a_nir_is_not_searched_from_an_address(site: Site) -> None:
    site.sign_in("case_worker")
    page = site.client.get(f"{BASE}/recherche?q={NIRS[0]}").text
    assert "Marie Durand" not in page and "ne se cherche pas depuis l&#39;adresse" in page


def test_a_nir_with_a_wrong_key_is_explained(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    wrong = NIRS[0][:13] + ("00" if NIRS[0][13:] != "00" else "01")
    response = site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": wrong})
    assert response.status_code == 422
    assert "la clé (les deux derniers chiffres) ne correspond pas" in response.text


def test_an_employer_by_ice(site: Site) -> None:
    from stdnum.ma import ice

    number = next(
        f"{n:013d}{key:02d}"
        for n in range(1234567, 1234600)
        for key in range(100)
        if ice.is_valid(f"{n:013d}{key:02d}")
    )
    register_debtors(
        site.services,
        ORG,
        [Debtor(ref="E1", organism=ORG, kind=DebtorKind.LEGAL, name="Société Atlas", ice=number)],
    )
    site.sign_in("case_worker")
    page = site.client.get(f"{BASE}/recherche?q={number}").text
    assert "Société Atlas" in page
