"""Plain-text web addresses in comments become links (rel="nofollow ugc"): imported from
WordPress, typed on the site, and already stored (the data migration 0004)."""

from __future__ import annotations

import importlib
import io

import lxml.html
import pytest
from django.apps import apps

from plnet.conversation import services
from plnet.conversation.models import Comment
from plnet.publishing.wordpress import import_wxr
from tests.publishing.test_wordpress_import import comment_xml, generated

pytestmark = pytest.mark.django_db
REL = "nofollow ugc noopener noreferrer"


def links(html: str) -> list[tuple[str, str, str]]:
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    return [(a.get("href"), a.get("rel"), a.text_content()) for a in doc.iter("a")]


def test_imported_comment_addresses_become_links():
    text = (
        "I wrote more at http://blog.example.net/2019/reply and on "
        "<a href='https://linked.example.com/'>my site</a>; not javascript:alert(1)."
    )
    import_wxr(io.BytesIO(generated(comment_xml(1, "1", content=text))))
    comment = Comment.objects.get(wp_comment_id=1)
    assert links(comment.content) == [
        ("http://blog.example.net/2019/reply", REL, "http://blog.example.net/2019/reply"),
        ("https://linked.example.com/", REL, "my site"),
    ]
    assert comment.raw_content == text  # what WordPress had is kept as it was


def test_typed_comment_addresses_become_links(post, rules):
    new = services.NewComment(
        post=post, text="My notes: https://notes.example.org/learning", name="Bo",
        email="bo@example.net",
    )  # fmt: skip
    comment = services.submit_comment(new)
    assert links(comment.content) == [
        ("https://notes.example.org/learning", REL, "https://notes.example.org/learning")
    ]


def test_the_data_migration_links_stored_comments(make_comment):
    stored = make_comment(
        content="<p>Old: http://old.example.org/x and javascript:alert(1)</p>", raw_content="Old"
    )
    untouched = make_comment(content="<p>No address.</p>")
    migration = importlib.import_module("plnet.conversation.migrations.0004_linkify_comment_urls")
    migration.linkify_stored(apps, None)
    stored.refresh_from_db()
    assert stored.content == (
        f'<p>Old: <a href="http://old.example.org/x" rel="{REL}">http://old.example.org/x</a>'
        " and javascript:alert(1)</p>"
    )
    assert Comment.objects.get(pk=untouched.pk).content == "<p>No address.</p>"
