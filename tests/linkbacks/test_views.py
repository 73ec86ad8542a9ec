"""Linkback endpoints driven over HTTP with the Django test client, the database checked after:
/webmention (§3.2), /webmention/<id>/, /xmlrpc.php (Pingback), the discovery headers on post
pages, the responses under a post, and the author's page of what was sent."""

from __future__ import annotations

import xmlrpc.client

import pytest

from plnet.conversation.models import Comment
from plnet.linkbacks.models import OutgoingLinkback, ReceivedLinkback

HTML = {"Content-Type": "text/html; charset=utf-8"}


def post_form(client, **data):
    return client.post("/webmention", data, content_type="application/x-www-form-urlencoded")


def _form(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


@pytest.mark.django_db
def test_valid_webmention_gets_201_with_a_status_location(
    client, target, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/webmention",
            _form({"source": "https://bob.example/n/1", "target": target}),
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 201
    row = ReceivedLinkback.objects.get()
    location = response["Location"]
    assert location.startswith(f"http://testserver/webmention/{row.pk}:")
    assert len(callbacks) == 1  # verification queued after commit, not done in the request
    status = client.get(location.removeprefix("http://testserver"))
    assert status.status_code == 200
    assert "Queued for verification" in status.content.decode()
    assert "https://bob.example/n/1" in status.content.decode()
    # ids cannot be walked: an unsigned or forged token is a 404
    assert client.get(f"/webmention/{row.pk}/").status_code == 404
    assert client.get(f"/webmention/{row.pk}:forged/").status_code == 404


@pytest.mark.django_db
def test_status_page_of_a_blocked_source_does_not_show_the_server_setting(
    client, target, monkeypatch, django_capture_on_commit_callbacks, django_user_model
):
    from plnet.core import http

    monkeypatch.setattr(http, "system_resolver", lambda host, port: ["10.1.2.3"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/webmention",
            _form({"source": "http://intranet.example/admin", "target": target}),
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 201
    row = ReceivedLinkback.objects.get()
    assert row.state == "failed"
    page = client.get(response["Location"].removeprefix("http://testserver")).content.decode()
    assert "Source could not be fetched" in page
    assert "<dd>The source is at an address this site does not fetch from.</dd>" in page
    for secret in ("PLNET_FETCH_ALLOWED_NETWORKS", "10.1.2.3", "private or local"):
        assert secret not in page
    # the owner's log of received linkbacks says which host, which address, which setting
    owner = django_user_model.objects.create_superuser("own", "own@example.org", "pw")
    client.force_login(owner)
    log = client.get("/admin/linkbacks/receivedlinkback/").content.decode()
    assert "intranet.example resolves to 10.1.2.3" in log
    assert "PLNET_FETCH_ALLOWED_NETWORKS" in log


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"source": "jwoijgoisdjlskjegisvjowuehjtkx", "target": "TARGET"},
        {"source": "https://bob.example/", "target": "owiejduvyeiwljjjcjmvbpsouehgd"},
        {"source": "sjuhvhwieuhtiwudcjvhuh", "target": "sjuhvhwieuhtiwudcjvhuh"},
        {"target": "TARGET"},
        {"source": "TARGET", "target": "TARGET"},
        {"source": "https://bob.example/", "target": "https://elsewhere.example/post/"},
    ],
)
def test_invalid_webmentions_get_400_with_a_reason(client, target, data):
    data = {k: v.replace("TARGET", target) for k, v in data.items()}
    response = client.post(
        "/webmention", _form(data), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    error, _, reason = response.content.decode().partition("\n\n")
    assert error in {"invalid_source", "invalid_target", "missing_source", "invalid_request"}
    assert reason.strip()
    assert ReceivedLinkback.objects.count() == 0


@pytest.mark.django_db
def test_json_body_is_refused(client, target):
    response = client.post(
        "/webmention",
        {"source": "https://b.example/", "target": target},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.content.decode().startswith("invalid_content_type")


@pytest.mark.django_db
def test_rate_limited_webmention_gets_429(client, target, settings):
    import dataclasses

    settings.PLNET = dataclasses.replace(settings.PLNET, linkback_host_limit=1)
    form = "application/x-www-form-urlencoded"
    assert (
        client.post(
            "/webmention",
            _form({"source": "https://f.example/1", "target": target}),
            content_type=form,
        ).status_code
        == 201
    )
    response = client.post(
        "/webmention", _form({"source": "https://f.example/2", "target": target}), content_type=form
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"


@pytest.mark.django_db
def test_get_shows_a_labelled_form(client):
    body = client.get("/webmention").content.decode()
    assert '<label for="wm-source">' in body and 'id="wm-source"' in body
    assert '<label for="wm-target">' in body


def test_end_to_end_reply_shown_after_approval(
    client, post, target, local_server, allow_loopback_fetch, django_capture_on_commit_callbacks
):
    local_server.routes["/like"] = (
        200,
        HTML,
        f"""<div class="h-entry"><div class="p-author h-card"><a class="u-url p-name" href="/">Dee &amp; Co</a>
        <img class="u-photo" src="/dee.png" alt=""></div><a class="u-like-of" href="{target}">liked</a></div>""".encode(),
    )
    local_server.routes["/mention"] = (
        200,
        HTML,
        f"""<html><head><title>A mention</title></head><body><div class="h-entry"><span class="p-author h-card">Eve</span>
        <div class="e-content">I wrote about <a href="{target}">this</a> <img src=x onerror=alert(1)></div></div></body></html>""".encode(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        for path in ["/like", "/mention"]:
            client.post(
                "/webmention",
                _form({"source": local_server.url(path), "target": target}),
                content_type="application/x-www-form-urlencoded",
            )
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Responses" not in page  # pending: nothing shown yet
    Comment.objects.update(state="approved")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "1 like" in page
    assert f'<img class="u-photo" src="{local_server.url("/dee.png")}" alt="Dee &amp; Co"' in page
    assert f'href="{local_server.url("/")}"' in page
    assert "Mentions" in page and ">Eve</a>" in page
    assert "onerror" not in page


# ------------------------------------------------------------------------ discovery headers ---


@pytest.mark.django_db
def test_post_pages_advertise_both_endpoints(client, post):
    response = client.get(post.get_absolute_url())
    assert response["Link"] == '<http://testserver/webmention>; rel="webmention"'
    assert response["X-Pingback"] == "http://testserver/xmlrpc.php"
    home = client.get("/")
    assert "Link" not in home and "X-Pingback" not in home


def test_discovery_links_tag_puts_rel_before_href(rf):
    from django.template import Context, Template

    html = Template("{% load linkbacks %}{% linkback_discovery_links %}").render(
        Context({"request": rf.get("/")})
    )
    assert (
        html
        == '<link rel="webmention" href="http://testserver/webmention">\n<link rel="pingback" href="http://testserver/xmlrpc.php">'
    )


# ------------------------------------------------------------------------------ /xmlrpc.php ---


def xmlrpc_post(client, body: bytes):
    return client.post("/xmlrpc.php", body, content_type="text/xml")


@pytest.mark.django_db
def test_xmlrpc_list_methods_and_get_only_post(client):
    response = xmlrpc_post(client, xmlrpc.client.dumps((), "system.listMethods").encode())
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert xmlrpc.client.loads(response.content)[0][0] == [
        "pingback.ping",
        "pingback.extensions.getPingbacks",
        "system.listMethods",
    ]
    assert client.get("/xmlrpc.php").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><methodCall><methodName>&a;</methodName></methodCall>',
            -32700,
        ),
        (b"not xml", -32700),
        (xmlrpc.client.dumps((), "wp.getUsersBlogs").encode(), -32601),
        (xmlrpc.client.dumps(("only-one",), "pingback.ping").encode(), -32602),
        (xmlrpc.client.dumps(("toto", "titi"), "pingback.ping").encode(), 0),
    ],
    ids=["entity", "garbage", "unknown-method", "wrong-params", "fault-0"],
)
def test_xmlrpc_faults(client, body, code):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(xmlrpc_post(client, body).content)
    assert caught.value.faultCode == code


def test_pingback_over_http_lands_in_the_moderation_queue(
    client, post, target, local_server, allow_loopback_fetch
):
    local_server.routes["/wp/2024/hello/"] = (
        200,
        HTML,
        f'<html><head><title>Hello from WordPress</title></head><body><p>See <a href="{target}">here</a>.</p></body></html>'.encode(),
    )
    source = local_server.url("/wp/2024/hello/")
    response = xmlrpc_post(client, xmlrpc.client.dumps((source, target), "pingback.ping").encode())
    assert (
        xmlrpc.client.loads(response.content)[0][0]
        == f"Pingback from {source} to {target} registered."
    )
    comment = Comment.objects.pending().get()
    assert (comment.comment_type, comment.author_name, comment.author_url) == (
        "pingback",
        "Hello from WordPress",
        source,
    )
    assert comment.author_ip == "127.0.0.1"
    again = xmlrpc_post(client, xmlrpc.client.dumps((source, target), "pingback.ping").encode())
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(again.content)
    assert caught.value.faultCode == 48
    Comment.objects.update(state="approved")
    page = client.get(post.get_absolute_url()).content.decode()
    assert (
        f'<a class="u-url p-name" href="{source}" rel="nofollow ugc">Hello from WordPress</a>'
        in page
    )
    assert "[…] See here. […]" in page


@pytest.mark.django_db
def test_oversized_xmlrpc_body_is_refused_unread(client):
    body = b"<methodCall>" + b" " * 200_000 + b"</methodCall>"
    with pytest.raises(xmlrpc.client.Fault) as caught:
        xmlrpc.client.loads(xmlrpc_post(client, body).content)
    assert caught.value.faultCode == -32700


# ---------------------------------------------------------------------------- /linkbacks/sent/ ---


@pytest.mark.django_db
def test_sent_page_lists_the_authors_rows(client, post, django_user_model):
    OutgoingLinkback.objects.create(
        post=post,
        source="http://127.0.0.1:8000/p/",
        target="https://bob.example/n/1",
        method="webmention",
        endpoint="https://bob.example/wm",
        status="sent",
        response_code=202,
        response_body="Accepted",
        attempts=1,
    )
    OutgoingLinkback.objects.create(
        source="http://127.0.0.1:8000/gone/", target="javascript:alert(1)", status="failed"
    )
    assert client.get("/linkbacks/sent/").status_code == 302  # sign in first
    client.force_login(post.author)
    page = client.get("/linkbacks/sent/").content.decode()
    assert "https://bob.example/n/1" in page and "<code>202</code> Accepted" in page
    assert "javascript" not in page  # another post's row: not this author's
    staff = django_user_model.objects.create(username="root", is_staff=True)
    client.force_login(staff)
    page = client.get("/linkbacks/sent/").content.decode()
    assert "<td>javascript:alert(1)</td>" in page  # shown as text, never as a link
    assert 'href="javascript' not in page
    assert "(deleted)" in page


@pytest.mark.django_db
def test_sent_page_says_no_endpoint_rather_than_none(client, post):
    OutgoingLinkback.objects.create(
        post=post,
        source="http://127.0.0.1:8000/p/",
        target="https://quiet.example/page",
        method="",
        status="no_endpoint",
        response_code=200,
        response_body="No Webmention or Pingback endpoint.",
        attempts=1,
    )
    OutgoingLinkback.objects.create(
        post=post, source="http://127.0.0.1:8000/p/", target="https://later.example/", method=""
    )
    client.force_login(post.author)
    page = client.get("/linkbacks/sent/").content.decode()
    assert "<td>no endpoint</td>" in page
    assert "<td>not found yet</td>" in page  # queued: discovery has not run
    assert "None" not in page


@pytest.mark.django_db
def test_the_owner_can_send_a_failed_row_again_and_others_cannot(
    client, post, django_user_model, django_capture_on_commit_callbacks, monkeypatch
):
    from plnet.linkbacks import tasks

    queued = []

    class QueueRecorder:
        def enqueue(self, pk):
            queued.append(pk)

    monkeypatch.setattr(tasks, "send_linkback_task", QueueRecorder())
    reason = "refused: private address (PLNET_FETCH_ALLOWED_NETWORKS): intranet.example …"
    failed = OutgoingLinkback.objects.create(
        post=post, source="http://127.0.0.1:8000/p/", target="http://intranet.example/",
        status="failed", response_body=reason, attempts=1,
    )  # fmt: skip
    sent = OutgoingLinkback.objects.create(
        post=post, source="http://127.0.0.1:8000/p/", target="https://bob.example/",
        method="webmention", status="sent", attempts=1,
    )  # fmt: skip
    client.force_login(post.author)
    page = client.get("/linkbacks/sent/").content.decode()
    assert f'action="/linkbacks/sent/{failed.pk}/retry/"' in page
    assert f'action="/linkbacks/sent/{sent.pk}/retry/"' not in page
    assert reason in page
    assert client.get(f"/linkbacks/sent/{failed.pk}/retry/").status_code == 405

    stranger = django_user_model.objects.create(username="eve")
    client.force_login(stranger)
    assert client.post(f"/linkbacks/sent/{failed.pk}/retry/").status_code == 404
    client.force_login(post.author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/linkbacks/sent/{failed.pk}/retry/", follow=True)
    assert "The send to http://intranet.example/ is queued again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, queued) == ("queued", 0, [failed.pk])
    response = client.post(f"/linkbacks/sent/{sent.pk}/retry/", follow=True)
    assert "is not finished unsuccessfully" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == "sent" and queued == [failed.pk]
