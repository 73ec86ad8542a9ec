"""The reader's pages over HTTP: the river with its filters and read state, sources, people,
folders, OPML upload/download, sharing, tokens — each checked in the database afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from plnet.publishing.models import Post
from plnet.reader.actions import create_token
from plnet.reader.models import (
    ApiToken,
    Entry,
    EntryState,
    Folder,
    Person,
    Share,
    Source,
    Subscription,
)
from tests.reader.conftest import RSS, corpus_bytes, rss

pytestmark = pytest.mark.django_db

BASE = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def network(member):
    """Two sources followed by the member (one under a person in a folder), 5 entries each."""
    folder = Folder.objects.create(user=member, name="Edtech")
    person = Person.objects.create(user=member, name="Doug", folder=folder)
    a = Source.objects.create(url="https://a.example/feed", title="Source A")
    b = Source.objects.create(url="https://b.example/feed", title="Source B")
    Subscription.objects.create(user=member, source=a, person=person)
    Subscription.objects.create(user=member, source=b)
    for i in range(5):
        for src in (a, b):
            Entry.objects.create(
                source=src, dedup_key=f"{src.pk}-{i}", title=f"{src.title} entry {i}",
                link=f"https://{src.url[8:9]}.example/{i}", excerpt=f"words {i}",
                published_at=BASE + timedelta(hours=i, minutes=src.pk),
            )  # fmt: skip
    return {"a": a, "b": b, "person": person, "folder": folder}


def titles(response) -> list[str]:
    return [e.title for e in response.context["page"].entries]


def test_river_requires_sign_in(client):
    response = client.get(reverse("reader:river"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_river_is_newest_first_and_shows_source_and_person(client, member, network):
    client.force_login(member)
    response = client.get(reverse("reader:river"))
    assert titles(response)[:3] == ["Source B entry 4", "Source A entry 4", "Source B entry 3"]
    html = response.content.decode()
    assert '<span class="person p-author">Doug</span>' in html
    assert 'href="https://a.example/4"' in html


def test_river_filters_by_person_folder_and_source(client, member, network):
    client.force_login(member)
    by_person = titles(client.get(reverse("reader:river"), {"person": network["person"].pk}))
    by_folder = titles(client.get(reverse("reader:river"), {"folder": network["folder"].pk}))
    by_source = titles(client.get(reverse("reader:river"), {"source": network["b"].pk}))
    assert by_person == by_folder == [f"Source A entry {i}" for i in range(4, -1, -1)]
    assert by_source == [f"Source B entry {i}" for i in range(4, -1, -1)]


def test_another_members_entries_never_show(client, member, other_member, network):
    client.force_login(other_member)
    assert titles(client.get(reverse("reader:river"))) == []
    entry = Entry.objects.first()
    assert client.get(reverse("reader:entry", args=[entry.pk])).status_code == 404
    response = client.post(reverse("reader:entry_mark", args=[entry.pk]), {"read": "1"})
    assert response.status_code == 404 and not EntryState.objects.exists()


def test_read_and_star_marks_and_unread_filter(client, member, network):
    client.force_login(member)
    entry = Entry.objects.get(title="Source A entry 4")
    client.post(reverse("reader:entry_mark", args=[entry.pk]), {"read": "1", "next": "/reader/"})
    response = client.post(
        reverse("reader:entry_mark", args=[entry.pk]),
        {"starred": "1"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"id": entry.pk, "read": True, "starred": True}
    unread = titles(client.get(reverse("reader:river"), {"unread": "true"}))
    assert len(unread) == 9 and "Source A entry 4" not in unread
    assert titles(client.get(reverse("reader:river"), {"starred": "true"})) == ["Source A entry 4"]


def test_mark_all_read_up_to_here(client, member, network):
    client.force_login(member)
    target = Entry.objects.get(title="Source B entry 2")
    up_to = f"{target.published_at.isoformat()}|{target.pk}"
    response = client.post(
        reverse("reader:mark_all_read"), {"up_to": up_to, "source": network["b"].pk}
    )
    assert response.status_code == 302
    read = set(
        EntryState.objects.filter(user=member, read=True).values_list("entry__title", flat=True)
    )
    assert read == {"Source B entry 4", "Source B entry 3", "Source B entry 2"}  # shown above


def test_keyset_pagination_pages_through_everything(client, member, network, monkeypatch):
    monkeypatch.setattr("plnet.reader.river.PAGE_SIZE", 4)
    from plnet.reader import river

    client.force_login(member)
    seen, params = [], {}
    for _ in range(5):
        page = river.river(member, river.RiverFilter.from_params(params), limit=4)
        seen += [e.title for e in page.entries]
        if not page.next_cursor:
            break
        params = {"after": page.next_cursor}
    expected = list(Entry.objects.order_by("-published_at", "-id").values_list("title", flat=True))
    assert seen == expected and len(seen) == 10


def test_full_text_search(client, member, network):
    e = Entry.objects.get(title="Source A entry 1")
    e.title = "Connectivism and networked learning"
    e.save()
    from plnet.reader import search

    search.index_entries(Entry.objects.all())
    client.force_login(member)
    assert titles(client.get(reverse("reader:river"), {"q": "networked"})) == [e.title]
    assert titles(client.get(reverse("reader:river"), {"q": 'networked" OR "entry'})) == []
    assert titles(client.get(reverse("reader:river"), {"q": "NEAR(*"})) == []


def test_bad_filter_is_a_400_not_a_crash(client, member, network):
    client.force_login(member)
    assert client.get(reverse("reader:river"), {"after": "nonsense"}).status_code == 400
    assert client.get(reverse("reader:river"), {"person": "x"}).status_code == 400


def test_share_publishes_a_bookmark_post_via_the_person(
    client, member, network, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("plnet.linkbacks.services.send_linkbacks_for_post", sent.append)
    client.force_login(member)
    entry = Entry.objects.get(title="Source A entry 3")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reader:entry", args=[entry.pk]), {"note": "Worth *reading* <script>x</script>"}
        )
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert (post.status, post.post_type, post.body_format, post.author) == (
        "published",
        "post",
        "html",
        member,
    )
    assert "<em>reading</em>" in post.content_html and "<script>" not in post.content_html
    assert 'class="h-cite u-bookmark-of"' in post.content_html
    assert 'href="https://a.example/3"' in post.content_html
    assert "via Doug" in post.content_html
    share = Share.objects.get()
    assert (share.entry, share.post, share.via) == (entry, post, network["person"])
    assert Post.objects.published().filter(pk=post.pk).exists()
    assert sent == [post.pk]  # publishing's on_post_published hook sends the Webmentions


def test_sources_page_shows_state_and_last_error(client, member, network):
    network["b"].move_to(Source.State.ERROR, "the server answered HTTP 500")
    network["b"].save()
    client.force_login(member)
    html = client.get(reverse("reader:sources")).content.decode()
    assert "the server answered HTTP 500" in html and "Source A" in html


@pytest.mark.usefixtures("allow_loopback_fetch")
def test_subscribe_form_with_person_and_folder(client, member, local_server):
    local_server.routes["/feed"] = (
        200,
        {"Content-Type": RSS},
        rss([("x", "X", "Tue, 03 Mar 2015 10:00:00 GMT")]),
    )
    client.force_login(member)
    client.post(
        reverse("reader:subscribe"),
        {"url": local_server.url("/feed"), "person": "Ton", "folder": "Blogs"},
    )
    sub = Subscription.objects.get()
    assert (sub.person.name, sub.folder.name, sub.source.entries.count()) == ("Ton", "Blogs", 1)


@pytest.mark.usefixtures("allow_loopback_fetch")
def test_subscribe_form_reports_a_clear_error(client, member, local_server):
    local_server.routes["/"] = (200, {"Content-Type": "text/html"}, b"<html><body>hi</body></html>")
    client.force_login(member)
    response = client.post(reverse("reader:subscribe"), {"url": local_server.url("/")}, follow=True)
    assert (
        f"No feed found at {local_server.url('/')}: the page has no "
        "&lt;link rel=&quot;alternate&quot;&gt; to a feed"
    ) in response.content.decode()
    assert not Subscription.objects.exists()


def test_refresh_now_makes_the_source_due(client, member, network, monkeypatch):
    calls = []
    monkeypatch.setattr("plnet.reader.services.fetch_source", lambda pk, **kw: calls.append(pk))
    network["a"].move_to(Source.State.GONE, "gone")
    network["a"].save()
    sub = Subscription.objects.get(source=network["a"])
    client.force_login(member)
    client.post(reverse("reader:refresh", args=[sub.pk]))
    network["a"].refresh_from_db()
    assert network["a"].state == "new"


def test_people_and_folders_pages(client, member):
    client.force_login(member)
    client.post(reverse("reader:folders"), {"name": "Friends"})
    folder = Folder.objects.get(user=member)
    client.post(
        reverse("reader:people"),
        {
            "name": "Ton",
            "url": "https://zylstra.example",
            "note": "met at a conf",
            "folder": folder.pk,
        },
    )
    person = Person.objects.get(user=member)
    assert (person.name, person.folder, person.note) == ("Ton", folder, "met at a conf")
    response = client.post(reverse("reader:people"), {"name": "Ton"})
    assert "already have one called" in response.content.decode()
    assert Person.objects.count() == 1


def test_opml_upload_and_download_round_trip(client, member):
    client.force_login(member)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "x.opml", corpus_bytes("opml/awesome-rss-feeds/countries_with_category_Japan.opml")
    )
    response = client.post(reverse("reader:opml_import"), {"file": upload}, follow=True)
    html = response.content.decode()
    assert (
        "OPML import: Added 8 sources in 1 folder. 8 new sources queued: the first fetch happens "
        "within a minute, and their entries then appear in your river.</"
    ) in html
    assert html.count("queued: the first fetch happens within a minute</span>") == 8
    assert Subscription.objects.filter(user=member).count() == 8
    response = client.get(reverse("reader:opml_export"))
    assert response["Content-Type"].startswith("text/x-opml")
    from plnet.protocols.opml import parse_opml

    back = parse_opml(response.content)
    assert sorted(o.url for o in back.outlines) == sorted(
        Source.objects.values_list("url", flat=True)
    )
    assert back.folders == ["Japan"]


def test_settings_page_creates_a_token_shown_once(client, member):
    client.force_login(member)
    response = client.post(reverse("reader:settings"), {"name": "my app"})
    token = response.context["new_token"]
    assert token.startswith("plnet_") and token in response.content.decode()
    row = ApiToken.objects.get(user=member)
    assert row.token_hash == ApiToken.hash(token) and token not in row.token_hash
    assert token not in client.get(reverse("reader:settings")).content.decode()


def test_titles_are_escaped_in_the_river_and_its_source_filter(client, member, network):
    network["a"].title = '<script>alert("x")</script>'
    network["a"].save()
    Entry.objects.filter(source=network["a"]).update(title="<img src=x onerror=alert(1)>")
    client.force_login(member)
    html = client.get(reverse("reader:river")).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; (5 unread)</option>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_edit_a_subscription_and_unfollow(client, member, network, other_member):
    sub = Subscription.objects.get(source=network["b"])
    client.force_login(member)
    assert client.get(reverse("reader:subscription", args=[sub.pk])).status_code == 200
    client.post(
        reverse("reader:subscription", args=[sub.pk]),
        {"title": "My B", "person": network["person"].pk, "folder": network["folder"].pk},
    )
    sub.refresh_from_db()
    assert (sub.title, sub.person, sub.folder) == ("My B", network["person"], network["folder"])
    stranger_folder = Folder.objects.create(user=other_member, name="Theirs")
    response = client.post(
        reverse("reader:subscription", args=[sub.pk]), {"folder": stranger_folder.pk}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    client.post(reverse("reader:unsubscribe", args=[sub.pk]))
    assert not Subscription.objects.filter(pk=sub.pk).exists()
    assert Source.objects.filter(pk=network["b"].pk).exists()  # other members may follow it


def test_another_members_subscription_person_and_folder_are_404(client, other_member, network):
    client.force_login(other_member)
    sub = Subscription.objects.first()
    assert client.get(reverse("reader:subscription", args=[sub.pk])).status_code == 404
    assert client.post(reverse("reader:unsubscribe", args=[sub.pk])).status_code == 404
    assert client.post(reverse("reader:refresh", args=[sub.pk])).status_code == 404
    assert client.get(reverse("reader:person", args=[network["person"].pk])).status_code == 404
    client.post(reverse("reader:folders"), {"delete": network["folder"].pk})
    assert Folder.objects.filter(pk=network["folder"].pk).exists()


def test_edit_and_remove_a_person(client, member, network):
    client.force_login(member)
    url = reverse("reader:person", args=[network["person"].pk])
    assert "Doug" in client.get(url).content.decode()
    client.post(url, {"name": "Doug B", "url": "", "note": "blogs since 2003"})
    network["person"].refresh_from_db()
    assert (network["person"].name, network["person"].note) == ("Doug B", "blogs since 2003")
    client.post(url, {"delete": "1"})
    assert not Person.objects.exists()
    assert Subscription.objects.filter(source=network["a"], person=None).exists()


def test_revoke_a_token(client, member):
    from plnet.reader.actions import create_token

    row, token = create_token(member, "old")
    client.force_login(member)
    client.post(reverse("reader:settings"), {"revoke": row.pk})
    assert not ApiToken.objects.exists()
    assert client.get("/api/v1/sources", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_entry_page_shows_sanitised_content_and_marks_it_read(client, member, network):
    entry = Entry.objects.get(title="Source A entry 0")
    entry.content_html = (
        '<p>Safe <a href="https://x.example/" rel="noopener noreferrer nofollow">link</a></p>'
    )
    entry.save()
    client.force_login(member)
    html = client.get(reverse("reader:entry", args=[entry.pk])).content.decode()
    assert '<div class="e-content"><p>Safe <a href="https://x.example/"' in html
    assert EntryState.objects.get(user=member, entry=entry).read is True


def test_full_text_search_finds_words_inside_cjk_and_thai_runs(client, member, network):
    ja = Entry.objects.get(title="Source A entry 1")
    ja.title, ja.content_html = "学びのノート", "<p>私は日本語を勉強しています。networked</p>"
    ja.save()
    th = Entry.objects.get(title="Source A entry 2")
    th.content_html = "<p>ผมเรียนภาษาไทยทุกวัน</p>"
    th.save()
    from plnet.reader import search

    search.index_entries(Entry.objects.all())
    client.force_login(member)
    river = reverse("reader:river")
    assert titles(client.get(river, {"q": "日本"})) == [ja.title]
    assert titles(client.get(river, {"q": "日本 networked"})) == [ja.title]
    assert titles(client.get(river, {"q": "日本 entry"})) == []
    assert titles(client.get(river, {"q": "ノート"})) == [ja.title]
    assert titles(client.get(river, {"q": "เรียน"})) == [th.title]
    assert titles(client.get(river, {"q": "大阪"})) == []
    assert titles(client.get(river, {"q": "日_本%"})) == []


@pytest.mark.parametrize("value", ["abc", "-1", "9999999999", "99999999999999999999999", "1.5"])
def test_bad_token_id_to_revoke_is_a_400_with_the_page_again(client, member, value):
    client.force_login(member)
    create_token(member, "keep")
    response = client.post(reverse("reader:settings"), {"revoke": value})
    assert response.status_code == 400
    assert "There is no such token to revoke." in response.content.decode()
    assert ApiToken.objects.filter(user=member).count() == 1


@pytest.mark.parametrize("value", ["abc", "-1", "9999999999", "0"])
def test_bad_folder_id_to_delete_is_a_400_with_the_page_again(client, member, value):
    client.force_login(member)
    Folder.objects.create(user=member, name="Keep")
    response = client.post(reverse("reader:folders"), {"delete": value})
    assert response.status_code == 400
    assert "There is no such folder to remove." in response.content.decode()
    assert Folder.objects.filter(user=member).count() == 1


def test_another_members_folder_is_not_removed(client, member, other_member):
    theirs = Folder.objects.create(user=other_member, name="Theirs")
    client.force_login(member)
    response = client.post(reverse("reader:folders"), {"delete": str(theirs.pk)})
    assert response.status_code == 400
    assert Folder.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    "value", ["abc", "-1", "9999999999", "//evil.example/", "https://evil.example/"]
)
def test_bad_next_after_marking_goes_back_to_the_river(client, member, network, value):
    client.force_login(member)
    entry = Entry.objects.first()
    mark = client.post(reverse("reader:entry_mark", args=[entry.pk]), {"read": "1", "next": value})
    assert (mark.status_code, mark["Location"]) == (302, reverse("reader:river"))
    assert EntryState.objects.get(user=member, entry=entry).read is True
    all_read = client.post(reverse("reader:mark_all_read"), {"next": value})
    assert (all_read.status_code, all_read["Location"]) == (302, reverse("reader:river"))
    refresh = client.post(
        reverse("reader:refresh", args=[Subscription.objects.first().pk]), {"next": value}
    )
    assert (refresh.status_code, refresh["Location"]) == (302, reverse("reader:sources"))


def test_a_local_next_is_followed(client, member, network):
    client.force_login(member)
    entry = Entry.objects.first()
    target = reverse("reader:river") + "?unread=true#entry-1"
    mark = client.post(reverse("reader:entry_mark", args=[entry.pk]), {"read": "1", "next": target})
    assert mark["Location"] == target


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"folder": "Evil"}, "There is no such folder in your reader (folder=Evil)."),
        ({"person": "-1"}, "There is no such person in your reader (person=-1)."),
        ({"person": "99999"}, "There is no such person in your reader (person=99999)."),
        ({"source": "99999999999999999999999"}, "There is no such source in your reader"),
        ({"unread": "maybe"}, "The unread filter must be true or false, not &#x27;maybe&#x27;."),
        ({"since": "2024-13-01T00:00:00Z"}, "since must be an ISO 8601 date and time"),
        ({"after": "2024-01-01T00:00:00+00:00|99999999999999999999999"}, "start again from"),
    ],
)
def test_a_bad_filter_shows_the_river_page_with_a_message_and_400(
    client, member, network, query, message
):
    client.force_login(member)
    response = client.get(reverse("reader:river"), query)
    assert response.status_code == 400
    assert [t.name for t in response.templates][:2] == ["reader/river.html", "base.html"]
    html = response.content.decode()
    assert message in html
    assert 'id="filter-error"' in html and response.context["page"].entries == []


def test_another_members_person_is_no_such_person(client, member, other_member, network):
    theirs = Person.objects.create(user=other_member, name="Theirs")
    client.force_login(member)
    response = client.get(reverse("reader:river"), {"person": theirs.pk})
    assert response.status_code == 400
    assert f"There is no such person in your reader (person={theirs.pk})." in (
        response.content.decode()
    )


def test_mark_all_read_with_a_bad_cursor_shows_the_river_with_a_message(client, member, network):
    client.force_login(member)
    response = client.post(reverse("reader:mark_all_read"), {"up_to": "nonsense"})
    assert response.status_code == 400
    assert "This page link is broken or out of date" in response.content.decode()
    assert not EntryState.objects.filter(user=member).exists()


def _untitled(network, excerpt: str) -> Entry:
    return Entry.objects.create(
        source=network["a"], dedup_key="note", link="http://127.0.0.1:8765/site/note2.html",
        excerpt=excerpt, published_at=datetime(2024, 5, 3, 12, tzinfo=UTC),
    )  # fmt: skip


def test_sharing_an_untitled_entry_titles_the_post_with_its_first_words(client, member, network):
    entry = _untitled(
        network,
        "Spent the morning reading about connectivism, rhizomatic learning and the way networks "
        "of people teach each other.",
    )
    client.force_login(member)
    client.post(reverse("reader:entry", args=[entry.pk]), {"note": "", "share_now": ""})
    post = Post.objects.get()
    # The first words up to 70 characters, cut at a word, with an ellipsis.
    assert post.title == "Spent the morning reading about connectivism, rhizomatic learning and…"
    assert post.slug == "spent-the-morning-reading-about-connectivism-rhizomatic-learning-and"


def test_sharing_an_entry_without_title_or_text_uses_source_and_date(client, member, network):
    entry = _untitled(network, "")
    client.force_login(member)
    client.post(reverse("reader:entry", args=[entry.pk]), {"note": ""})
    post = Post.objects.get()
    assert (post.title, post.slug) == ("Source A, 3 May 2024", "source-a-3-may-2024")


def test_sharing_twice_warns_and_links_to_the_first_share_until_confirmed(client, member, network):
    entry = Entry.objects.get(title="Source A entry 3")
    url = reverse("reader:entry", args=[entry.pk])
    client.force_login(member)
    client.post(url, {"note": "first"})
    first = Post.objects.get()

    page = client.get(url).content.decode()
    assert 'id="already-shared"' in page and f'href="{first.get_absolute_url()}"' in page
    again = client.post(url, {"note": "second"})
    assert again.status_code == 200
    assert 'id="already-shared"' in again.content.decode()
    assert Post.objects.count() == 1 and Share.objects.count() == 1

    confirmed = client.post(url, {"note": "second", "again": "on"})
    second = Post.objects.exclude(pk=first.pk).get()
    assert confirmed["Location"] == second.get_absolute_url()
    assert Share.objects.count() == 2


def test_save_as_draft_keeps_the_share_private(client, member, network):
    entry = Entry.objects.get(title="Source A entry 3")
    client.force_login(member)
    response = client.post(
        reverse("reader:entry", args=[entry.pk]), {"note": "later", "save_draft": ""}
    )
    post = Post.objects.get()
    assert post.status == "draft"
    assert response["Location"] == reverse("publishing:edit", args=[post.pk])
    assert not Post.objects.published().exists()
    assert Share.objects.get().post == post
    page = client.get(reverse("reader:entry", args=[entry.pk])).content.decode()
    assert "(a draft)" in page and f'href="{response["Location"]}"' in page


def test_unread_counts_per_source_person_folder_and_in_the_nav(
    client, member, other_member, network
):
    a_entries = list(Entry.objects.filter(source=network["a"]).order_by("pk"))
    for entry in a_entries[:2]:
        EntryState.objects.create(user=member, entry=entry, read=True)
    EntryState.objects.create(user=member, entry=a_entries[2], starred=True)  # starred, unread
    Subscription.objects.create(user=other_member, source=network["b"])
    for entry in Entry.objects.filter(source=network["b"]):  # another member's reading
        EntryState.objects.create(user=other_member, entry=entry, read=True)
    client.force_login(member)
    html = client.get(reverse("reader:river")).content.decode()
    # 5 entries per source; 2 of Source A read: A 3, B 5; Doug (A) 3; Edtech (Doug's folder) 3.
    assert '">Source A (3 unread)</option>' in html
    assert '">Source B (5 unread)</option>' in html
    assert '">Doug (3 unread)</option>' in html
    assert '">Edtech (3 unread)</option>' in html
    assert '<span class="unread-total">(8 unread)</span>' in html
    folders = client.get(reverse("reader:folders")).content.decode()
    assert '<span class="unread-total">(8 unread)</span>' in folders


def test_unread_counts_cost_the_same_queries_for_2_or_12_sources(client, member, network):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(member)
    client.get(reverse("reader:river"))  # warm up the session and site preferences
    cache.clear()  # counted, not taken from the cache, both times
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("reader:river"))
    for i in range(10):
        folder = Folder.objects.create(user=member, name=f"F{i}")
        person = Person.objects.create(user=member, name=f"P{i}", folder=folder)
        source = Source.objects.create(url=f"https://s{i}.example/feed", title=f"S{i}")
        Subscription.objects.create(user=member, source=source, person=person)
        Entry.objects.create(source=source, dedup_key="1", title="x", published_at=BASE)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        html = client.get(reverse("reader:river")).content.decode()
    assert '">P7 (1 unread)</option>' in html
    assert len(large.captured_queries) == len(small.captured_queries)


def test_cached_unread_counts_follow_marks_new_entries_and_follows(member, network):
    """The counts are kept in the cache; a read mark, an entry stored by a fetch and a new
    subscription each show on the next page."""
    from plnet.protocols.feeds import parse_feed
    from plnet.reader.actions import mark_all_read, set_marks
    from plnet.reader.river import RiverFilter
    from plnet.reader.services import store_entries
    from plnet.reader.unread import unread_counts

    def counts():  # as a new request sees them (its own user object)
        return unread_counts(type(member).objects.get(pk=member.pk))

    a = network["a"]
    assert counts().by_source == {a.pk: 5, network["b"].pk: 5}
    set_marks(member, Entry.objects.filter(source=a).first(), read=True)
    assert counts().by_source[a.pk] == 4
    rss = (
        b"<rss version='2.0'><channel><title>A</title><link>https://a.example/</link>"
        b"<item><title>New one</title><link>https://a.example/new</link><guid>new-1</guid>"
        b"</item></channel></rss>"
    )
    store_entries(a, parse_feed(rss, "https://a.example/feed").entries)
    assert counts().by_source[a.pk] == 5
    c = Source.objects.create(url="https://c.example/feed", title="Source C")
    Entry.objects.create(source=c, dedup_key="c1", title="c", published_at=BASE)
    Subscription.objects.create(user=member, source=c)
    assert counts().total == 11
    mark_all_read(member, RiverFilter(), None)
    assert counts().total == 0


def follow(client, url: str, person: str = "", folder: str = "") -> list[str]:
    response = client.post(
        reverse("reader:subscribe"), {"url": url, "person": person, "folder": folder}, follow=True
    )
    return [str(m) for m in response.context["messages"]]


def test_following_a_followed_source_again_says_so_and_keeps_it(client, member, network):
    client.force_login(member)
    assert follow(client, "https://a.example/feed") == ["You already follow Source A."]
    assert follow(client, "https://a.example/feed", person="Doug", folder="") == [
        "You already follow Source A."
    ]
    sub = Subscription.objects.get(user=member, source=network["a"])
    assert (sub.person, sub.folder) == (network["person"], None)
    assert Subscription.objects.filter(user=member).count() == 2


def test_following_again_with_another_person_or_folder_says_what_moved(client, member, network):
    client.force_login(member)
    assert follow(client, "https://a.example/feed", person="Ton", folder="Blogs") == [
        "You already follow Source A; moved it to the person Ton (was Doug) "
        "and to the folder Blogs (was no folder)."
    ]
    assert follow(client, "https://b.example/feed", folder="Blogs") == [
        "You already follow Source B; moved it to the folder Blogs (was no folder)."
    ]
    subs = Subscription.objects.filter(user=member).select_related("person", "folder")
    assert sorted((s.source.title, s.person and s.person.name, s.folder.name) for s in subs) == [
        ("Source A", "Ton", "Blogs"),
        ("Source B", None, "Blogs"),
    ]


def test_the_sources_table_shows_each_sources_unread_count(client, member, network):
    """5 entries each; 2 of A and 1 of B read, one of A starred but unread: A 3, B 4, then 0."""
    import re

    a_entries = list(Entry.objects.filter(source=network["a"]))
    for entry in a_entries[:2]:
        EntryState.objects.create(user=member, entry=entry, read=True)
    EntryState.objects.create(user=member, entry=a_entries[2], starred=True)
    EntryState.objects.create(
        user=member, entry=Entry.objects.filter(source=network["b"]).first(), read=True
    )
    client.force_login(member)

    def counts() -> dict[str, str]:
        html = client.get(reverse("reader:sources")).content.decode()
        rows = re.findall(r'>(Source [AB])</a>.*?<td data-label="Unread" class="unread">(.*?)</td>',
                          html, re.S)  # fmt: skip
        return {name: re.sub(r"<[^>]+>|<span.*?</span>", "", cell) for name, cell in rows}

    assert counts() == {"Source A": "3 unread in Source A", "Source B": "4 unread in Source B"}
    html = client.get(reverse("reader:sources")).content.decode()
    assert f'href="/reader/?source={network["a"].pk}&amp;unread=true">3<' in html
    client.post(reverse("reader:mark_all_read"), {"source": network["a"].pk})
    assert counts() == {"Source A": "0", "Source B": "4 unread in Source B"}


def undo_form(html: str) -> dict[str, str] | None:
    import re
    from html import unescape

    form = re.search(r'<form method="post" action="([^"]+)" class="undo">(.*?)</form>', html, re.S)
    if form is None:
        return None
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[2])
    return {"action": unescape(form[1]), **{k: unescape(v) for k, v in fields}}


def test_unfollow_offers_undo_that_restores_title_person_folder_and_read_marks(
    client, member, network
):
    sub = Subscription.objects.get(source=network["a"])
    sub.title, sub.folder = "Doug's blog", network["folder"]
    sub.save()
    read = Entry.objects.filter(source=network["a"]).first()
    EntryState.objects.create(user=member, entry=read, read=True)
    client.force_login(member)

    response = client.post(reverse("reader:unsubscribe", args=[sub.pk]), follow=True)
    html = response.content.decode()
    assert [str(m) for m in response.context["messages"]] == ["You no longer follow Doug's blog."]
    assert not Subscription.objects.filter(user=member, source=network["a"]).exists()
    form = undo_form(html)
    assert (
        form is not None
        and undo_form(client.get(reverse("reader:sources")).content.decode()) is None
    )

    response = client.post(form.pop("action"), form, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["You follow Doug's blog again."]
    back = Subscription.objects.get(user=member, source=network["a"])
    assert (back.title, back.person, back.folder) == (
        "Doug's blog",
        network["person"],
        network["folder"],
    )
    unread = client.get(reverse("reader:river"), {"source": network["a"].pk, "unread": "true"})
    assert len(titles(unread)) == 4 and read.title not in titles(unread)


def test_undo_unfollow_never_files_under_another_members_person_or_folder(
    client, member, other_member, network
):
    theirs = Folder.objects.create(user=other_member, name="Theirs")
    client.force_login(member)
    response = client.post(
        reverse("reader:unsubscribe_undo"),
        {"source": network["a"].pk, "folder": theirs.pk, "person": "abc"},
    )
    assert response.status_code == 302
    sub = Subscription.objects.get(user=member, source=network["a"])  # kept as it was
    assert (sub.person, sub.folder) == (network["person"], None)
    Subscription.objects.filter(user=member).delete()
    client.post(
        reverse("reader:unsubscribe_undo"), {"source": network["b"].pk, "folder": theirs.pk}
    )
    assert Subscription.objects.get(user=member).folder is None
    response = client.post(reverse("reader:unsubscribe_undo"), {"source": "999999"}, follow=True)
    assert [str(m) for m in response.context["messages"]][-1] == (
        "Nothing to undo: that source is no longer here."
    )
