"""Fixtures for the reader: members, and feeds served from the loopback test server."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS

RSS = "application/rss+xml"
ATOM = "application/atom+xml"


def rss(items: list[tuple[str, str, str]], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 document from (guid, title, pubDate) triples."""
    body = "".join(
        f"<item><guid>{guid}</guid><title>{t}</title><link>https://example.org/{guid}</link>"
        f"<pubDate>{date}</pubDate><description>&lt;p&gt;About {t}&lt;/p&gt;</description></item>"
        for guid, t, date in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://example.org/</link>{body}</channel></rss>"
    ).encode()


def corpus_bytes(relative: str) -> bytes:
    return (CORPUS / relative).read_bytes()


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user("ada", password="pw-ada-12345", display_name="Ada")


@pytest.fixture
def other_member(django_user_model):
    return django_user_model.objects.create_user("bob", password="pw-bob-12345")
