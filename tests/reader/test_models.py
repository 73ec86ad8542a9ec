"""Reader models: the source lifecycle, the due/followed querysets, entry marks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from plnet.reader.models import ApiToken, Entry, EntryState, Source, Subscription

pytestmark = pytest.mark.django_db


def test_source_lifecycle_allows_only_its_transitions():
    source = Source(url="https://x.example/feed")
    source.move_to(Source.State.ERROR, "HTTP 500")
    assert (source.state, source.last_error) == ("error", "HTTP 500")
    source.move_to(Source.State.OK)
    assert (source.state, source.last_error) == ("ok", "")
    source.move_to(Source.State.GONE, "HTTP 410")
    with pytest.raises(ValueError, match="a gone source cannot become ok"):
        source.move_to(Source.State.OK)
    source.move_to(Source.State.NEW)
    assert source.state == "new"


def test_due_excludes_gone_and_future_sources(member):
    now = timezone.now()
    due = Source.objects.create(url="https://a.example/", next_fetch_at=now - timedelta(seconds=1))
    Source.objects.create(url="https://b.example/", next_fetch_at=now + timedelta(hours=1))
    Source.objects.create(url="https://c.example/", next_fetch_at=now, state=Source.State.GONE)
    assert list(Source.objects.due(now)) == [due]
    assert list(Source.objects.followed()) == []
    Subscription.objects.create(user=member, source=due)
    Subscription.objects.create(user=member.__class__.objects.create(username="z"), source=due)
    assert list(Source.objects.followed()) == [due]


def test_entry_querysets_per_member(member, other_member):
    source = Source.objects.create(url="https://a.example/")
    Subscription.objects.create(user=member, source=source)
    e1 = Entry.objects.create(source=source, dedup_key="1", published_at=timezone.now())
    e2 = Entry.objects.create(
        source=source, dedup_key="2", published_at=timezone.now() - timedelta(days=1)
    )
    EntryState.objects.create(user=member, entry=e1, read=True, starred=True)
    EntryState.objects.create(user=other_member, entry=e2, read=True)
    assert list(Entry.objects.for_user(member).newest_first()) == [e1, e2]
    assert list(Entry.objects.for_user(other_member)) == []
    assert list(Entry.objects.unread_by(member)) == [e2]
    assert list(Entry.objects.starred_by(member)) == [e1]


def test_api_token_hash_is_sha256():
    assert (
        ApiToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
