"""Publishing and linkbacks together: publishing a post sends Webmentions to what it links to,
and deleting it answers 410 and tells those targets again (Webmention §3.1.3, §3.1.4)."""

from urllib.parse import parse_qs

import pytest

from plnet.linkbacks.models import OutgoingLinkback
from plnet.publishing import services
from plnet.publishing.models import Post, Tombstone


@pytest.fixture
def cited_page(local_server):
    """A page on loopback that advertises a Webmention endpoint and records what it receives."""
    local_server.routes["/article"] = (
        200,
        {"Content-Type": "text/html", "Link": '</endpoint>; rel="webmention"'},
        b"<html><body><p>An article worth citing.</p></body></html>",
    )
    local_server.routes["/endpoint"] = (202, {"Content-Type": "text/plain"}, b"accepted")
    return local_server


def received(server):
    return [
        parse_qs(body.decode()) for method, path, _, body in server.requests if path == "/endpoint"
    ]


@pytest.mark.django_db
def test_publish_then_delete_sends_webmentions_and_leaves_a_410(
    cited_page, allow_loopback_fetch, settings, django_user_model, client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.SITE_URL = "https://blog.example.org"
    author = django_user_model.objects.create(username="ana")
    article = cited_page.url("/article")
    post = Post(
        title="Citing", slug="citing", body=f"I learnt from [this]({article}).", author=author
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.save_post(post, status="published")
    permalink = settings.SITE_URL + post.get_absolute_url()
    assert received(cited_page) == [{"source": [permalink], "target": [article]}]
    sent = OutgoingLinkback.objects.get(target=article)
    assert (sent.method, sent.status, sent.response_code) == ("webmention", "sent", 202)

    path = post.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(post)
    assert Tombstone.objects.filter(path=path).exists()
    response = client.get(path)
    assert response.status_code == 410
    assert received(cited_page)[-1] == {"source": [permalink], "target": [article]}
    assert len(received(cited_page)) == 2


@pytest.mark.django_db
def test_a_draft_sends_nothing(cited_page, allow_loopback_fetch, django_user_model,
                               django_capture_on_commit_callbacks):  # fmt: skip
    author = django_user_model.objects.create(username="bo")
    post = Post(title="Draft", body=f"[x]({cited_page.url('/article')})", author=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.save_draft(post)
    assert received(cited_page) == []
    assert not OutgoingLinkback.objects.exists()
