"""Profile editing and the avatar endpoint."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user(
        username="ana", password="pw-ana-123!", email="ana@example.org"
    )


def test_profile_needs_sign_in(client):
    response = client.get("/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_profile_edit_saves_the_h_card_fields(client, ana):
    client.force_login(ana)
    page = client.get("/profile/").content.decode()
    for field in ["display_name", "bio", "avatar_url", "website", "links"]:
        assert f'for="id_{field}"' in page
    response = client.post(
        "/profile/",
        {
            "display_name": "Ana Lima",
            "bio": "I *teach*.",
            "avatar_url": "https://img.example/ana.png",
            "website": "https://ana.example.net/",
            "links": "https://social.example/@ana\n\n https://code.example/ana \nhttps://social.example/@ana",
        },
    )
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.display_name == "Ana Lima" and ana.bio == "I *teach*."
    assert ana.links == ["https://social.example/@ana", "https://code.example/ana"]
    assert ana.avatar_url == "https://img.example/ana.png"


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "not a url", "ftp://files.example/x"])
def test_profile_refuses_links_that_are_not_web_addresses(client, ana, bad):
    client.force_login(ana)
    response = client.post(
        "/profile/", {"display_name": "Ana", "links": f"https://ok.example/\n{bad}"}
    )
    assert response.status_code == 200
    assert "is not a web address" in response.content.decode()
    ana.refresh_from_db()
    assert ana.links == [] and ana.display_name == ""


def test_avatar_is_an_svg_from_the_seed(client, ana):
    from plnet.accounts.avatars import identicon_svg

    response = client.get("/avatar/ana.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.decode() == identicon_svg(ana.avatar_seed, label="ana")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert client.get("/avatar/nobody.svg").status_code == 404


def test_login_page_renders_with_labels(client):
    body = client.get("/login/").content.decode()
    assert 'for="id_username"' in body and 'for="id_password"' in body


def test_sign_in_page_is_named_after_the_site_not_the_host(client, settings):
    """Django's LoginView sets site_name to the request's host (no django.contrib.sites)."""
    settings.SITE_NAME = "Learning in Public"
    settings.ALLOWED_HOSTS = ["plnet.lan"]
    body = client.get("/login/", HTTP_HOST="plnet.lan:8000").content.decode()
    assert "<title>Sign in · Learning in Public</title>" in body
    assert '<p class="site-name"><a href="/">Learning in Public</a></p>' in body
    assert "<p>Learning in Public · powered by plnet" in body  # the footer
    assert "plnet.lan" not in body.split("</head>")[1]
