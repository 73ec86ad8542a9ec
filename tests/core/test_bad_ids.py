"""Ids typed into forms and query strings: a huge number, a negative one, a non-digit or a
non-ASCII digit is the person's mistake (a form error, a 404 or a 400), never a server error.
SQLite stores integers in 64 bits: a larger Python int raised OverflowError (a 500)."""

from __future__ import annotations

import datetime as dt

import pytest

from plnet.conversation.models import Comment
from plnet.publishing.models import Category, Post
from plnet.reader.actions import create_token

pytestmark = pytest.mark.django_db

# Past 64 bits, zero, negative, words, a superscript digit (isdigit() yes, int() no), a decimal.
BAD_IDS = ["99999999999999999999999", "0", "-1", "abc", "²", "1.5"]


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.org", "pw-boss-123!")


@pytest.fixture
def post(admin):
    return Post.objects.create(
        title="Hello", slug="hello", body="Body.", author=admin, status=Post.Status.PUBLISHED,
        published_at=dt.datetime(2024, 1, 2, 12, tzinfo=dt.UTC),
    )  # fmt: skip


def _write(client, bad, post):
    data = {"title": "T", "slug": "", "body": "B", "excerpt": "", "tags": "",
            "status": "published", "published_at": "", "comment_status": "open",
            "categories": [bad]}  # fmt: skip
    return client.post("/write/", data)


def _comment(client, bad, post):
    data = {"post": bad, "name": "N", "email": "n@example.org", "text": "Hi"}
    return client.post("/comments/post/", data)


def _reply(client, bad, post):
    data = {"post": post.pk, "parent": bad, "name": "N", "email": "n@example.org", "text": "Hi"}
    return client.post("/comments/post/", data)


def _replytocom(client, bad, post):
    return client.get(post.get_absolute_url(), {"replytocom": bad})


def _moderate(client, bad, post):
    return client.post("/moderation/act/", {"action": "approve", "ids": [bad]})


def _folder_delete(client, bad, post):
    return client.post("/reader/folders/", {"delete": bad})


def _token_revoke(client, bad, post):
    return client.post("/reader/settings/", {"revoke": bad})


def _river(client, bad, post):
    return client.get("/reader/", {"source": bad, "person": bad, "folder": bad})


def _mark_all(client, bad, post):
    return client.post("/reader/mark-all-read/", {"up_to": f"2024-01-01T00:00:00+00:00|{bad}"})


def _api(client, bad, post):
    _, token = create_token(post.author, "t")
    return client.get(
        "/api/v1/entries", {"source": bad, "limit": bad}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def _wp_query(client, bad, post):
    return client.get("/", {"cat": bad})


def _wp_p(client, bad, post):
    return client.get("/", {"p": bad})


def _wp_attachment(client, bad, post):
    return client.get("/", {"attachment_id": bad})


def _page(client, bad, post):
    return client.get("/", {"page": bad})


def _sent(client, bad, post):
    return client.get("/linkbacks/sent/", {"page": bad})


# What each address answers to a bad id: the form again with an error (200), a refusal (400),
# nothing there (404) or back to the list (302). Pages: a bad ?page= number shows the first page
# or a 404, as Django's paginator decides.
PROBES = {
    _write: {200}, _comment: {400}, _reply: {400}, _replytocom: {200}, _moderate: {302},
    _folder_delete: {400}, _token_revoke: {400}, _river: {400}, _mark_all: {400}, _api: {400},
    _wp_query: {404}, _wp_p: {404}, _wp_attachment: {200}, _page: {200, 404}, _sent: {200},
}  # fmt: skip


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.__name__.strip("_"))
def test_a_bad_id_is_never_a_server_error(client, admin, post, probe, bad):
    Category.objects.create(name="Notes", slug="notes")
    comment = Comment.objects.create(
        post=post, author_name="A", raw_content="x", content="x", state=Comment.State.PENDING
    )
    client.force_login(admin)
    response = probe(client, bad, post)
    assert response.status_code in PROBES[probe]
    assert Post.objects.count() == 1  # no post written, no comment added or moderated
    assert list(Comment.objects.values_list("pk", "state")) == [(comment.pk, "pending")]
    if probe is _write:
        errors = response.context["form"].errors["categories"]
        assert errors == [f"“{bad}” is not a valid value."]
