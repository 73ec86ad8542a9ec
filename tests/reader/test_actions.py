"""OPML import/export into the database, read/star marks and tokens (plnet.reader.actions)."""

from __future__ import annotations

import pytest

from plnet.protocols.opml import OpmlError, parse_opml
from plnet.reader import actions
from plnet.reader.models import Folder, Source, Subscription
from tests.conftest import CORPUS
from tests.protocols.test_opml import MAIN_FILES, independent_counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", MAIN_FILES)
def test_every_corpus_opml_imports_with_the_right_counts(member, name):
    content = (CORPUS / "opml" / name).read_bytes()
    want, folders = independent_counts(content)
    if want == 0:
        with pytest.raises(OpmlError, match="no subscriptions found"):
            actions.import_opml(member, content)
        assert not Source.objects.exists() and not Folder.objects.exists()
        return
    summary = actions.import_opml(member, content)
    assert len(summary.added) == Subscription.objects.filter(user=member).count() == want
    assert {
        f.split(" / ")[0] for f in Folder.objects.filter(user=member).values_list("name", flat=True)
    } == {f.split(" / ")[0] for f in folders}
    again = actions.import_opml(member, content)
    assert (len(again.added), len(again.already)) == (0, want)
    assert Subscription.objects.filter(user=member).count() == want


def test_duplicates_in_the_file_are_merged_and_bad_urls_skipped(member):
    content = b"""<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
      <outline text="F"><outline type="rss" text="A" xmlUrl="https://a.example/feed"/></outline>
      <outline type="rss" text="A again" xmlUrl="https://a.example/feed"/>
      <outline type="rss" text="Local" xmlUrl="file:///etc/passwd"/>
    </body></opml>"""
    summary = actions.import_opml(member, content)
    assert summary.added == ["https://a.example/feed"]
    assert [u for u, _ in summary.skipped] == ["file:///etc/passwd"]
    assert Subscription.objects.get().folder.name == "F"


MIXED = b"""<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
  <outline text="Blogs"><outline type="rss" text="A" xmlUrl="https://a.example/feed"/>
    <outline type="rss" text="B" xmlUrl="https://b.example/feed"/></outline>
  <outline text="News"><outline type="rss" text="C" xmlUrl="https://c.example/feed"/></outline>
  <outline type="rss" text="D" xmlUrl="https://d.example/feed"/>
  <outline type="rss" text="Local" xmlUrl="file:///etc/passwd"/>
</body></opml>"""


def test_the_import_summary_reads_as_a_sentence(member):
    first = actions.import_opml(member, MIXED)
    assert str(first) == (
        "Added 4 sources, 3 of them in 2 folders; "
        "1 skipped: file:///etc/passwd (not an http(s) URL: file:///etc/passwd). "
        "4 new sources queued: the first fetch happens within a minute, and their entries then "
        "appear in your river."
    )
    again = actions.import_opml(member, MIXED)
    assert str(again) == (
        "No new sources added; 4 already followed; "
        "1 skipped: file:///etc/passwd (not an http(s) URL: file:///etc/passwd)."
    )


def test_the_summary_of_a_list_all_in_folders_names_the_folders_count(member):
    content = (CORPUS / "opml/awesome-rss-feeds/countries_with_category_Japan.opml").read_bytes()
    assert str(actions.import_opml(member, content)) == (
        "Added 8 sources in 1 folder. 8 new sources queued: the first fetch happens within a "
        "minute, and their entries then appear in your river."
    )


def test_many_skips_are_summarised(member):
    outlines = "".join(
        f'<outline type="rss" text="x" xmlUrl="ftp://f{n}.example/feed"/>' for n in range(5)
    )
    content = f'<opml version="2.0"><body>{outlines}</body></opml>'.encode()
    text = str(actions.import_opml(member, content))
    assert text == (
        "No new sources added; 5 skipped: "
        + ", ".join(
            f"ftp://f{n}.example/feed (not an http(s) URL: ftp://f{n}.example/feed)"
            for n in range(3)
        )
        + " and 2 more."
    )


def test_two_members_importing_the_same_list_share_sources(member, other_member):
    content = (CORPUS / "opml/awesome-rss-feeds/countries_with_category_Iran.opml").read_bytes()
    actions.import_opml(member, content)
    actions.import_opml(other_member, content)
    assert Source.objects.count() == 7 and Subscription.objects.count() == 14


def test_an_error_midway_leaves_nothing_half_imported(member, monkeypatch):
    real, calls = actions._import_one, []

    def failing(user, outline, summary):
        calls.append(outline)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        real(user, outline, summary)

    monkeypatch.setattr(actions, "_import_one", failing)
    with pytest.raises(RuntimeError):
        actions.import_opml(member, (CORPUS / "opml/engineering_blogs.opml").read_bytes())
    assert (
        not Subscription.objects.exists()
        and not Source.objects.exists()
        and not Folder.objects.exists()
    )


def test_export_keeps_folders_and_person_folders(member):
    work = Folder.objects.create(user=member, name="Work")
    person_folder = Folder.objects.create(user=member, name="Friends")
    from plnet.reader.models import Person

    ton = Person.objects.create(user=member, name="Ton", folder=person_folder)
    a = Source.objects.create(
        url="https://a.example/feed", title="A", site_url="https://a.example/"
    )
    b = Source.objects.create(url="https://b.example/feed", title="B")
    c = Source.objects.create(url="https://c.example/feed", title="C")
    Subscription.objects.create(user=member, source=a, folder=work)
    Subscription.objects.create(user=member, source=b, person=ton)
    Subscription.objects.create(user=member, source=c, title="My C")
    doc = parse_opml(actions.export_opml(member))
    assert sorted((o.url, o.title, o.folder) for o in doc.outlines) == [
        ("https://a.example/feed", "A", "Work"),
        ("https://b.example/feed", "B", "Friends"),
        ("https://c.example/feed", "My C", ""),
    ]


def test_tokens_are_stored_hashed_and_resolve_to_their_member(member):
    row, token = actions.create_token(member, "x")
    assert row.token_hash != token and len(row.token_hash) == 64
    assert actions.user_for_token(token) == member
    assert actions.user_for_token(token + "x") is None
    member.is_active = False
    member.save()
    assert actions.user_for_token(token) is None


def test_an_import_queues_the_first_fetch_of_its_new_sources_after_commit(
    member, django_capture_on_commit_callbacks, monkeypatch
):
    """The worker starts on new sources at once, not at its next tick; a source another member
    already fetched, or one followed before, is not queued again."""
    from django.utils import timezone

    queued = []  # the test backend runs each task as it is enqueued
    monkeypatch.setattr(
        "plnet.reader.services.fetch_many", lambda ids, **kw: queued.append(sorted(ids))
    )
    fetched = Source.objects.create(url="https://c.example/feed", last_fetched_at=timezone.now())
    fetched.move_to(Source.State.OK)
    fetched.save()
    with django_capture_on_commit_callbacks(execute=True):
        summary = actions.import_opml(member, MIXED)
    new = sorted(Source.objects.exclude(pk=fetched.pk).values_list("pk", flat=True))
    assert (len(new), summary.queued, queued) == (3, 3, [new])
    assert Source.objects.due().filter(pk__in=new).count() == 0  # the tick leaves them to it
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = actions.import_opml(member, MIXED)
    assert (again.queued, queued) == (0, [])
    assert "queued" not in str(again)
