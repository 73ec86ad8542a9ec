""" "Mark all as read up to here" at the bottom of the river: the entries shown above the button
(this page, and every newer entry of the same filter) become read; the older ones, not yet seen,
stay unread. Driven through the river page's own form, with the expected entries computed here
from the data, not from the river's code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.urls import reverse

from plnet.reader import search
from plnet.reader.models import Entry, EntryState, Folder, Person, Source, Subscription
from plnet.reader.river import PAGE_SIZE

pytestmark = pytest.mark.django_db

BASE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def big_network(member):
    """Three sources: A under person Doug (folder Engineering), B in Engineering through its
    subscription, C in no folder; 200 entries interleaved in time (80 in A and in B, 40 in C; pairs
    share a timestamp), every seventh one already read; two in three mention "kestrel"."""
    eng = Folder.objects.create(user=member, name="Engineering")
    doug = Person.objects.create(user=member, name="Doug", folder=eng)
    sources = {
        name: Source.objects.create(url=f"https://{name}.example/feed", title=f"Source {name}")
        for name in "abc"
    }
    Subscription.objects.create(user=member, source=sources["a"], person=doug)
    Subscription.objects.create(user=member, source=sources["b"], folder=eng)
    Subscription.objects.create(user=member, source=sources["c"])
    entries = Entry.objects.bulk_create(
        Entry(
            source=sources["aabbc"[i % 5]],
            dedup_key=f"e{i}",
            title=f"Entry {i}" + (" kestrel" if i % 3 else ""),
            link=f"https://x.example/{i}",
            excerpt="words",
            published_at=BASE + timedelta(minutes=i // 2),
        )  # fmt: skip
        for i in range(200)
    )
    search.index_entries(Entry.objects.all())
    EntryState.objects.bulk_create(
        EntryState(user=member, entry=e, read=True) for e in entries[::7]
    )
    return {"sources": sources, "doug": doug, "eng": eng}


def unread_ids(member) -> set[int]:
    read = set(EntryState.objects.filter(user=member, read=True).values_list("entry_id", flat=True))
    return set(Entry.objects.values_list("id", flat=True)) - read


def expected_marked(member, shown_last: Entry, keep) -> set[int]:
    """Unread entries passing `keep` that are at or above `shown_last` in newest-first order."""
    unread = unread_ids(member)
    last = (shown_last.published_at, shown_last.pk)
    return {
        e.pk
        for e in Entry.objects.select_related("source")
        if e.pk in unread and keep(e) and (e.published_at, e.pk) >= last
    }


def click_mark_up_to_here(client, params: dict):
    """Open the river with `params`, send its "Mark all as read up to here" form as a browser
    would; returns (entries shown, the message shown after the redirect)."""
    page = client.get(reverse("reader:river"), params)
    shown = page.context["page"].entries
    html = page.content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" class="mark-all">(.*?)</form>', html, re.S
    )
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[2]
        )
    }
    response = client.post(unescape(form[1]), fields, follow=True)
    return shown, [str(m) for m in response.context["messages"]]


def river_params_after(client, params: dict) -> dict:
    """`params` plus the cursor of the river's second page."""
    first = client.get(reverse("reader:river"), params).context["page"]
    assert first.next_cursor, "the case must have a second page"
    return {**params, "after": first.next_cursor}


def in_sources(*names):
    return lambda e: e.source.url.split("//")[1][0] in names


CASES = {
    "unread only": ({"unread": "true"}, lambda e: True),
    "whole river": ({}, lambda e: True),
    "folder, unread only": ({"folder": "eng", "unread": "true"}, in_sources("a", "b")),
    "person": ({"person": "doug"}, in_sources("a")),
    "source, unread only": ({"source": "b", "unread": "true"}, in_sources("b")),
    "search": ({"q": "kestrel"}, lambda e: "kestrel" in e.title),
}


def _resolve(params: dict, net) -> dict:
    ids = {"eng": net["eng"].pk, "doug": net["doug"].pk, "b": net["sources"]["b"].pk}
    return {k: ids.get(v, v) for k, v in params.items()}


@pytest.mark.parametrize("second_page", [False, True], ids=["page 1", "page 2"])
@pytest.mark.parametrize("case", CASES)
def test_mark_up_to_here_marks_what_was_shown_and_newer_only(
    client, member, big_network, case, second_page
):
    client.force_login(member)
    params, keep = CASES[case]
    params = _resolve(params, big_network)
    if second_page:
        params = river_params_after(client, params)
    before = unread_ids(member)
    shown = client.get(reverse("reader:river"), params).context["page"].entries
    assert shown, "the case must show entries"
    expected = expected_marked(member, shown[-1], keep)

    shown_again, messages = click_mark_up_to_here(client, params)

    assert [e.pk for e in shown_again] == [e.pk for e in shown]
    assert {e.pk for e in shown if not e.is_read} <= expected
    assert unread_ids(member) == before - expected
    assert messages == [f"Marked {len(expected)} entries as read."]


def test_the_unread_river_then_shows_the_next_unseen_entries(client, member, big_network):
    """The tester's case: 200 - 29 read = 171 unread; 50 shown and marked, 121 left, and the
    reloaded unread river shows none of the 50 again."""
    client.force_login(member)
    assert len(unread_ids(member)) == 171
    shown, messages = click_mark_up_to_here(client, {"unread": "true"})
    assert len(shown) == PAGE_SIZE and messages == ["Marked 50 entries as read."]
    assert len(unread_ids(member)) == 121
    again = client.get(reverse("reader:river"), {"unread": "true"}).context["page"].entries
    assert len(again) == PAGE_SIZE and not {e.pk for e in again} & {e.pk for e in shown}
    newest_unseen = max((e.published_at, e.pk) for e in again)
    assert newest_unseen < min((e.published_at, e.pk) for e in shown)


def test_one_entry_marked_says_entry(client, member, big_network):
    client.force_login(member)
    newest = Entry.objects.order_by("-published_at", "-id").first()
    up_to = f"{newest.published_at.isoformat()}|{newest.pk}"
    response = client.post(reverse("reader:mark_all_read"), {"up_to": up_to}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Marked 1 entry as read."]
