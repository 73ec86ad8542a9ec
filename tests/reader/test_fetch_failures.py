"""The failure modes of the issue, each served by the loopback server: every one leaves a clear
state on its source, none raises, and the other sources of the river are fetched as usual."""

from __future__ import annotations

import dataclasses
import time

import pytest

from plnet.reader import services
from plnet.reader.models import Entry, Source, Subscription
from tests.reader.conftest import RSS, rss

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback_fetch")]

GOOD = rss([("ok-1", "Fine", "Tue, 03 Mar 2015 10:00:00 GMT")])

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Bomb</title>
<item><guid>b1</guid><title>boom &lol9;</title><description>&lol9;</description></item>
</channel></rss>"""


def fetched(local_server, path, route) -> Source:
    local_server.routes[path] = route
    source = Source.objects.create(url=local_server.url(path))
    assert services.fetch_source(source.pk) is not None or source.state == "gone"
    source.refresh_from_db()
    return source


def test_an_html_page_instead_of_a_feed(local_server):
    page = (
        b"<!doctype html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>"
    )
    source = fetched(local_server, "/page", (200, {"Content-Type": "text/html"}, page))
    assert (source.state, source.last_error) == (
        "error",
        "this page is HTML without a feed or an h-feed",
    )


def test_a_50_mb_response_with_its_length_declared(local_server):
    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Content-Length", str(50_000_000))
        handler.end_headers()
        try:
            for _ in range(50):
                handler.wfile.write(b"x" * 1_000_000)
        except OSError:
            pass

    source = fetched(local_server, "/huge", huge)
    assert source.state == "error"
    assert source.last_error == "response is 50,000,000 bytes, over the 5,000,000-byte cap"


def test_a_50_mb_response_without_a_length(local_server):
    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        try:
            handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')
            for _ in range(50):
                handler.wfile.write(b"x" * 1_000_000)
        except OSError:
            pass

    source = fetched(local_server, "/huge", huge)
    assert (source.state, source.last_error) == ("error", "response is over the 5,000,000-byte cap")


def test_a_server_that_trickles_bytes(local_server, settings):
    settings.PLNET = dataclasses.replace(settings.PLNET, fetch_timeout=1)

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", RSS)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        try:
            for _ in range(40):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    started = time.monotonic()
    source = fetched(local_server, "/slow", trickle)
    assert time.monotonic() - started < 3
    assert (source.state, source.last_error) == ("error", "no complete answer within 1 s")


def test_an_xml_entity_bomb_is_not_expanded(local_server):
    source = fetched(local_server, "/bomb", (200, {"Content-Type": RSS}, BOMB))
    entry = Entry.objects.get(source=source)
    assert "lollol" not in entry.title + entry.content_html + entry.excerpt
    assert source.state == "ok" and source.title == "Bomb"


def test_a_redirect_loop(local_server):
    local_server.routes["/b"] = (302, {"Location": "/a"}, b"")
    source = fetched(local_server, "/a", (302, {"Location": "/b"}, b""))
    assert source.state == "error" and source.last_error.startswith("too many redirects")


def test_a_500_and_a_410(local_server):
    assert (
        fetched(local_server, "/e", (500, {}, b"boom")).last_error == "the server answered HTTP 500"
    )
    gone = fetched(local_server, "/g", (410, {}, b""))
    assert gone.state == "gone"


def test_invalid_utf8_is_decoded_as_far_as_possible(local_server):
    body = rss([("u1", "Caf\xe9 ok", "Tue, 03 Mar 2015 10:00:00 GMT")]).replace(
        b"\xc3\xa9", b"\xe9\xff"
    )
    source = fetched(
        local_server,
        "/bad-utf8",
        (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body),
    )
    entry = Entry.objects.get(source=source)
    assert source.state == "ok" and entry.guid == "u1"
    assert entry.title.startswith("Caf") and entry.title.endswith(" ok")


def test_a_feed_with_10000_entries(local_server):
    items = [(f"id-{i}", f"Item {i}", "Tue, 03 Mar 2015 10:00:00 GMT") for i in range(10_000)]
    body = rss(items)
    source = fetched(local_server, "/big", (200, {"Content-Type": RSS}, body))
    assert source.state == "ok"
    assert Entry.objects.filter(source=source).count() == body.count(b"<item>") == 10_000
    again = services.fetch_source(source.pk)
    assert (again.added, again.updated) == (0, 0)


def test_the_same_entry_in_two_feeds_gives_one_entry_per_source(local_server, member):
    shared = rss([("same-guid", "Shared", "Tue, 03 Mar 2015 10:00:00 GMT")])
    local_server.routes["/one"] = (200, {"Content-Type": RSS}, shared)
    local_server.routes["/two"] = (200, {"Content-Type": RSS}, shared)
    services.subscribe(member, local_server.url("/one"))
    services.subscribe(member, local_server.url("/two"))
    assert Entry.objects.filter(guid="same-guid").count() == 2
    from plnet.reader.river import RiverFilter, river

    page = river(member, RiverFilter())
    assert sorted(e.subscription.source.url for e in page.entries) == sorted(
        [local_server.url("/one"), local_server.url("/two")]
    )


def test_one_bad_source_never_stops_the_others(local_server, member):
    local_server.routes["/good"] = (200, {"Content-Type": RSS}, GOOD)
    local_server.routes["/html"] = (
        200,
        {"Content-Type": "text/html"},
        b"<html><body>x</body></html>",
    )
    local_server.routes["/bomb"] = (200, {"Content-Type": RSS}, BOMB)
    local_server.routes["/500"] = (500, {}, b"")
    local_server.routes["/loop"] = (301, {"Location": "/loop"}, b"")
    local_server.routes["/junk"] = (200, {"Content-Type": RSS}, b"\x00\x01\x02 not xml at all <<<")
    ids = []
    for path in ["/good", "/html", "/bomb", "/500", "/loop", "/junk"]:
        source = Source.objects.create(url=local_server.url(path))
        Subscription.objects.create(user=member, source=source)
        ids.append(source.pk)
    counts = services.fetch_many(ids, workers=4)
    assert counts == {"ok": 2, "not_modified": 0, "error": 4, "gone": 0, "added": 2}
    states = dict(Source.objects.values_list("url", "state"))
    assert states[local_server.url("/good")] == "ok"
    assert Entry.objects.get(source__url=local_server.url("/good")).title == "Fine"
    junk = Source.objects.get(url=local_server.url("/junk"))
    assert junk.state == "error" and junk.last_error
