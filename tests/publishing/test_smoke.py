"""Smoke test of the skeleton: a published post is served at its WordPress-style permalink."""

import datetime as dt

import pytest

from plnet.publishing.models import LegacyURL, Post


@pytest.mark.django_db
def test_post_permalink_and_legacy_redirect(client, django_user_model):
    author = django_user_model.objects.create(username="ana")
    when = dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.UTC)
    post = Post.objects.create(
        title="Hello",
        slug="hello",
        body="**hi**",
        status="published",
        published_at=when,
        author=author,
    )
    assert post.get_absolute_url() == "/2024/03/05/hello/"
    response = client.get("/2024/03/05/hello/")
    assert response.status_code == 200
    assert "<strong>hi</strong>" in response.content.decode()
    LegacyURL.objects.create(path="/?p=7", post=post)
    LegacyURL.objects.create(path="/old/hello-world/", post=post)
    assert client.get("/?p=7")["Location"] == "/2024/03/05/hello/"
    assert client.get("/old/hello-world/")["Location"] == "/2024/03/05/hello/"
    assert client.get("/nothing-here/").status_code == 404
