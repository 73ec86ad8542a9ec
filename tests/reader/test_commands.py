"""The reader's commands: subscribe, opml import/export, fetch (progress bar), token create."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from plnet.protocols.opml import parse_opml
from plnet.reader.models import ApiToken, Source, Subscription
from tests.conftest import CORPUS
from tests.reader.conftest import RSS, rss

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("allow_loopback_fetch")
def test_subscribe(member, local_server):
    local_server.routes["/feed"] = (
        200,
        {"Content-Type": RSS},
        rss([("g", "G", "Tue, 03 Mar 2015 10:00:00 GMT")], title="Ada's feed"),
    )
    out, _ = run("subscribe", local_server.url("/feed"), "--user", "ada", "--person", "Ada L")
    assert "Ada's feed" in out and "1 entries" in out
    assert Subscription.objects.get().person.name == "Ada L"


def test_subscribe_unknown_user():
    with pytest.raises(CommandError, match="no user called 'nobody'"):
        run("subscribe", "https://example.org/feed", "--user", "nobody")


def test_opml_import_and_export(member, tmp_path):
    out, _ = run(
        "opml",
        "import",
        str(CORPUS / "opml/frankmeeuwsen-blogroll-pi-before-xmldecl.opml"),
        "--user",
        "ada",
    )
    assert out.startswith("Added 48 sources")
    out2, _ = run(
        "opml",
        "import",
        str(CORPUS / "opml/frankmeeuwsen-blogroll-pi-before-xmldecl.opml"),
        "--user",
        "ada",
    )
    assert out2.startswith("No new sources added; 48 already followed.")
    exported, _ = run("opml", "export", "--user", "ada")
    assert len(parse_opml(exported.encode()).outlines) == 48


def test_opml_import_refuses_a_non_list_and_writes_nothing(member):
    with pytest.raises(CommandError, match="no subscriptions found.*nothing was imported"):
        run(
            "opml",
            "import",
            str(CORPUS / "opml/opml.org-validator-source-outline.opml"),
            "--user",
            "ada",
        )
    assert not Source.objects.exists()


@pytest.mark.usefixtures("allow_loopback_fetch")
def test_fetch_all_with_progress(member, local_server):
    for i in range(3):
        local_server.routes[f"/f{i}"] = (
            200,
            {"Content-Type": RSS},
            rss([(f"g{i}", "t", "Tue, 03 Mar 2015 10:00:00 GMT")]),
        )
        Subscription.objects.create(
            user=member, source=Source.objects.create(url=local_server.url(f"/f{i}"))
        )
    Subscription.objects.create(
        user=member, source=Source.objects.create(url=local_server.url("/missing"))
    )
    out, err = run("fetch", "--all")
    assert "4 sources: 3 fetched, 0 not modified, 1 errors, 0 gone; 3 new entries" in out
    assert "4/4" in err and "HTTP 404" in err


def test_token_create_prints_a_working_token(member, client):
    out, _ = run("token", "create", "--user", "ada")
    token = out.strip()
    assert ApiToken.objects.matching(token).get().user == member
    assert client.get("/api/v1/sources", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@pytest.mark.usefixtures("allow_loopback_fetch")
def test_subscribing_again_says_already_subscribed(member, local_server):
    local_server.routes["/feed"] = (200, {"Content-Type": RSS}, rss([], title="Ada's feed"))
    run("subscribe", local_server.url("/feed"), "--user", "ada")
    out, _ = run("subscribe", local_server.url("/feed"), "--user", "ada", "--folder", "Blogs")
    assert out.startswith("already subscribed ada, folder now Blogs to ")
    assert Subscription.objects.get().folder.name == "Blogs"
