"""The Django admin's comment list: newest first, and its actions go through the moderation
services (no permanent delete except from the trash)."""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.utils import timezone

from plnet.conversation.models import Comment

pytestmark = pytest.mark.django_db

LIST = "/admin/conversation/comment/"


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def _act(admin_client, action, comments):
    data = {"action": action, "_selected_action": [c.pk for c in comments]}
    return admin_client.post(LIST, data, follow=True)


def test_the_list_is_newest_first(admin_client, make_comment):
    now = timezone.now()
    old = make_comment(author_name="Old", created_at=now - dt.timedelta(days=3))
    new = make_comment(author_name="New", created_at=now)
    page = lxml.html.fromstring(admin_client.get(LIST).content)
    ids = [int(v) for v in page.xpath("//input[@name='_selected_action']/@value")]
    assert ids == [new.pk, old.pk]


def test_actions_moderate_through_the_services(
    admin_client, make_comment, monkeypatch, django_capture_on_commit_callbacks
):
    retrained = []
    monkeypatch.setattr(
        "plnet.conversation.training.train_from_site", lambda source: retrained.append(source)
    )
    a, b, c = (make_comment(state="pending") for _ in range(3))
    page = lxml.html.fromstring(admin_client.get(LIST).content)
    assert page.xpath("//select[@name='action']/option/@value") == [
        "",
        "moderate_approve",
        "moderate_spam",
        "moderate_trash",
        "delete_from_trash",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(admin_client, "moderate_spam", [a])
    assert "1 comment marked spam." in response.content.decode()
    marked = Comment.objects.get(pk=a.pk)
    assert (marked.moderated_by, marked.moderator_action) == ("root", "marked spam")
    assert len(retrained) == 1  # the spam filter learns, as from the moderation page
    _act(admin_client, "moderate_approve", [b])
    _act(admin_client, "moderate_trash", [c])
    assert [x.state for x in Comment.objects.order_by("id")] == ["spam", "approved", "trash"]


def test_only_trash_is_deleted_for_good(admin_client, make_comment):
    kept, gone = make_comment(state="approved"), make_comment(state="trash")
    response = _act(admin_client, "delete_from_trash", [kept, gone])
    assert "1 comment deleted; 1 not in trash kept (move them to trash first)." in (
        response.content.decode()
    )
    assert list(Comment.objects.values_list("pk", flat=True)) == [kept.pk]
    assert _act(admin_client, "delete_selected", [kept]).status_code == 200
    assert Comment.objects.filter(pk=kept.pk).exists()
    assert admin_client.get(f"{LIST}{kept.pk}/delete/").status_code == 403
