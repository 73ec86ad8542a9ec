"""plnet.protocols.microformats: the response type, author and content found in a source page."""

import json

import pytest

from plnet.protocols.microformats import Author, parse_source
from tests.conftest import CORPUS

TARGET = "https://me.example/2024/01/02/post/"


def _entry(prop: str, extra: str = "") -> str:
    return f"""<html><body><article class="h-entry">
      <span class="p-author h-card"><img class="u-photo" src="/me.jpg" alt="">
        <a class="u-url p-name" href="https://alice.example/">Alice</a></span>
      <a class="{prop}" href="{TARGET}">the post</a>
      <div class="e-content"><p>Nice <b>post</b>!</p></div>{extra}
    </article></body></html>"""


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
def test_each_post_type(prop, kind):
    entry = parse_source(_entry(prop), "https://alice.example/notes/1", TARGET)
    assert entry.kind == kind
    assert entry.author == Author("Alice", "https://alice.example/me.jpg", "https://alice.example/")
    assert entry.content_html.strip() == "<p>Nice <b>post</b>!</p>"


def test_reply_to_a_comment_keeps_the_fragment():
    html = _entry("u-in-reply-to").replace(TARGET, TARGET + "#comment-7")
    entry = parse_source(html, "https://alice.example/notes/1", TARGET)
    assert (entry.kind, entry.responds_to) == ("reply", TARGET + "#comment-7")


def test_authorship_falls_back_to_the_page_h_card():
    html = f"""<div class="h-card"><a class="u-url p-name" href="https://bob.example/">Bob</a></div>
    <div class="h-entry"><a class="u-like-of" href="{TARGET}">liked</a></div>"""
    entry = parse_source(html, "https://bob.example/likes/3", TARGET)
    assert entry.kind == "like"
    assert entry.author.name == "Bob"
    assert entry.author.url == "https://bob.example/"


def test_page_without_microformats_is_a_mention():
    entry = parse_source(f'<p>see <a href="{TARGET}">this</a></p>', "https://c.example/", TARGET)
    assert entry.kind == "mention"
    assert entry.author == Author()


def test_webmention_rocks_receiver_source_is_a_reply():
    tests = json.loads((CORPUS / "webmention" / "update-delete-receiver-tests.json").read_text())
    html = tests["receiver"][0]["source_post_html"].replace("{YOUR_POST_URL}", TARGET)
    entry = parse_source(html, "https://webmention.rocks/receive/1/abc", TARGET)
    assert entry.kind == "reply"
    assert entry.name == "Receiver Test #1"
    assert entry.author.photo == "https://webmention.rocks/assets/webmention-rocks-icon.png"
    assert "accept a Webmention request" in entry.content_html


def test_never_fetches_even_for_empty_documents():
    assert parse_source("", "https://c.example/", TARGET).kind == "mention"
    assert parse_source(b"", "https://c.example/", TARGET).kind == "mention"
