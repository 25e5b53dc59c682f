"""The one-time link: a new user chooses his own password on a page, once."""

from __future__ import annotations

from recouvre.service import accounts, commands

from .conftest import ORG, PASSWORD, Site, csrf_of


def test_a_new_user_sets_his_password_through_the_link_once(site: Site) -> None:
    admin = accounts.actor_of(site.services, "administrator")
    done = commands.add_user(site.services, admin, "nouveau", ["manager"], organism=ORG, why="arrivée")
    assert done.activation is not None
    link = f"/activer/{done.activation.token}"

    site.client.cookies.clear()
    page = site.client.get(link)
    assert page.status_code == 200
    assert "Choisissez votre mot de passe" in page.text
    token = csrf_of(page.text)

    mismatch = site.client.post(link, data={"csrf": token, "mot_de_passe": PASSWORD, "confirmation": "autre"})
    assert mismatch.status_code == 400
    assert "diffèrent" in mismatch.text

    short = site.client.post(link, data={"csrf": token, "mot_de_passe": "court", "confirmation": "court"})
    assert short.status_code == 400

    done_page = site.client.post(
        link, data={"csrf": token, "mot_de_passe": PASSWORD, "confirmation": PASSWORD}
    )
    assert done_page.status_code == 200  # followed to the sign-in page
    assert "Votre compte est activé" in done_page.text

    site.sign_in("nouveau")  # asserts a 200 home page

    site.client.cookies.clear()
    again_page = site.client.get(link)
    again = site.client.post(
        link,
        data={
            "csrf": csrf_of(again_page.text),
            "mot_de_passe": PASSWORD + "x",
            "confirmation": PASSWORD + "x",
        },
    )
    assert again.status_code == 400


def test_the_activation_form_needs_its_csrf_token(site: Site) -> None:
    admin = accounts.actor_of(site.services, "administrator")
    done = commands.add_user(site.services, admin, "sanscsrf", ["manager"], organism=ORG)
    assert done.activation is not None
    site.client.cookies.clear()
    refused = site.client.post(
        f"/activer/{done.activation.token}", data={"mot_de_passe": PASSWORD, "confirmation": PASSWORD}
    )
    assert refused.status_code == 403
