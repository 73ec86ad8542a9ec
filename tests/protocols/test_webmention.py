"""plnet.protocols.webmention: Link header parsing, endpoint discovery on the webmention.rocks
pages (read from the corpus here; served over HTTP in tests/linkbacks/test_discovery.py),
request checks, and the link and gone checks of verification."""

import json

import pytest

from plnet.protocols.webmention import (
    LinkValue,
    WebmentionError,
    check_request,
    discover_endpoint,
    is_gone_page,
    links_in,
    normalize_url,
    parse_link_header,
    source_links_to,
)
from tests.conftest import CORPUS

CASES = json.loads((CORPUS / "webmention" / "cases.json").read_text())["cases"]


def _case_html(case) -> str:
    return (CORPUS / "webmention" / case["html_file"]).read_text()


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["id"] != 23], ids=lambda c: f"test-{c['id']}"
)
def test_discovery_on_every_rocks_page_read_from_the_corpus(case):
    headers = [(h["name"], h["value"]) for h in case["headers"]]
    found = discover_endpoint(case["url"], headers, _case_html(case), "text/html; charset=UTF-8")
    assert found == case["expected_endpoint"]
    assert found not in case.get("wrong_endpoints", [])


def test_corpus_has_the_23_discovery_cases():
    assert sorted(c["id"] for c in CASES) == list(range(1, 24))


def test_link_header_with_several_values_and_quoted_commas():
    value = '<https://a.example/x,y>; rel="other webmention"; title="a, b", </rel>; rel=next'
    assert parse_link_header(value) == [
        LinkValue("https://a.example/x,y", ("other", "webmention")),
        LinkValue("/rel", ("next",)),
    ]


def test_link_header_rel_is_case_insensitive_and_malformed_values_are_skipped():
    assert parse_link_header('garbage, <x>; REL="WebMention"') == [LinkValue("x", ("webmention",))]


def test_header_wins_over_html_and_html_is_ignored_for_non_html():
    html = '<link rel="webmention" href="/from-html">'
    headers = [("Link", "</from-header>; rel=webmention")]
    assert discover_endpoint("https://t.example/p", headers, html, "text/html") == (
        "https://t.example/from-header"
    )
    assert discover_endpoint("https://t.example/p", [], html, "application/json") is None


def test_relative_endpoint_resolves_against_final_url_and_keeps_query():
    html = '<a rel="webmention" href="wm?x=1&amp;y=2">endpoint</a>'
    assert discover_endpoint("https://t.example/a/b/page", [], html, "text/html") == (
        "https://t.example/a/b/wm?x=1&y=2"
    )


def test_no_endpoint():
    assert discover_endpoint("https://t.example/", [], "<p>nothing</p>", "text/html") is None
    assert discover_endpoint("https://t.example/", [], "", "text/html") is None


@pytest.mark.parametrize(
    ("source", "target", "error"),
    [
        ("", "https://t.example/", "missing_source"),
        ("https://s.example/", None, "missing_target"),
        # the three invalid values webmention.rocks receiver test 2 sends
        ("jwoijgoisdjlskjegisvjowuehjtkx", "https://t.example/", "invalid_source"),
        ("https://s.example/", "owiejduvyeiwljjjcjmvbpsouehgd", "invalid_target"),
        ("sjuhvhwieuhtiwudcjvhuh", "https://t.example/", "invalid_source"),
        ("ftp://s.example/file", "https://t.example/", "invalid_source"),
        ("https://t.example/a", "HTTPS://T.EXAMPLE:443/a#frag", "invalid_request"),
    ],
)
def test_check_request_refusals(source, target, error):
    with pytest.raises(WebmentionError) as caught:
        check_request(source, target)
    assert caught.value.error == error


def test_check_request_accepts_and_strips():
    assert check_request(" https://s.example/p ", "https://t.example/q\n") == (
        "https://s.example/p",
        "https://t.example/q",
    )


def test_normalize_url():
    assert normalize_url("HTTP://Example.COM:80") == "http://example.com/"
    assert normalize_url("https://e.com:8443/a?b#c") == "https://e.com:8443/a?b"


def test_source_links_to_relative_and_media_and_not_in_comments():
    target = "https://t.example/post/"
    assert source_links_to('<a href="/post/">x</a>', "text/html", "https://t.example/other", target)
    assert source_links_to(f'<img src="{target}">', "text/html", "https://s.example/", target)
    assert not source_links_to(
        f"<!-- <a href='{target}'>x</a> -->", "text/html", "https://s.example/", target
    )
    assert not source_links_to(f"<p>{target}</p>", "text/html", "https://s.example/", target)
    assert source_links_to(f"see {target}", "text/plain", "https://s.example/", target)
    assert not source_links_to(b"\x89PNG", "image/png", "https://s.example/", target)


def test_delete_test_page_is_not_gone_and_advertises_its_keyed_endpoint():
    tests = json.loads((CORPUS / "webmention" / "update-delete-receiver-tests.json").read_text())
    delete = tests["delete"][0]
    assert not is_gone_page(delete["html"], "text/html")
    found = discover_endpoint("https://webmention.rocks/delete/1", [], delete["html"], "text/html")
    assert found == "https://webmention.rocks/delete/1/webmention?key={ONE_TIME_KEY}"


def test_meta_http_equiv_410_means_gone():
    page = '<html><head><meta http-equiv="Status" content="410 Gone"></head><body></body></html>'
    assert is_gone_page(page, "text/html")
    assert not is_gone_page(page.replace("410", "200"), "text/html")
    assert not is_gone_page(page, "text/plain")


def test_links_in_keeps_order_drops_fragments_and_duplicates():
    html = '<a href="/a#x">a</a> <a href="https://o.example/b">b</a> <a href="/a">again</a> <a href="#top">t</a> <a href="mailto:x@y">m</a>'
    assert links_in(html, "https://me.example/post/") == [
        "https://me.example/a",
        "https://o.example/b",
    ]
