"""Comment lifecycle, query helpers and the comment settings row."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.utils import timezone

from plnet.conversation.models import Comment, CommentSettings, IllegalTransition

pytestmark = pytest.mark.django_db


def test_every_state_has_transitions_and_none_to_itself():
    assert set(Comment.TRANSITIONS) == set(Comment.State.values)
    for state, targets in Comment.TRANSITIONS.items():
        assert state not in targets
        assert targets <= set(Comment.State.values)


def test_move_to_records_when_layer_reason_and_score(make_comment):
    comment = make_comment(state="pending")
    before = comment.state_changed_at
    comment.move_to("spam", layer="moderator", reason="marked spam by ana", score=0.9)
    comment.refresh_from_db()
    assert comment.state == "spam"
    assert comment.spam_layer == "moderator"
    assert comment.spam_reason == "marked spam by ana"
    assert comment.spam_score == 0.9
    assert comment.state_changed_at > before


def test_move_to_refuses_a_move_to_the_same_state(make_comment):
    comment = make_comment(state="approved")
    with pytest.raises(IllegalTransition):
        comment.move_to("approved", layer="moderator", reason="again")
    comment.refresh_from_db()
    assert comment.spam_layer == ""


def test_state_querysets(make_comment):
    for state in ["pending", "approved", "approved", "spam", "trash"]:
        make_comment(state=state)
    assert Comment.objects.approved().count() == 2
    assert Comment.objects.pending().count() == 1
    assert Comment.objects.spam().count() == 1
    assert Comment.objects.trash().count() == 1


def test_expired_finds_old_spam_and_trash_only(make_comment):
    old = timezone.now() - dt.timedelta(days=31)
    old_spam = make_comment(state="spam", state_changed_at=old)
    old_trash = make_comment(state="trash", state_changed_at=old)
    make_comment(state="spam")  # recent
    make_comment(state="approved", state_changed_at=old)
    make_comment(state="pending", state_changed_at=old)
    assert set(Comment.objects.expired(30)) == {old_spam, old_trash}


def test_by_author_email_ignores_case(make_comment):
    c = make_comment(author_email="Bo@Example.NET")
    assert list(Comment.objects.by_author_email("bo@example.net ")) == [c]
    assert not Comment.objects.by_author_email("").exists()


def test_comment_settings_is_one_row_with_defaults():
    first = CommentSettings.load()
    assert (first.pk, first.max_links, first.min_seconds, first.hold_first_comment) == (
        1,
        2,
        3,
        True,
    )
    CommentSettings(max_links=7).save()
    assert CommentSettings.objects.count() == 1
    assert CommentSettings.load().max_links == 7


def test_disallowed_list():
    rules = CommentSettings(disallowed_words="Casino\n\n  cheap pills \n")
    assert rules.disallowed_list == ["casino", "cheap pills"]


def test_display_name_and_permalink(make_comment, post, author):
    c = make_comment(author_name="")
    assert c.display_name == "Anonymous"
    member = make_comment(author_name="", user=author)
    assert member.display_name == "Ana"
    assert c.get_absolute_url() == f"/{post.published_at:%Y/%m/%d}/hello/#comment-{c.pk}"


def test_the_data_migration_moves_old_moderator_decisions_beside(make_comment):
    from django.apps import apps

    old = make_comment(
        state="approved", spam_layer="moderator", spam_reason="marked not spam by admin"
    )
    kept = make_comment(state="approved", spam_layer="classifier", spam_reason="below 0.09")
    migration = importlib.import_module("plnet.conversation.migrations.0006_moderator_decision")
    migration.move_moderator_decisions(apps, None)
    old.refresh_from_db()
    kept.refresh_from_db()
    assert (old.spam_layer, old.spam_reason, old.moderator_action, old.moderated_by) == (
        "", "", "marked not spam", "admin",
    )  # fmt: skip
    assert old.moderated_at == old.state_changed_at
    assert (kept.spam_layer, kept.moderated_at) == ("classifier", None)
