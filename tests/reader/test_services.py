"""Subscribing, fetching (conditional GET, redirects, errors, backoff), dedup and sanitising,
driven over HTTP against the loopback server, with the database checked afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from plnet.reader import services
from plnet.reader.models import Entry, Source, Subscription
from tests.reader.conftest import RSS, corpus_bytes, rss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback_fetch")]

TWO = rss(
    [
        ("a1", "First", "Mon, 02 Mar 2015 10:00:00 +0100"),
        ("a2", "Second", "Tue, 03 Mar 2015 10:00:00 GMT"),
    ]
)


def test_subscribe_by_feed_url_stores_entries_in_utc(local_server, member):
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS}, TWO)
    sub = services.subscribe(member, local_server.url("/feed.xml"))
    source = sub.source
    assert (source.url, source.title, source.state) == (
        local_server.url("/feed.xml"),
        "Test feed",
        "ok",
    )
    entries = {e.guid: e for e in Entry.objects.all()}
    assert set(entries) == {"a1", "a2"}
    assert entries["a1"].published_at == datetime(2015, 3, 2, 9, 0, tzinfo=UTC)
    assert entries["a1"].link == "https://example.org/a1"
    assert entries["a1"].excerpt == "About First"


def test_subscribe_by_site_url_discovers_link_alternate(local_server, member):
    page = (
        b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml" '
        b'href="/blog/rss"></head><body>hi</body></html>'
    )
    local_server.routes["/"] = (200, {"Content-Type": "text/html"}, page)
    local_server.routes["/blog/rss"] = (200, {"Content-Type": RSS}, TWO)
    sub = services.subscribe(member, local_server.url("/"))
    assert sub.source.url == local_server.url("/blog/rss")
    assert sub.source.entries.count() == 2


def test_subscribe_by_site_url_tries_the_usual_paths(local_server, member):
    local_server.routes["/"] = (
        200,
        {"Content-Type": "text/html"},
        b"<html><body>no links</body></html>",
    )
    local_server.routes["/atom.xml"] = (
        200,
        {"Content-Type": "application/atom+xml"},
        corpus_bytes("feeds/wordpress-peer/wp-peer-atom.xml"),
    )
    sub = services.subscribe(member, local_server.url("/"))
    assert sub.source.url == local_server.url("/atom.xml")
    assert sub.source.format == "atom10"


def test_subscribe_to_an_hfeed_page(local_server, member):
    page = (
        b'<!doctype html><html><body><div class="h-feed"><h1 class="p-name">Notes</h1>'
        b'<article class="h-entry"><a class="u-url p-name" href="/n/1">One</a>'
        b'<time class="dt-published" datetime="2024-05-01T10:00:00+02:00">May 1</time>'
        b'<div class="e-content"><p>Hello <a href="/x">there</a></p></div></article>'
        b"</div></body></html>"
    )
    local_server.routes["/notes"] = (200, {"Content-Type": "text/html; charset=utf-8"}, page)
    sub = services.subscribe(member, local_server.url("/notes"))
    entry = sub.source.entries.get()
    assert (sub.source.format, sub.source.title) == ("hfeed", "Notes")
    assert entry.link == local_server.url("/n/1")
    assert entry.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert f'href="{local_server.url("/x")}"' in entry.content_html


def test_subscribe_refuses_a_page_without_feed(local_server, member):
    local_server.routes["/"] = (
        200,
        {"Content-Type": "text/html"},
        b"<html><body>nothing</body></html>",
    )
    with pytest.raises(services.SubscribeError) as error:
        services.subscribe(member, local_server.url("/"))
    assert str(error.value) == (
        f'No feed found at {local_server.url("/")}: the page has no <link rel="alternate"> to a '
        "feed, and none of /feed, /rss, /atom.xml, /feed.xml, /index.xml, /rss.xml, /feed.json "
        "on its site answered with a feed."
    )
    assert Source.objects.count() == 0


def test_two_members_share_one_source(local_server, member, other_member):
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS}, TWO)
    a = services.subscribe(member, local_server.url("/feed.xml"))
    b = services.subscribe(other_member, local_server.url("/feed.xml"))
    assert a.source_id == b.source_id
    assert Subscription.objects.count() == 2 and Entry.objects.count() == 2
    assert len(local_server.requests) == 1  # fetched once


def _source(local_server, path="/feed.xml", body=TWO, headers=None):
    local_server.routes[path] = (200, {"Content-Type": RSS, **(headers or {})}, body)
    return Source.objects.create(url=local_server.url(path))


def test_conditional_get_sends_validators_and_reads_304(local_server):
    source = _source(
        local_server, headers={"ETag": '"v1"', "Last-Modified": "Tue, 03 Mar 2015 10:00:00 GMT"}
    )
    services.fetch_source(source.pk)
    local_server.routes["/feed.xml"] = (304, {"ETag": '"v1"'}, b"")
    services.fetch_source(source.pk)
    headers = local_server.requests[-1][2]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 03 Mar 2015 10:00:00 GMT"
    source.refresh_from_db()
    assert (source.state, source.last_status, source.entries.count()) == ("ok", 304, 2)


def test_updated_entry_updates_in_place_and_duplicates_are_merged(local_server):
    source = _source(local_server)
    services.fetch_source(source.pk)
    first_id = Entry.objects.get(guid="a1").pk
    local_server.routes["/feed.xml"] = (
        200,
        {"Content-Type": RSS},
        rss(
            [
                ("a1", "First, revised", "Mon, 02 Mar 2015 10:00:00 +0100"),
                ("a1", "Dup", "Mon, 02 Mar 2015 10:00:00 +0100"),
            ]
        ),
    )
    result = services.fetch_source(source.pk)
    assert (result.added, result.updated) == (0, 1)
    entry = Entry.objects.get(guid="a1")
    assert (entry.pk, entry.title) == (first_id, "First, revised")
    assert Entry.objects.count() == 2


def test_dedup_falls_back_to_link_then_title_and_date(local_server):
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>A</title><link>https://example.org/p</link></item>"
        b"<item><title>A again</title><link>https://example.org/p</link></item>"
        b"<item><title>No link</title><pubDate>Tue, 03 Mar 2015 10:00:00 GMT</pubDate></item>"
        b"<item><title>No link</title><pubDate>Tue, 03 Mar 2015 10:00:00 GMT</pubDate></item>"
        b"<item><title>No link</title><pubDate>Wed, 04 Mar 2015 10:00:00 GMT</pubDate></item>"
        b"</channel></rss>"
    )
    source = _source(local_server, body=body)
    before = timezone.now()
    services.fetch_source(source.pk)
    keys = sorted(Entry.objects.values_list("dedup_key", flat=True))
    assert len(keys) == 3
    assert keys[-1] == "link:https://example.org/p"
    undated = Entry.objects.get(link="https://example.org/p")
    assert undated.published_at >= before  # a missing date becomes the first-seen time


def test_content_is_sanitised_and_relative_urls_resolved(local_server):
    body = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/2020/">'
        b"<title>t</title><id>urn:t</id><updated>2020-01-01T00:00:00Z</updated>"
        b"<entry><id>urn:e1</id><title>x</title><updated>2020-01-01T00:00:00Z</updated>"
        b'<link href="post.html"/>'
        b'<content type="html">&lt;p onclick="evil()"&gt;Hi &lt;a href="img/a.png"&gt;pic&lt;/a&gt;'
        b"&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</content></entry></feed>"
    )
    source = _source(local_server, body=body)
    services.fetch_source(source.pk)
    entry = Entry.objects.get()
    assert "script" not in entry.content_html and "onclick" not in entry.content_html
    assert 'href="https://blog.example/2020/img/a.png"' in entry.content_html
    assert entry.link == "https://blog.example/2020/post.html"


def test_enclosures_are_kept(local_server):
    source = _source(
        local_server,
        body=corpus_bytes("feeds/jsonfeed-spec-examples/jsonfeed-1.1-podcast.json"),
        headers={"Content-Type": "application/feed+json"},
    )
    services.fetch_source(source.pk)
    assert Entry.objects.get().enclosures == [
        {
            "url": "http://therecord.co/downloads/The-Record-sp1e1-ChrisParrish.m4a",
            "type": "audio/x-m4a",
            "length": 89970236,
            "duration": 6629,
        }
    ]


def test_permanent_redirect_updates_the_stored_url(local_server):
    local_server.routes["/old"] = (301, {"Location": "/new"}, b"")
    local_server.routes["/new"] = (200, {"Content-Type": RSS}, TWO)
    source = Source.objects.create(url=local_server.url("/old"))
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert source.url == local_server.url("/new")


def test_temporary_redirect_keeps_the_stored_url(local_server):
    local_server.routes["/old"] = (302, {"Location": "/new"}, b"")
    local_server.routes["/new"] = (200, {"Content-Type": RSS}, TWO)
    source = Source.objects.create(url=local_server.url("/old"))
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert (source.url, source.state) == (local_server.url("/old"), "ok")


def test_errors_back_off_exponentially_and_recover(local_server):
    local_server.routes["/feed.xml"] = (500, {}, b"oops")
    source = Source.objects.create(url=local_server.url("/feed.xml"))
    gaps = []
    for _ in range(3):
        before = timezone.now()
        services.fetch_source(source.pk)
        source.refresh_from_db()
        gaps.append(round((source.next_fetch_at - before).total_seconds() / 60))
    assert gaps == [15, 30, 60]
    assert (source.state, source.error_count, source.last_error) == (
        "error",
        3,
        "the server answered HTTP 500",
    )
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS}, TWO)
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert (source.state, source.error_count, source.last_error) == ("ok", 0, "")


def test_retry_after_is_respected_on_429(local_server):
    local_server.routes["/feed.xml"] = (429, {"Retry-After": "7200"}, b"")
    source = Source.objects.create(url=local_server.url("/feed.xml"))
    before = timezone.now()
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert source.state == "error" and "HTTP 429" in source.last_error
    assert timedelta(minutes=119) < source.next_fetch_at - before <= timedelta(minutes=121)


def test_410_marks_the_source_gone_and_it_is_not_fetched_again(local_server):
    local_server.routes["/feed.xml"] = (410, {}, b"")
    source = Source.objects.create(url=local_server.url("/feed.xml"))
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert source.state == "gone" and "410" in source.last_error
    assert services.fetch_source(source.pk) is None
    assert len(local_server.requests) == 1
    assert not Source.objects.due(timezone.now() + timedelta(days=30)).exists()


def test_adaptive_interval_is_bounded():
    src = Source.objects.create(url="https://example.org/f")
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(5):
        Entry.objects.create(
            source=src, dedup_key=f"k{i}", published_at=base + timedelta(hours=6 * i)
        )
    assert services.adaptive_interval(src) == timedelta(hours=3)
    Entry.objects.all().delete()
    for i in range(5):
        Entry.objects.create(
            source=src, dedup_key=f"k{i}", published_at=base + timedelta(minutes=i)
        )
    assert services.adaptive_interval(src) == timedelta(minutes=15)
    Entry.objects.all().delete()
    for i in range(5):
        Entry.objects.create(
            source=src, dedup_key=f"k{i}", published_at=base + timedelta(days=30 * i)
        )
    assert services.adaptive_interval(src) == timedelta(hours=24)


def test_intervals_and_backoff_follow_the_settings(settings):
    import dataclasses

    settings.PLNET = dataclasses.replace(
        settings.PLNET, feed_min_interval_minutes=60, feed_max_interval_minutes=120
    )
    src = Source.objects.create(url="https://example.org/f")
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(5):
        Entry.objects.create(
            source=src, dedup_key=f"k{i}", published_at=base + timedelta(minutes=i)
        )
    assert services.adaptive_interval(src) == timedelta(hours=1)
    Entry.objects.all().delete()
    for i in range(5):
        Entry.objects.create(source=src, dedup_key=f"k{i}", published_at=base + timedelta(days=i))
    assert services.adaptive_interval(src) == timedelta(hours=2)
    Entry.objects.all().delete()  # too few entries: the stored interval (1 h), kept within bounds
    src.fetch_interval = 60
    assert services.adaptive_interval(src) == timedelta(hours=1)
    assert [services.backoff(n) for n in (1, 2, 3)] == [timedelta(hours=h) for h in (1, 2, 4)]
    assert services.backoff(10) == services.MAX_BACKOFF


def test_enqueue_due_fetches_due_followed_sources(
    local_server, member, django_capture_on_commit_callbacks
):
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS}, TWO)
    sub = services.subscribe(member, local_server.url("/feed.xml"))
    Source.objects.create(url=local_server.url("/unfollowed"))
    Source.objects.filter(pk=sub.source_id).update(
        next_fetch_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        n = services.enqueue_due()
    assert n == 1
    assert services.enqueue_due() == 0  # pushed ahead: not enqueued twice
    assert [r[1] for r in local_server.requests] == ["/feed.xml", "/feed.xml"]


def test_gzip_compressed_response_is_decoded(local_server):
    import gzip

    local_server.routes["/feed.xml"] = (
        200,
        {"Content-Type": RSS, "Content-Encoding": "gzip"},
        gzip.compress(TWO),
    )
    source = Source.objects.create(url=local_server.url("/feed.xml"))
    services.fetch_source(source.pk)
    assert "gzip" in local_server.requests[0][2]["Accept-Encoding"]
    assert Entry.objects.filter(source=source).count() == 2


def test_user_agent_names_plnet_and_its_url(local_server, settings):
    source = _source(local_server)
    services.fetch_source(source.pk)
    agent = local_server.requests[0][2]["User-Agent"]
    assert agent.startswith("plnet/") and settings.PLNET.site_url in agent


def test_per_host_limit_bounds_concurrent_requests(local_server, member, settings):
    import dataclasses
    import threading
    import time

    active, peak, lock = [0], [0], threading.Lock()

    def slow(handler):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Content-Length", str(len(TWO)))
        handler.end_headers()
        handler.wfile.write(TWO)

    ids = []
    for i in range(6):
        local_server.routes[f"/f{i}"] = slow
        ids.append(Source.objects.create(url=local_server.url(f"/f{i}")).pk)
    counts = services.fetch_many(ids, workers=6, per_host=2)
    assert counts["ok"] == 6 and peak[0] == 2
    settings.PLNET = dataclasses.replace(settings.PLNET, feed_host_limit=3)
    peak[0] = 0
    counts = services.fetch_many(ids, workers=6)  # the default: PLNET_FEED_HOST_LIMIT
    assert counts["ok"] == 6 and peak[0] == 3


def test_ssrf_guard_refuses_private_addresses_before_connecting(settings):
    import dataclasses

    settings.PLNET = dataclasses.replace(settings.PLNET, fetch_allowed_networks=())
    source = Source.objects.create(url="http://intranet.example/feed")
    services.fetch_source(source.pk, resolver=lambda host, port: ["10.0.0.5"])
    source.refresh_from_db()
    assert (
        source.state == "error"
        and "10.0.0.5" in source.last_error
        and "private or local address" in source.last_error
    )


def test_subscribe_refuses_non_http_urls(member):
    with pytest.raises(services.SubscribeError, match="not an http"):
        services.subscribe(member, "file:///etc/passwd")


def test_an_unchanged_broken_feed_stays_in_error_on_304(local_server):
    page = b"<!doctype html><html><body>not a feed</body></html>"
    source = _source(local_server, body=page, headers={"Content-Type": "text/html", "ETag": '"b1"'})
    services.fetch_source(source.pk)
    local_server.routes["/feed.xml"] = (304, {"ETag": '"b1"'}, b"")
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert local_server.requests[-1][2]["If-None-Match"] == '"b1"'
    assert (source.state, source.error_count, source.last_error) == (
        "error", 1, "this page is HTML without a feed or an h-feed",
    )  # fmt: skip
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS, "ETag": '"b2"'}, TWO)
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert (source.state, source.content_error, source.etag) == ("ok", False, '"b2"')


def test_retry_after_as_an_http_date_on_503_and_bounds(local_server):
    now = timezone.now()
    when = (now + timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    local_server.routes["/feed.xml"] = (503, {"Retry-After": when}, b"")
    source = Source.objects.create(url=local_server.url("/feed.xml"))
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert "HTTP 503" in source.last_error
    assert (
        timedelta(hours=2, minutes=58) < source.next_fetch_at - now <= timedelta(hours=3, minutes=1)
    )
    assert services.parse_retry_after("999999999", now) == now + services.MAX_BACKOFF
    assert services.parse_retry_after("soon", now) is None
    assert services.parse_retry_after("Mon, 01 Jan 2001 00:00:00 GMT", now) == now


def test_future_dated_entries_are_clamped_to_the_fetch_time(local_server):
    body = rss(
        [
            ("future", "From 2099", "Thu, 01 Jan 2099 00:00:00 GMT"),
            ("past", "From 2015", "Tue, 03 Mar 2015 10:00:00 GMT"),
        ]
    )
    source = _source(local_server, body=body)
    before = timezone.now()
    services.fetch_source(source.pk)
    after = timezone.now()
    future = Entry.objects.get(guid="future")
    assert before <= future.published_at <= after
    assert future.published_at == future.first_seen_at
    assert Entry.objects.get(guid="past").published_at == datetime(2015, 3, 3, 10, tzinfo=UTC)


def test_a_later_entry_goes_above_a_clamped_one_and_updates_keep_the_clamped_date():
    from plnet.protocols.feeds import FeedEntry

    source = Source.objects.create(url="https://a.example/feed")
    t0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
    far = datetime(2030, 1, 1, tzinfo=UTC)
    services.store_entries(source, [FeedEntry(guid="f", title="v1", published=far)], t0)
    t1 = t0 + timedelta(hours=1)
    services.store_entries(
        source,
        [
            FeedEntry(guid="f", title="v2", published=far, updated=far),
            FeedEntry(guid="n", title="new", published=t1 - timedelta(minutes=5)),
        ],
        t1,
    )
    f = Entry.objects.get(guid="f")
    assert (f.title, f.published_at, f.updated_at) == ("v2", t0, t1)
    newest = Entry.objects.order_by("-published_at").values_list("guid", flat=True)
    assert list(newest) == ["n", "f"]


def test_fetch_many_keeps_one_connection_per_host_and_closes_it_after_the_last(local_server):
    peers = []
    etag = '"same"'

    def answer(handler):
        peers.append(handler.client_address)
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("ETag", etag)
        handler.send_header("Content-Length", str(len(TWO)))
        handler.end_headers()
        handler.wfile.write(TWO)

    ids = []
    for i in range(3):
        local_server.routes[f"/k{i}"] = answer
        ids.append(Source.objects.create(url=local_server.url(f"/k{i}")).pk)
    counts = services.fetch_many(ids, workers=1)
    assert counts["ok"] == 3
    assert len(set(peers)) == 1  # one TCP connection for the three feeds of this host
    sent = [r[2].get("Connection") for r in local_server.requests]
    assert sent[-1] == "close" and "close" not in sent[:-1]


def _broken_sources(local_server, n):
    """n sources whose content could not be read (an HTML page), now answering 304."""
    page = b"<!doctype html><html><body>not a feed</body></html>"
    ids = []
    for i in range(n):
        path = f"/broken{i}"
        local_server.routes[path] = (200, {"Content-Type": "text/html", "ETag": '"b"'}, page)
        ids.append(Source.objects.create(url=local_server.url(path)).pk)
    services.fetch_many(ids)
    for i in range(n):
        local_server.routes[f"/broken{i}"] = (304, {"ETag": '"b"'}, b"")
    return ids


def test_fetch_many_stores_304s_of_broken_sources_in_bulk(local_server):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = _broken_sources(local_server, 3)
    Source.objects.filter(pk=ids[2]).update(error_count=3)  # a longer backoff: its own group
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        counts = services.fetch_many(ids)
    after = timezone.now()
    assert counts["not_modified"] == 3
    # one SELECT of the sources, one UPDATE per backoff group: nothing per source
    kinds = [q["sql"].split()[0] for q in queries.captured_queries]
    assert kinds == ["SELECT", "UPDATE", "UPDATE"]
    for source in Source.objects.filter(pk__in=ids):
        wait = timedelta(minutes=15 * (4 if source.error_count == 3 else 1))
        assert (source.state, source.content_error, source.last_status) == ("error", True, 304)
        assert source.last_error == "this page is HTML without a feed or an h-feed"
        assert before + wait <= source.next_fetch_at <= after + wait
    assert [s.error_count for s in Source.objects.filter(pk__in=ids).order_by("pk")] == [1, 1, 3]


def test_fetch_many_304_queries_do_not_grow_with_the_number_of_sources(local_server):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = []
    for i in range(12):
        _source(local_server, path=f"/ok{i}", headers={"ETag": '"e"'})
        ids.append(Source.objects.get(url=local_server.url(f"/ok{i}")).pk)
    services.fetch_many(ids)
    for i in range(12):
        local_server.routes[f"/ok{i}"] = (304, {"ETag": '"e"'}, b"")
    sizes = []
    for batch in (ids[:3], ids[3:]):
        with CaptureQueriesContext(connection) as queries:
            assert services.fetch_many(batch)["not_modified"] == len(batch)
        sizes.append(len(queries.captured_queries))
    assert sizes == [2, 2]  # the SELECT of the batch and one UPDATE
    assert set(Source.objects.values_list("last_status", flat=True)) == {304}


def test_a_feed_parsed_with_a_recovered_error_is_ok_with_a_warning(local_server, member, client):
    """rss_2.0_dbengines.xml uses an undefined entity: feedparser flags it (bozo) but reads its
    item. The source is ok and says so, with the parser's words, on its pages and in the API."""
    import feedparser
    from django.urls import reverse

    from plnet.reader.actions import create_token

    body = corpus_bytes("feeds/feed-rs-fixtures/rss2/rss_2.0_dbengines.xml")
    expected = feedparser.parse(body)
    assert expected.bozo and expected.entries  # the premise, checked independently
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS}, body)
    sub = services.subscribe(member, local_server.url("/feed.xml"))
    source = Source.objects.get(pk=sub.source_id)
    assert source.state == "ok" and source.last_error == ""
    assert source.entries.count() == len(expected.entries)
    assert source.last_warning.startswith("SAXParseException: ")
    assert "undefined entity" in source.last_warning == source.warning

    client.force_login(member)
    for page in (reverse("reader:sources"), reverse("reader:subscription", args=[sub.pk])):
        html = client.get(page).content.decode()
        assert "with a warning" in html and "undefined entity" in html
    _, token = create_token(member, "test")
    api = client.get("/api/v1/sources", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert api["sources"][0]["state"] == "ok"
    assert api["sources"][0]["warning"] == source.last_warning

    # a 304 keeps it (same content); clean content clears it
    local_server.routes["/feed.xml"] = (304, {}, b"")
    services.fetch_source(source.pk)
    assert Source.objects.get(pk=source.pk).warning == source.last_warning
    local_server.routes["/feed.xml"] = (200, {"Content-Type": RSS}, TWO)
    services.fetch_source(source.pk)
    source.refresh_from_db()
    assert (source.state, source.last_warning, source.warning) == ("ok", "", "")
    assert "with a warning" not in client.get(reverse("reader:sources")).content.decode()
