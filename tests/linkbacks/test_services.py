"""plnet.linkbacks.services: receiving and verifying Webmentions, pingbacks, rate limits, the SSRF
guard as linkbacks meet it, and sending with discovery, fallback, retries and the send log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json
import socket
import xmlrpc.client

import pytest
from django.core import mail
from django.utils import timezone

from plnet.conversation.models import Comment
from plnet.core import http
from plnet.linkbacks import services
from plnet.linkbacks.models import InboundHit, OutgoingLinkback, ReceivedLinkback, SourceFetch
from plnet.protocols.pingback import PingbackFault
from tests.conftest import CORPUS

HTML = {"Content-Type": "text/html; charset=utf-8"}
ROCKS = json.loads((CORPUS / "webmention" / "update-delete-receiver-tests.json").read_text())


def h_entry(target: str, prop: str = "u-in-reply-to", content: str = "Good point!") -> bytes:
    return f"""<!doctype html><html><head><title>Bob's note</title></head><body>
    <article class="h-entry">
      <div class="p-author h-card"><img class="u-photo" src="/bob.png" alt="">
        <a class="p-name u-url" href="/">Bob</a></div>
      <a class="{prop}" href="{target}">in reply to</a>
      <div class="e-content"><p>{content}</p><script>alert(1)</script></div>
    </article></body></html>""".encode()


def receive(source: str, target: str, **kw):
    return services.receive_webmention(source, target, request_host="testserver", **kw)


def age_fetches(seconds: int = 61) -> None:
    """Pretend every recorded source fetch happened `seconds` ago."""
    SourceFetch.objects.update(fetched_at=timezone.now() - dt.timedelta(seconds=seconds))


# ----------------------------------------------------------------- receiving: §3.2.1 checks ---


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("https://elsewhere.example/2024/03/05/learning-in-public/", "invalid_target"),
        ("http://127.0.0.1:8000/2024/03/05/no-such-post/", "invalid_target"),
        ("http://127.0.0.1:8000/", "target_not_supported"),
    ],
)
def test_target_must_be_a_post_of_ours(post, target, error):
    with pytest.raises(services.LinkbackRefused) as caught:
        receive("https://bob.example/notes/1", target)
    assert (caught.value.error, caught.value.status) == (error, 400)
    assert ReceivedLinkback.objects.count() == 0


@pytest.mark.django_db
def test_draft_posts_and_closed_pings_are_not_targets(post, target):
    post.ping_status = "closed"
    post.save()
    with pytest.raises(services.LinkbackRefused) as caught:
        receive("https://bob.example/notes/1", target)
    assert caught.value.error == "target_not_supported"
    post.ping_status, post.status = "open", "draft"
    post.save()
    with pytest.raises(services.LinkbackRefused) as caught:
        receive("https://bob.example/notes/1", target)
    assert caught.value.error == "invalid_target"


@pytest.mark.django_db
def test_request_host_counts_as_ours(post):
    row = services.receive_webmention(
        "https://bob.example/n",
        f"http://blog.test:8000{post.get_absolute_url()}",
        request_host="blog.test:8000",
    )
    assert row.post == post and row.state == "queued"


@pytest.mark.django_db
def test_non_ascii_slug_arrives_percent_encoded(post):
    post.slug = "été-apprenant"
    post.save()
    target = f"http://127.0.0.1:8000{post.get_absolute_url()}"
    assert "%C3%A9t%C3%A9" in target  # what a sender copies from the address bar
    assert receive("https://bob.example/n", target).post == post
    assert services.post_for_target(target.replace("%C3%A9", "é")) == post


@pytest.mark.django_db
def test_overlong_urls_are_refused(target):
    with pytest.raises(services.LinkbackRefused) as caught:
        receive("https://bob.example/" + "a" * 1000, target)
    assert caught.value.error == "invalid_request"
    with pytest.raises(PingbackFault) as fault:
        services.receive_pingback("https://bob.example/" + "a" * 1000, target)
    assert fault.value.code == 0


# ----------------------------------------------------------- receiving: §3.2.2 verification ---


@pytest.mark.parametrize(
    ("prop", "kind"),
    [
        ("u-in-reply-to", "reply"),
        ("u-like-of", "like"),
        ("u-repost-of", "repost"),
        ("u-bookmark-of", "bookmark"),
        ("u-url", "mention"),
    ],
)
def test_each_post_type_becomes_a_comment(
    prop, kind, post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/note"] = (200, HTML, h_entry(target, prop))
    row = run_on_commit(receive, local_server.url("/note"), target, remote_ip="127.0.0.9")
    row.refresh_from_db()
    assert (row.state, row.reason) == ("verified", f"Verified: a {kind}.")
    comment = row.comment
    assert comment.comment_type == kind
    assert comment.state == "pending"  # through place_incoming: held for moderation
    assert comment.spam_layer == "moderation"
    assert comment.author_name == "Bob"
    assert comment.author_url == local_server.url("/")
    assert comment.author_photo == local_server.url("/bob.png")
    assert comment.source_url == local_server.url("/note")
    assert comment.author_ip == "127.0.0.9"
    assert "<script>" not in comment.content and "alert" not in comment.content
    assert "<p>Good point!</p>" in comment.content
    assert [r[1] for r in local_server.requests] == ["/note"]
    assert local_server.requests[0][2]["Accept"].startswith("text/html")


def test_webmention_rocks_receiver_source_is_stored_as_a_reply(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    html = ROCKS["receiver"][0]["source_post_html"].replace("{YOUR_POST_URL}", target)
    local_server.routes["/receive/1/abc"] = (200, HTML, html.encode())
    row = run_on_commit(receive, local_server.url("/receive/1/abc"), target)
    row.refresh_from_db()
    assert row.comment.comment_type == "reply"
    assert row.comment.author_photo == local_server.url("/assets/webmention-rocks-icon.png")
    assert "accept a Webmention request" in row.comment.content


def test_reply_to_a_comment_permalink_is_threaded(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    first = Comment.objects.create(post=post, author_name="Cy", content="Hi", state="approved")
    local_server.routes["/r"] = (200, HTML, h_entry(f"{target}#comment-{first.pk}"))
    row = run_on_commit(receive, local_server.url("/r"), target)
    row.refresh_from_db()
    assert row.comment.parent == first


def test_source_without_link_is_refused(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/x"] = (200, HTML, b"<p>no link here</p>")
    row = run_on_commit(receive, local_server.url("/x"), target)
    row.refresh_from_db()
    assert (row.state, row.reason) == ("refused", "The source does not link to the target.")
    assert Comment.objects.count() == 0


def test_update_changes_the_stored_comment(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/n"] = (200, HTML, h_entry(target, content="First version"))
    row = run_on_commit(receive, local_server.url("/n"), target)
    comment_id = ReceivedLinkback.objects.get().comment_id
    age_fetches()
    local_server.routes["/n"] = (200, HTML, h_entry(target, "u-like-of", content="Second version"))
    run_on_commit(receive, local_server.url("/n"), target)
    row.refresh_from_db()
    assert row.state == "verified" and row.comment_id == comment_id
    assert Comment.objects.count() == 1
    comment = Comment.objects.get()
    assert comment.comment_type == "like"
    assert "Second version" in comment.content and "First" not in comment.content


def _approved_response(post, target, local_server, run_on_commit, content="First version"):
    """A Webmention received, held as a first comment, then approved by the owner."""
    from plnet.conversation.services import moderate

    local_server.routes["/n"] = (200, HTML, h_entry(target, content=content))
    run_on_commit(receive, local_server.url("/n"), target)
    comment = Comment.objects.get()
    assert comment.state == "pending"
    moderate(comment, "approve", by=post.author)
    age_fetches()
    return comment


def test_update_with_new_words_is_moderated_again(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    """Regression: an approved response whose source was edited into spam stayed published."""
    from plnet.conversation.models import CommentSettings

    rules = CommentSettings.load()
    rules.disallowed_words = "cheap pills"
    rules.save()
    comment = _approved_response(post, target, local_server, run_on_commit)
    local_server.routes["/n"] = (200, HTML, h_entry(target, content="Buy cheap pills now"))
    run_on_commit(receive, local_server.url("/n"), target)
    comment.refresh_from_db()
    assert "cheap pills" in comment.content
    assert (comment.state, comment.spam_layer) == ("spam", "rules")
    assert comment.spam_reason == "updated: contains the disallowed word 'cheap pills'"
    # spam stays spam, even when the source is edited back to harmless words
    age_fetches()
    local_server.routes["/n"] = (200, HTML, h_entry(target, content="Sorry, just a thought"))
    run_on_commit(receive, local_server.url("/n"), target)
    comment.refresh_from_db()
    assert "just a thought" in comment.content
    assert comment.state == "spam"


def test_update_with_many_links_is_held_and_unchanged_words_keep_the_state(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    comment = _approved_response(post, target, local_server, run_on_commit)
    # same words, another kind of response: nothing the spam layers read changed
    local_server.routes["/n"] = (200, HTML, h_entry(target, "u-like-of", content="First version"))
    run_on_commit(receive, local_server.url("/n"), target)
    comment.refresh_from_db()
    assert (comment.comment_type, comment.state) == ("like", "approved")
    age_fetches()
    links = "see https://a.example/x and https://b.example/y"
    local_server.routes["/n"] = (200, HTML, h_entry(target, content=links))
    run_on_commit(receive, local_server.url("/n"), target)
    comment.refresh_from_db()
    assert (comment.state, comment.spam_layer) == ("pending", "rules")
    assert comment.spam_reason == "updated: 2 links (limit 2)"


@pytest.mark.parametrize(
    "gone",
    [
        (410, HTML, b"gone"),
        (200, HTML, b'<html><head><meta http-equiv="Status" content="410 Gone"></head></html>'),
        (200, HTML, b"<p>The link was removed.</p>"),
    ],
    ids=["http-410", "meta-410", "link-removed"],
)
def test_delete_removes_the_comment(
    gone, post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/n"] = (200, HTML, h_entry(target))
    row = run_on_commit(receive, local_server.url("/n"), target)
    assert Comment.objects.count() == 1
    age_fetches()
    local_server.routes["/n"] = gone
    run_on_commit(receive, local_server.url("/n"), target)
    row.refresh_from_db()
    assert row.state == "deleted"
    assert row.comment is None
    assert Comment.objects.count() == 0


def test_source_error_keeps_what_was_stored(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/n"] = (200, HTML, h_entry(target))
    row = run_on_commit(receive, local_server.url("/n"), target)
    age_fetches()
    local_server.routes["/n"] = (503, HTML, b"down")
    run_on_commit(receive, local_server.url("/n"), target)
    row.refresh_from_db()
    assert (row.state, row.reason) == ("failed", "The source answered HTTP 503.")
    assert Comment.objects.count() == 1


# ------------------------------------------------- once a minute per source, rate per host ---


def test_one_source_naming_two_posts_is_fetched_at_most_once_a_minute(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    other = type(post).objects.create(
        title="Two", slug="two", status="published", published_at=post.published_at
    )
    other_target = target.replace("learning-in-public", "two")
    body = h_entry(target, content=f'Also <a href="{other_target}">this</a>.')
    local_server.routes["/both"] = (200, HTML, body)
    first = run_on_commit(receive, local_server.url("/both"), target)
    second = run_on_commit(receive, local_server.url("/both"), other_target)
    first.refresh_from_db()
    second.refresh_from_db()
    # the second arrived after the first fetch: it waits for the minute to pass
    assert (first.state, second.state) == ("verified", "queued")
    assert [r[1] for r in local_server.requests] == ["/both"]
    assert services.enqueue_due() == (0, 0)  # not due yet
    age_fetches()
    ReceivedLinkback.objects.filter(pk=second.pk).update(next_check_at=timezone.now())
    assert services.enqueue_due() == (1, 0)
    second.refresh_from_db()
    assert second.state == "verified" and second.comment.post == other
    assert [r[1] for r in local_server.requests] == ["/both", "/both"]


def test_webmentions_received_before_a_fetch_share_it(
    post, target, local_server, allow_loopback_fetch
):
    type(post).objects.create(
        title="Two", slug="two", status="published", published_at=post.published_at
    )
    other_target = target.replace("learning-in-public", "two")
    body = h_entry(target, content=f'Also <a href="{other_target}">this</a>.')
    local_server.routes["/both"] = (200, HTML, body)
    first = receive(local_server.url("/both"), target)  # tasks not run yet (no commit)
    second = receive(local_server.url("/both"), other_target)
    services.verify_webmention(first.pk)
    services.verify_webmention(second.pk)
    assert set(ReceivedLinkback.objects.values_list("state", flat=True)) == {"verified"}
    assert [r[1] for r in local_server.requests] == ["/both"]


def test_repeat_within_a_minute_is_postponed_not_fetched(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/n"] = (200, HTML, h_entry(target))
    run_on_commit(receive, local_server.url("/n"), target)
    row = run_on_commit(receive, local_server.url("/n"), target)
    row.refresh_from_db()
    fetched = SourceFetch.objects.get().fetched_at
    assert row.state == "queued"
    assert row.next_check_at == fetched + services.REFETCH_AFTER
    assert len(local_server.requests) == 1
    # a minute later the tick finds it due and verifies it with a second fetch
    age_fetches()
    ReceivedLinkback.objects.update(next_check_at=timezone.now())
    assert services.enqueue_due() == (1, 0)
    row.refresh_from_db()
    assert row.state == "verified"
    assert len(local_server.requests) == 2


@pytest.mark.django_db
def test_rate_limit_per_source_host(post, target, settings):
    import dataclasses

    settings.PLNET = dataclasses.replace(settings.PLNET, linkback_host_limit=3)
    for n in range(3):
        receive(f"https://flood.example/{n}", target)
    with pytest.raises(services.LinkbackRefused) as caught:
        receive("https://flood.example/3", target)
    assert (caught.value.status, caught.value.error, caught.value.fault) == (
        429,
        "rate_limited",
        49,
    )
    assert ReceivedLinkback.objects.count() == 3
    receive("https://other.example/1", target)  # other hosts are not affected
    InboundHit.objects.update(at=timezone.now() - dt.timedelta(hours=1, seconds=1))
    receive("https://flood.example/4", target)  # an hour later the host may send again


# ------------------------------------------------------------------ SSRF, as linkbacks meet it ---


@pytest.fixture
def no_connect(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_source_name_resolving_to_loopback_is_refused_before_connecting(
    post, target, monkeypatch, no_connect, run_on_commit
):
    monkeypatch.setattr(http, "system_resolver", lambda host, port: ["127.0.0.1"])
    row = run_on_commit(receive, "http://sneaky.example/post", target)
    row.refresh_from_db()
    assert row.state == "failed"
    assert "sneaky.example resolves to 127.0.0.1, a private or local address" in row.reason


def test_source_redirecting_to_a_private_address_is_refused(
    post, target, local_server, allow_loopback_fetch, monkeypatch, run_on_commit
):
    names = {"127.0.0.1": ["127.0.0.1"], "intranet.example": ["10.1.2.3"]}
    monkeypatch.setattr(http, "system_resolver", lambda host, port: names[host])
    local_server.routes["/hop"] = (302, {"Location": "http://intranet.example/admin"}, b"")
    row = run_on_commit(receive, local_server.url("/hop"), target)
    row.refresh_from_db()
    assert row.state == "failed"
    assert "intranet.example resolves to 10.1.2.3" in row.reason
    assert [r[1] for r in local_server.requests] == ["/hop"]


# --------------------------------------------------------------------------------- pingback ---


def wp_page(target: str, title: str = "A WordPress post") -> bytes:
    return f"""<html><head><title>{title}</title></head><body>
    <p>Before the link, quite some words. I read <a href="{target}">this post</a> with interest.</p>
    </body></html>""".encode()


def ping(source, target, **kw):
    return services.receive_pingback(source, target, request_host="testserver", **kw)


def test_pingback_registered_as_wordpress_shows_it(
    post, target, local_server, allow_loopback_fetch
):
    local_server.routes["/wp/"] = (200, HTML, wp_page(target))
    message = ping(local_server.url("/wp/"), target, remote_ip="127.0.0.5")
    assert message == f"Pingback from {local_server.url('/wp/')} to {target} registered."
    comment = Comment.objects.get()
    assert comment.comment_type == "pingback"
    assert comment.author_name == "A WordPress post"
    assert comment.author_url == local_server.url("/wp/")
    assert comment.state == "pending"
    assert comment.content == (
        "<p>[…] Before the link, quite some words. I read this post with interest. […]</p>"
    )
    row = ReceivedLinkback.objects.get()
    assert (row.protocol, row.state, row.comment) == ("pingback", "verified", comment)


@pytest.mark.parametrize(
    ("source", "target_url", "code"),
    [
        ("toto", "titi", 0),
        (
            "http://127.0.0.1:8000/2024/03/05/learning-in-public/",
            "http://127.0.0.1:8000/2024/03/05/learning-in-public/",
            0,
        ),
        ("https://s.example/", "https://elsewhere.example/2024/03/05/learning-in-public/", 32),
        ("https://s.example/", "http://127.0.0.1:8000/2010/01/01/error-404/", 32),
        ("https://s.example/", "http://127.0.0.1:8000/", 33),
        ("https://s.example/", "http://127.0.0.1:8000/category/x/", 33),
    ],
)
@pytest.mark.django_db
def test_pingback_faults_decided_before_fetching(post, source, target_url, code, no_connect):
    with pytest.raises(PingbackFault) as caught:
        ping(source, target_url)
    assert caught.value.code == code


def test_pingback_fault_16_when_source_missing(post, target, local_server, allow_loopback_fetch):
    with pytest.raises(PingbackFault) as caught:
        ping(local_server.url("/missing"), target)
    assert (caught.value.code, caught.value.message) == (
        16,
        "The source URL does not exist (HTTP 404).",
    )


def test_pingback_fault_17_when_no_link(post, target, local_server, allow_loopback_fetch):
    local_server.routes["/wp/"] = (200, HTML, wp_page("https://someone.else/"))
    with pytest.raises(PingbackFault) as caught:
        ping(local_server.url("/wp/"), target)
    assert caught.value.code == 17
    assert Comment.objects.count() == 0


def test_pingback_fault_33_when_pings_closed(post, target):
    post.ping_status = "closed"
    post.save()
    with pytest.raises(PingbackFault) as caught:
        ping("https://s.example/", target)
    assert caught.value.code == 33


def test_pingback_fault_48_when_already_registered(
    post, target, local_server, allow_loopback_fetch
):
    local_server.routes["/wp/"] = (200, HTML, wp_page(target))
    ping(local_server.url("/wp/"), target)
    with pytest.raises(PingbackFault) as caught:
        ping(local_server.url("/wp/"), target)
    assert caught.value.code == 48
    assert len(local_server.requests) == 1


def test_pingback_for_an_existing_webmention_is_fault_48_and_changes_nothing(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/n"] = (200, HTML, h_entry(target))
    row = run_on_commit(receive, local_server.url("/n"), target)
    row.refresh_from_db()
    Comment.objects.filter(pk=row.comment_id).update(state="approved")
    age_fetches()
    with pytest.raises(PingbackFault) as caught:
        ping(local_server.url("/n"), target)
    assert (caught.value.code, caught.value.message) == (
        48,
        "The pingback has already been registered.",
    )
    assert list(Comment.objects.values_list("pk", "state", "comment_type")) == [
        (row.comment_id, "approved", "reply")
    ]
    assert ReceivedLinkback.objects.count() == 1
    assert [r[1] for r in local_server.requests] == ["/n"]  # refused before fetching


def test_webmention_for_an_existing_pingback_upgrades_that_response(
    post, target, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/n"] = (200, HTML, h_entry(target, content="Upgraded words"))
    ping(local_server.url("/n"), target)
    pingback = ReceivedLinkback.objects.get(protocol="pingback")
    comment_id = pingback.comment_id
    Comment.objects.filter(pk=comment_id).update(state="approved")
    age_fetches()
    row = run_on_commit(receive, local_server.url("/n"), target)
    row.refresh_from_db()
    pingback.refresh_from_db()
    assert (row.state, row.comment_id, pingback.comment_id) == ("verified", comment_id, None)
    assert Comment.objects.count() == 1
    comment = Comment.objects.get()
    assert (comment.comment_type, comment.author_name, comment.state) == (
        "reply",
        "Bob",
        "approved",
    )
    assert comment.author_photo == local_server.url("/bob.png")
    assert "<p>Upgraded words</p>" in comment.content and "[…]" not in comment.content
    # and a pingback after that is still the one response: fault 48
    with pytest.raises(PingbackFault) as caught:
        ping(local_server.url("/n"), target)
    assert caught.value.code == 48


def test_held_webmentions_and_pingbacks_mail_the_owner(
    post, target, local_server, allow_loopback_fetch, run_on_commit, django_user_model
):
    """The post's author (an imported account) has no email: the staff are told instead."""
    assert post.author.email == ""
    django_user_model.objects.create(username="own", email="own@example.org", is_staff=True)
    local_server.routes["/n"] = (200, HTML, h_entry(target))
    local_server.routes["/wp/"] = (200, HTML, wp_page(target))
    run_on_commit(receive, local_server.url("/n"), target)
    run_on_commit(ping, local_server.url("/wp/"), target)
    assert list(Comment.objects.values_list("state", flat=True)) == ["pending", "pending"]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["own@example.org"], "[plnet] Awaiting moderation: Learning in public"),
        (["own@example.org"], "[plnet] Awaiting moderation: Learning in public"),
    ]
    assert mail.outbox[0].body.startswith(
        f"Bob sent a webmention reply to “Learning in public” from {local_server.url('/n')}:"
    )
    assert mail.outbox[1].body.startswith(
        f"A WordPress post sent a pingback to “Learning in public” from {local_server.url('/wp/')}:"
    )


def test_pingback_fault_49_when_rate_limited(post, target, settings, no_connect):
    import dataclasses

    settings.PLNET = dataclasses.replace(settings.PLNET, linkback_host_limit=0)
    with pytest.raises(PingbackFault) as caught:
        ping("https://s.example/p", target)
    assert caught.value.code == 49


def test_pingback_fault_50_when_the_source_server_fails(
    post, target, local_server, allow_loopback_fetch
):
    local_server.routes["/wp/"] = (502, HTML, b"bad gateway")
    with pytest.raises(PingbackFault) as caught:
        ping(local_server.url("/wp/"), target)
    assert caught.value.code == 50


def test_pingback_source_on_a_private_address_is_refused(post, target, monkeypatch, no_connect):
    monkeypatch.setattr(http, "system_resolver", lambda host, port: ["192.168.1.1"])
    with pytest.raises(PingbackFault) as caught:
        ping("http://router.example/", target)
    assert (caught.value.code, caught.value.message) == (
        16,  # the sender learns neither the address nor the server's setting
        "The source URL cannot be fetched: "
        "The source is at an address this site does not fetch from.",
    )
    assert SourceFetch.objects.get().error.startswith("router.example resolves to 192.168.1.1")


def test_xmlrpc_dispatch_and_get_pingbacks(post, target, local_server, allow_loopback_fetch):
    local_server.routes["/wp/"] = (200, HTML, wp_page(target))
    call = xmlrpc.client.dumps((local_server.url("/wp/"), target), "pingback.ping").encode()
    answer = services.handle_xmlrpc(call, request_host="testserver", remote_ip="127.0.0.1")
    assert xmlrpc.client.loads(answer)[0][0].endswith("registered.")
    listing = xmlrpc.client.dumps((target,), "pingback.extensions.getPingbacks").encode()
    pending = services.handle_xmlrpc(listing, request_host="testserver", remote_ip=None)
    assert xmlrpc.client.loads(pending)[0][0] == []  # held for moderation: not listed
    Comment.objects.update(state="approved")
    approved = services.handle_xmlrpc(listing, request_host="testserver", remote_ip=None)
    assert xmlrpc.client.loads(approved)[0][0] == [local_server.url("/wp/")]


# ---------------------------------------------------------------------------------- sending ---


def _endpoint_recorder(status=202, body=b"Accepted"):
    received = []

    def endpoint(request):
        received.append(request.request_body)
        request.send_response(status)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return received, endpoint


def _post_linking(post, *urls):
    post.body = " ".join(f"[link {n}]({url})" for n, url in enumerate(urls))
    post.save()


def test_send_webmention_to_each_link(post, local_server, allow_loopback_fetch, run_on_commit):
    received, endpoint = _endpoint_recorder()
    local_server.routes["/a"] = (200, {**HTML, "Link": '</wm>; rel="webmention"'}, b"")
    local_server.routes["/wm"] = endpoint
    _post_linking(post, local_server.url("/a"), "/2020/01/01/own-post/")
    rows = run_on_commit(services.send_linkbacks_for_post, post.pk)
    assert [r.target for r in rows] == [local_server.url("/a")]  # our own links are skipped
    row = OutgoingLinkback.objects.get()
    assert (row.method, row.endpoint, row.status, row.response_code) == (
        "webmention",
        local_server.url("/wm"),
        "sent",
        202,
    )
    assert row.response_body == "Accepted"
    assert row.attempts == 1
    source = services.post_url(post)
    from urllib.parse import parse_qs

    assert parse_qs(received[0].decode()) == {
        "source": [source],
        "target": [local_server.url("/a")],
    }


def test_pingback_fallback_when_no_webmention_endpoint(
    post, local_server, allow_loopback_fetch, run_on_commit
):
    calls = []

    def server(request):
        calls.append(xmlrpc.client.loads(request.request_body))
        body = xmlrpc.client.dumps(("Pingback registered.",), methodresponse=True).encode()
        request.send_response(200)
        request.send_header("Content-Type", "text/xml")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    local_server.routes["/wp/p/"] = (200, HTML, b'<link rel="pingback" href="/xmlrpc.php">')
    local_server.routes["/xmlrpc.php"] = server
    _post_linking(post, local_server.url("/wp/p/"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    row = OutgoingLinkback.objects.get()
    assert (row.method, row.status, row.response_body) == (
        "pingback",
        "sent",
        "Pingback registered.",
    )
    assert calls == [((services.post_url(post), local_server.url("/wp/p/")), "pingback.ping")]


def test_wordpress_masked_fault_0_is_logged_as_refused(
    post, local_server, allow_loopback_fetch, run_on_commit
):
    fault = xmlrpc.client.dumps(xmlrpc.client.Fault(0, "")).encode()
    local_server.routes["/wp/p/"] = (200, {**HTML, "X-Pingback": local_server.url("/x.php")}, b"")
    local_server.routes["/x.php"] = (200, {"Content-Type": "text/xml"}, fault)
    _post_linking(post, local_server.url("/wp/p/"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    row = OutgoingLinkback.objects.get()
    assert (row.status, row.response_code) == ("refused", 0)
    assert row.next_attempt_at is None


def test_no_endpoint_is_logged(post, local_server, allow_loopback_fetch, run_on_commit):
    local_server.routes["/plain"] = (200, HTML, b"<p>nothing advertised</p>")
    _post_linking(post, local_server.url("/plain"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    row = OutgoingLinkback.objects.get()
    assert (row.method, row.status, row.response_body) == (
        "",
        "no_endpoint",
        "No Webmention or Pingback endpoint.",
    )


def test_retries_with_exponential_backoff_then_gives_up(
    post, local_server, allow_loopback_fetch, run_on_commit
):
    local_server.routes["/a"] = (200, {**HTML, "Link": "</wm>; rel=webmention"}, b"")
    local_server.routes["/wm"] = (503, {"Content-Type": "text/plain"}, b"try later")
    _post_linking(post, local_server.url("/a"))
    before = timezone.now()
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    row = OutgoingLinkback.objects.get()
    delays = []
    while row.status == "retrying":
        delays.append(round((row.next_attempt_at - row.last_attempt_at).total_seconds() / 60))
        OutgoingLinkback.objects.update(next_attempt_at=timezone.now())
        services.enqueue_due()
        row.refresh_from_db()
    assert delays == [1, 2, 4, 8, 16]
    assert (row.status, row.attempts, row.response_code) == ("failed", services.MAX_ATTEMPTS, 503)
    assert row.response_body == "Gave up: try later"
    assert row.last_attempt_at >= before


def test_sending_to_a_private_address_fails_without_connecting(
    post, monkeypatch, no_connect, run_on_commit
):
    monkeypatch.setattr(http, "system_resolver", lambda host, port: ["169.254.169.254"])
    _post_linking(post, "http://metadata.example/latest/")
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    row = OutgoingLinkback.objects.get()
    assert row.status == "failed"
    assert row.response_body == (
        "refused: private address (PLNET_FETCH_ALLOWED_NETWORKS): metadata.example resolves to "
        "169.254.169.254, a private or local address that plnet does not fetch (an administrator "
        "can allow it with PLNET_FETCH_ALLOWED_NETWORKS)"
    )
    assert row.next_attempt_at is None and row.attempts == 1


def test_a_send_refused_by_the_guard_is_sent_when_retried_after_allowing_the_network(
    post, local_server, settings, run_on_commit
):
    received, endpoint = _endpoint_recorder()
    local_server.routes["/a"] = (200, {**HTML, "Link": '</wm>; rel="webmention"'}, b"")
    local_server.routes["/wm"] = endpoint
    _post_linking(post, local_server.url("/a"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    row = OutgoingLinkback.objects.get()
    assert row.status == "failed" and row.response_body.startswith(services.sending.BLOCKED_REASON)
    assert received == []
    assert run_on_commit(services.retry_send, row.pk) is not None  # still blocked: fails again
    row.refresh_from_db()
    assert (row.status, row.attempts, received) == ("failed", 1, [])

    settings.PLNET = dataclasses.replace(
        settings.PLNET, fetch_allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),)
    )
    run_on_commit(services.retry_send, row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.method) == ("sent", 1, "webmention")
    assert len(received) == 1
    assert run_on_commit(services.retry_send, row.pk) is None  # a sent row is not resent
    assert len(received) == 1


def _rocks_page(server, path, html):
    base = server.url("").rstrip("/")
    server.routes[path] = (200, HTML, html.replace("https://webmention.rocks", base).encode())


def test_update_adding_a_link_sends_to_old_and_new(
    post, local_server, allow_loopback_fetch, run_on_commit
):
    """webmention.rocks update test 1, served locally: the pages advertise keyed endpoints."""
    hits = []
    for path in [
        "/update/1/part/1/webmention",
        "/update/1/part/2/webmention",
        "/update/2/part/1/webmention",
        "/update/2/part/2/webmention",
    ]:
        local_server.routes[path] = lambda request, p=path: (hits.append(p), _reply(request))[1]
    update1 = ROCKS["update"][0]
    _rocks_page(local_server, "/update/1", update1["html"])
    _rocks_page(local_server, "/update/1/part/2", update1["steps"][1]["html"])
    # update test 1: link the page, then add part 2 and send again to both
    _post_linking(post, local_server.url("/update/1"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    _post_linking(post, local_server.url("/update/1"), local_server.url("/update/1/part/2"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    assert hits == ["/update/1/part/1/webmention"] * 2 + ["/update/1/part/2/webmention"]


def test_update_removing_a_link_resends_to_both(
    post, local_server, allow_loopback_fetch, run_on_commit
):
    """webmention.rocks update test 2: after removing a link, both URLs are sent again."""
    hits = []
    for path in ["/update/2/part/1/webmention", "/update/2/part/2/webmention"]:
        local_server.routes[path] = lambda request, p=path: (hits.append(p), _reply(request))[1]
    update2 = ROCKS["update"][1]
    _rocks_page(local_server, "/update/2", update2["html"])
    _rocks_page(local_server, "/update/2/part/2", update2["steps"][1]["html"])
    _post_linking(post, local_server.url("/update/2"), local_server.url("/update/2/part/2"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    _post_linking(post, local_server.url("/update/2"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    assert sorted(hits) == ["/update/2/part/1/webmention"] * 2 + ["/update/2/part/2/webmention"] * 2
    removed = OutgoingLinkback.objects.get(target=local_server.url("/update/2/part/2"))
    assert removed.webmention_only and removed.status == "sent"


def _reply(request, status=202):
    request.send_response(status)
    request.send_header("Content-Length", "0")
    request.end_headers()


def test_delete_scenario_resends_after_the_post_is_gone(
    post, local_server, allow_loopback_fetch, run_on_commit
):
    hits = []
    local_server.routes["/delete/1/webmention"] = lambda request: (
        hits.append(request.request_body),
        _reply(request),
    )[1]
    _rocks_page(local_server, "/delete/1", ROCKS["delete"][0]["html"])
    _post_linking(post, local_server.url("/delete/1"))
    run_on_commit(services.send_linkbacks_for_post, post.pk)
    source = services.post_url(post)
    post.delete()
    rows = run_on_commit(services.notify_post_deleted, source)
    assert [r.target for r in rows] == [local_server.url("/delete/1")]
    assert len(hits) == 2
    row = OutgoingLinkback.objects.get()
    assert (row.post, row.status, row.source) == (None, "sent", source)
