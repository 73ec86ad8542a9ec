"""Attachment pages, as WordPress serves them: `/?attachment_id=N` and the attachment's old link
answer 301 to its page here; the page shows title, caption, description, the image (or a link to
the file) and a link to the post it belongs to."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape
from urllib.parse import urlsplit

import pytest

from plnet.publishing.models import Attachment, Post
from plnet.publishing.wordpress import import_wxr
from tests.conftest import CORPUS

pytestmark = pytest.mark.django_db

WXR = CORPUS / "wxr"
MYTHZ = WXR / "real-blogs/mythz-blog-wordpress-3.3.1-wxr1.1.xml"
THEME = WXR / "theme-test-data/themeunittestdata.wordpress.xml"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT = "{http://wordpress.org/export/1.1/excerpt/}encoded"


def items_by_id(path) -> dict[str, ET.Element]:
    """Every <item> of the export by its wp:post_id (read with ElementTree, not plnet)."""
    found = {}
    for item in ET.parse(path).getroot().iter("item"):
        for child in item:
            if child.tag.endswith("}post_id"):
                found[child.text.strip()] = item
    return found


def wp(item, name: str) -> str:
    for child in item:
        if child.tag.endswith("}" + name):
            return (child.text or "").strip()
    return ""


def text_of(item, suffix: str) -> str:
    for child in item:
        if child.tag.endswith(suffix):
            return (child.text or "").strip()
    return ""


def test_attachment_id_answers_301_to_the_page_that_shows_it(client):
    import_wxr(MYTHZ)
    items = items_by_id(MYTHZ)
    item = items["84"]
    parent = items[wp(item, "post_parent")]
    response = client.get("/?attachment_id=84")
    attachment = Attachment.objects.get(wp_post_id=84)
    assert response.status_code == 301
    assert response["Location"] == f"/attachment/{attachment.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f"<h1>{escape(item.findtext('title').strip())}</h1>" in html
    image_url = wp(item, "attachment_url")
    assert f'<img src="{image_url}"' in html
    caption = text_of(item, "excerpt/}encoded")
    assert caption == "Download Mflow"
    assert f"<figcaption>{caption}</figcaption>" in html
    post = Post.objects.get(wp_post_id=int(wp(parent, "post_id")))
    title = parent.findtext("title").strip()
    assert f'Attached to <a href="{post.get_absolute_url()}">{escape(title)}</a>' in html


def test_the_old_link_of_an_attachment_answers_301_to_its_page(client):
    import_wxr(THEME)
    item = items_by_id(THEME)["611"]
    old_path = urlsplit(item.findtext("link").strip()).path
    attachment = Attachment.objects.get(wp_post_id=611)
    response = client.get(old_path)
    assert response.status_code == 301
    assert response["Location"] == attachment.get_absolute_url()
    # The query-string form of the old site under a sub-folder works too.
    import_wxr(MYTHZ)
    mythz = items_by_id(MYTHZ)["84"]
    parts = urlsplit(mythz.findtext("link").strip())
    response = client.get(parts.path, dict([parts.query.split("=")]))
    assert response.status_code == 301
    assert response["Location"] == Attachment.objects.get(wp_post_id=84).get_absolute_url()


def test_the_page_shows_the_caption_as_html_and_the_description(client):
    import_wxr(THEME)
    item = items_by_id(THEME)["611"]
    attachment = Attachment.objects.get(wp_post_id=611)
    html = client.get(attachment.get_absolute_url()).content.decode()
    first_words = " ".join(text_of(item, "excerpt/}encoded").split()[:6])
    assert first_words.startswith("Lorem ipsum dolor sit amet")
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S).group(1)
    assert " ".join(caption.split()).startswith(first_words)


def test_a_file_that_is_not_an_image_gets_a_link(client):
    attachment = Attachment.objects.create(
        title="Slides", url="https://old.example/wp-content/uploads/2011/02/talk.pdf",
        mime_type="application/pdf", description="<p>The <em>slides</em>.</p>",
    )  # fmt: skip
    html = client.get(attachment.get_absolute_url()).content.decode()
    assert "<img" not in html.split("<main", 1)[-1]
    assert (
        '<a href="https://old.example/wp-content/uploads/2011/02/talk.pdf">'
        "Open the file (application/pdf)</a>"
    ) in html
    assert '<div class="description"><p>The <em>slides</em>.</p></div>' in html


def test_attachments_of_a_draft_are_missing(client):
    draft = Post.objects.create(title="Secret", status=Post.Status.DRAFT)
    attachment = Attachment.objects.create(
        post=draft, url="https://old.example/a.png", mime_type="image/png", wp_post_id=7
    )
    assert client.get(attachment.get_absolute_url()).status_code == 404
    assert client.get("/?attachment_id=7").status_code == 200  # the home page, no redirect
    assert client.get("/?attachment_id=99").status_code == 200
