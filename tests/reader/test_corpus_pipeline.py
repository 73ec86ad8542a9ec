"""Every feed of the corpus through the whole pipeline (parse, sanitise, dedup, store): no
unhandled error, and each source ends in a clear state — ok with its entries, or error with a
sentence — counted against an independent reading of which files are feeds."""

from __future__ import annotations

import pytest

from plnet.protocols.feeds import FeedError, parse_feed
from plnet.reader.models import Entry, Source
from plnet.reader.services import Download, apply_download
from tests.conftest import CORPUS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FEEDS = CORPUS / "feeds"


def corpus_files():
    return [
        p
        for p in sorted(FEEDS.rglob("*"))
        if p.is_file() and not p.name.endswith((".serde.json", "INDEX.json"))
    ]


def test_every_corpus_feed_through_the_pipeline():
    files = corpus_files()
    assert len(files) > 2000
    sources = Source.objects.bulk_create(
        Source(url=f"https://corpus.example/{i}/{p.name}") for i, p in enumerate(files)
    )
    expected_entries = 0
    for source, path in zip(sources, files, strict=True):
        result = Download(url=source.url, status=200, final_url=source.url)
        try:
            result.feed = parse_feed(path.read_bytes(), source.url)
            expected_entries += len({e.dedup_key for e in result.feed.entries})
        except FeedError as exc:
            result.error = str(exc)
        apply_download(source, result)
    states = dict(Source.objects.values_list("url", "state"))
    assert set(states.values()) <= {"ok", "error"}
    errors = Source.objects.filter(state="error")
    assert all(s.last_error for s in errors)
    assert Entry.objects.count() == expected_entries
    broken = Source.objects.get(url__endswith="/rss_2.0_invalid_1.xml")
    assert broken.state == "error" and "broken" in broken.last_error
