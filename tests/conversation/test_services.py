"""place_incoming and its layers, submitting, moderating, threads, mail, emptying."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.utils import timezone

from plnet.conversation import layers, services
from plnet.conversation.models import Comment
from plnet.core import ticks

pytestmark = pytest.mark.django_db


def new(post, **fields):
    data = {"post": post, "author_name": "Bo", "author_email": "bo@example.net"}
    data.update(fields)
    data.setdefault("raw_content", "I liked this.")
    return Comment(**data)


# --- the layers, in order ---------------------------------------------------------------------


def test_first_comment_is_held_then_known_author_passes(post, rules):
    first = services.place_incoming(new(post), request_meta={"ip": "192.0.2.1"})
    assert (first.state, first.spam_layer) == ("pending", "moderation")
    assert first.spam_reason == "first comment from this author"
    assert first.author_ip == "192.0.2.1"
    first.move_to("approved", layer="moderator", reason="ok")
    second = services.place_incoming(new(post, author_email="BO@example.net"))
    assert (second.state, second.spam_reason) == ("approved", "the author has an approved comment")


def _classifier_says(monkeypatch, outcome, reason, score):
    verdict = layers.Verdict(outcome, "classifier", reason, score)
    monkeypatch.setattr(layers, "classifier_verdict", lambda comment: verdict)


def test_a_known_author_is_not_held_by_the_classifier(post, rules, make_comment, monkeypatch):
    """Regression: Tess, with an approved comment, was held at 0.10 (between 0.09 and 0.98)."""
    make_comment(state="approved")  # bo@example.net is known
    _classifier_says(monkeypatch, "held", "spam probability 0.10 between 0.09 and 0.98", 0.10)
    c = services.place_incoming(new(post, author_email="Bo@Example.net"))
    assert (c.state, c.spam_layer, c.spam_score) == ("approved", "moderation", 0.10)
    assert c.spam_reason == (
        "the author has an approved comment (classifier: spam probability 0.10 between 0.09 and"
        " 0.98 — not held: known author)"
    )
    unknown = services.place_incoming(new(post, author_email="cy@example.org"))
    assert (unknown.state, unknown.spam_layer) == ("pending", "classifier")
    rules.approve_known_authors = False  # the owner's switch: known authors are not special
    rules.save()
    switched_off = services.place_incoming(new(post, raw_content="once more"))
    assert (switched_off.state, switched_off.spam_layer) == ("pending", "classifier")


def test_the_classifier_or_akismet_alone_only_hold_a_known_author(
    post, rules, make_comment, monkeypatch, django_user_model
):
    """Regression: Stephen, rescued with "Not spam", went to spam at 0.99 with one link."""
    make_comment(state="approved")
    _classifier_says(monkeypatch, "spam", "spam probability 0.99 above 0.98", 0.99)
    c = services.place_incoming(new(post, raw_content="see https://www.downes.ca/post/1"))
    assert (c.state, c.spam_layer, c.spam_reason) == (
        "pending",
        "classifier",
        "spam probability 0.99 above 0.98 — held, not spam: known author",
    )
    member = django_user_model.objects.create_user("mo", email="mo@example.org")
    theirs = services.place_incoming(new(post, user=member, author_email="mo@example.org"))
    assert (theirs.state, theirs.spam_layer) == ("pending", "classifier")
    assert services.place_incoming(new(post, author_email="cy@example.org")).state == "spam"
    monkeypatch.setattr(layers, "classifier_verdict", lambda comment: None)
    monkeypatch.setattr(layers.akismet, "is_enabled", lambda: True)
    monkeypatch.setattr(layers.akismet, "check", lambda comment, meta: True)
    by_akismet = services.place_incoming(new(post, raw_content="again"))
    assert (by_akismet.state, by_akismet.spam_reason) == (
        "pending",
        "Akismet says spam — held, not spam: known author",
    )


def test_the_owners_rules_and_the_form_still_apply_to_a_known_author(
    post, rules, make_comment, monkeypatch
):
    make_comment(state="approved")
    _classifier_says(monkeypatch, "held", "spam probability 0.10 between 0.09 and 0.98", 0.10)
    rules.disallowed_words = "casino"
    rules.save()
    c = services.place_incoming(new(post, raw_content="my casino"))
    assert (c.state, c.spam_layer) == ("spam", "rules")
    trap = services.place_incoming(new(post), request_meta={"honeypot": "x"})
    assert (trap.state, trap.spam_layer) == ("spam", "form")


def test_rules_switches(post, rules, make_comment):
    make_comment(state="approved")  # bo@example.net is known
    rules.hold_all = True
    rules.save()
    assert services.place_incoming(new(post)).state == "pending"
    rules.hold_all, rules.approve_known_authors = False, False
    rules.save()
    assert services.place_incoming(new(post, raw_content="again")).state == "pending"
    rules.hold_first_comment = False
    rules.save()
    stranger = services.place_incoming(new(post, author_email="x@example.com", raw_content="hi"))
    assert stranger.state == "approved"


def test_honeypot_and_speed_are_spam_and_kept(post, rules):
    rules.min_seconds = 5
    rules.save()
    bot = services.place_incoming(new(post), request_meta={"honeypot": "buy", "form_seconds": 60})
    assert (bot.state, bot.spam_layer) == ("spam", "form")
    assert "honeypot" in bot.spam_reason
    fast = services.place_incoming(new(post), request_meta={"form_seconds": 1.2})
    assert (fast.state, fast.spam_reason) == ("spam", "sent 1.2 s after the page loaded")
    assert Comment.objects.filter(pk__in=[bot.pk, fast.pk]).count() == 2  # never deleted


def test_a_form_without_its_load_time_fails_the_timing_check(post, rules, django_user_model):
    rules.min_seconds = 5
    rules.save()
    blind = services.place_incoming(new(post), request_meta={"form_seconds": None})
    assert (blind.state, blind.spam_layer, blind.spam_reason) == (
        "spam",
        "form",
        "the form's load time was missing or malformed",
    )
    member = django_user_model.objects.create_user(username="cy", email="cy@example.org")
    signed_in = services.place_incoming(
        new(post, user=member, raw_content="m"), request_meta={"form_seconds": None}
    )
    assert (signed_in.state, signed_in.spam_layer) == ("pending", "moderation")
    linkback = services.place_incoming(new(post, raw_content="l"), request_meta={"ip": "192.0.2.3"})
    assert (linkback.state, linkback.spam_layer) == ("pending", "moderation")  # no form, no check


def test_disallowed_word_anywhere_is_spam(post, rules):
    rules.disallowed_words = "casino\n203.0.113.9"
    rules.save()
    c = services.place_incoming(new(post, raw_content="Best CASINO bonus"))
    assert (c.state, c.spam_layer, c.spam_reason) == (
        "spam",
        "rules",
        "contains the disallowed word 'casino'",
    )
    by_ip = services.place_incoming(new(post), request_meta={"ip": "203.0.113.9"})
    assert by_ip.state == "spam"


def test_disallowed_words_match_whole_words_and_other_entries_anywhere(post, rules):
    """Regression: the entry 'ass' sent "My class loved this assignment." to spam."""
    rules.disallowed_words = "ass\nCheap Pills\ncasino.example\n192.0.2.\nкупить"
    rules.save()

    def reason(text, **fields):
        return services.place_incoming(new(post, raw_content=text, **fields)).spam_reason

    assert reason("My class loved this assignment.") == "first comment from this author"
    assert reason("What an ASS.") == "contains the disallowed word 'ass'"
    assert reason("buy CHEAP   pills now") == "contains the disallowed word 'cheap pills'"
    assert reason("cheap pillstore") == "first comment from this author"
    assert reason("see www.casino.example/win") == "contains the disallowed word 'casino.example'"
    assert reason("Hello", author_ip="192.0.2.44") == "contains the disallowed word '192.0.2.'"
    assert reason("Хочу КУПИТЬ") == "contains the disallowed word 'купить'"  # Unicode, any case
    assert reason("покупить") == "first comment from this author"


def test_too_many_links_are_held(post, rules, make_comment):
    make_comment(state="approved")  # a known author is still held for links
    text = "see http://a.example and http://b.example"
    c = services.place_incoming(new(post, raw_content=text))
    assert (c.state, c.spam_layer, c.spam_reason) == ("pending", "rules", "2 links (limit 2)")
    rules.max_links = 0
    rules.save()
    assert services.place_incoming(new(post, raw_content=text + " ")).state == "approved"


def test_rate_limit_per_ip_holds_unknown_authors(post, rules):
    rules.rate_limit_per_hour = 2
    rules.hold_first_comment = False
    rules.save()
    states = [
        services.place_incoming(
            new(post, author_email=f"n{i}@example.net", raw_content=f"n{i}"),
            request_meta={"ip": "192.0.2.7"},
        )
        for i in range(3)
    ]
    assert [c.state for c in states] == ["approved", "approved", "pending"]
    assert (states[2].spam_layer, states[2].spam_reason) == ("rules", "more than 2 in an hour")
    elsewhere = services.place_incoming(new(post), request_meta={"ip": "192.0.2.8"})
    assert elsewhere.state == "approved"  # the count is per IP


def test_rate_limit_spares_known_authors_and_members(post, rules, make_comment, django_user_model):
    """A class behind one school IP: past the hourly rate, an author with an approved comment
    and a signed-in member still go through as the moderation rule decides."""
    rules.rate_limit_per_hour = 2
    rules.save()
    for i in range(3):
        make_comment(author_email=f"pupil{i}@example.net", author_ip="192.0.2.7")
    make_comment(author_email="bo@example.net")  # bo is known (approved)
    known = services.place_incoming(new(post), request_meta={"ip": "192.0.2.7"})
    assert (known.state, known.spam_reason) == ("approved", "the author has an approved comment")
    member = django_user_model.objects.create_user(username="cy", email="cy@example.org")
    signed_in = services.place_incoming(
        new(post, user=member, author_email="cy@example.org"), request_meta={"ip": "192.0.2.7"}
    )
    assert (signed_in.spam_layer, signed_in.spam_reason) == (
        "moderation",
        "first comment from this author",  # held as a first comment, not by the rate
    )
    stranger = services.place_incoming(
        new(post, author_email="new@example.net"), request_meta={"ip": "192.0.2.7"}
    )
    assert (stranger.state, stranger.spam_reason) == ("pending", "more than 2 in an hour")


def test_the_posts_author_is_trusted(post, rules, author):
    c = services.place_incoming(new(post, user=author, raw_content="http://a http://b http://c"))
    assert (c.state, c.spam_layer) == ("approved", "moderation")


# --- re-moderating an update (an edited Webmention source) ---------------------------------------


def test_place_update_only_tightens(post, rules, make_comment):
    make_comment(state="approved")  # bo@example.net is known: the moderation rule approves
    rules.rate_limit_per_hour = 1
    rules.save()
    comment = services.place_incoming(new(post), request_meta={"ip": "192.0.2.7"})
    assert comment.state == "approved"
    # the comment itself does not count against its IP's hourly rate when moderated again
    comment.raw_content = "I liked this a lot."
    services.place_update(comment, request_meta={"ip": "192.0.2.7"})
    assert Comment.objects.get(pk=comment.pk).state == "approved"
    comment.raw_content = "see http://a.example and http://b.example"
    services.place_update(comment)
    comment.refresh_from_db()
    assert (comment.state, comment.spam_reason) == ("pending", "updated: 2 links (limit 2)")
    # held stays held when the links go again: no layer publishes what the owner has not seen
    comment.raw_content = "I liked this."
    services.place_update(comment)
    comment.refresh_from_db()
    assert (comment.state, comment.raw_content) == ("pending", "I liked this.")
    comment.move_to("trash", layer="moderator", reason="binned")
    rules.disallowed_words = "liked"
    rules.save()
    services.place_update(comment)
    assert Comment.objects.get(pk=comment.pk).state == "trash"


def test_place_update_does_not_ask_the_first_comment_rule_again(post, rules, make_comment):
    """An approved response from an author with no other approved comment (a pingback the owner
    approved, upgraded by a Webmention) stays approved when its new words pass the spam layers:
    the "hold a first comment" rule decides only whether a new comment waits."""
    rules.hold_first_comment = True
    rules.save()
    comment = make_comment(state="approved", author_email="", author_name="Bob")
    comment.raw_content = "Upgraded words"
    services.place_update(comment)
    assert Comment.objects.get(pk=comment.pk).state == "approved"
    comment.raw_content = "see http://a.example and http://b.example"
    services.place_update(comment)
    assert Comment.objects.get(pk=comment.pk).state == "pending"


def test_spam_fields_changed(make_comment):
    comment = make_comment()
    assert not services.spam_fields_changed(comment, {"raw_content": comment.raw_content})
    assert not services.spam_fields_changed(comment, {"comment_type": "like"})
    assert services.spam_fields_changed(comment, {"author_url": "https://spam.example/"})
    assert services.spam_fields_changed(comment, {"content": "<p>new</p>"})


# --- submitting from the form -----------------------------------------------------------------


def submission(post, **fields):
    data = {"post": post, "text": "Nice *post*", "name": "Bo", "email": "bo@example.net"}
    data.update(fields)
    return services.NewComment(**data)


def test_submit_renders_the_markdown_subset_sanitised(post, rules):
    c = services.submit_comment(submission(post, text="Nice *post* <script>x()</script>"))
    assert c.content.startswith("<p>Nice <em>post</em>")
    assert "<script>" not in c.content
    assert c.raw_content == "Nice *post* <script>x()</script>"


def test_submit_refuses_closed_old_and_unpublished_posts(post, rules):
    post.comment_status = "closed"
    post.save()
    with pytest.raises(services.CommentRefused, match="closed"):
        services.submit_comment(submission(post))
    post.comment_status = "open"
    post.published_at = timezone.now() - dt.timedelta(days=40)
    post.save()
    rules.close_after_days = 30
    rules.save()
    with pytest.raises(services.CommentRefused, match="closed"):
        services.submit_comment(submission(post))
    rules.close_after_days = 0
    rules.save()
    post.status = "draft"
    post.save()
    with pytest.raises(services.CommentRefused):
        services.submit_comment(submission(post))
    assert Comment.objects.count() == 0


def test_submit_refuses_a_double_submission(post, rules):
    services.submit_comment(submission(post))
    with pytest.raises(services.CommentRefused, match="already sent"):
        services.submit_comment(submission(post))
    assert Comment.objects.count() == 1


def test_submit_refuses_replies_to_other_posts_and_trashed_comments(post, rules, make_comment):
    from plnet.publishing.models import Post

    other = Post.objects.create(
        title="Other", slug="other", status="published", published_at=post.published_at
    )
    elsewhere = make_comment(post=other)
    trashed = make_comment(state="trash")
    for parent in (elsewhere, trashed):
        with pytest.raises(services.CommentRefused, match="replying to"):
            services.submit_comment(submission(post, parent=parent))
    assert Comment.objects.count() == 2


def test_members_comment_under_their_profile(post, rules, django_user_model):
    member = django_user_model.objects.create_user(
        "cy", email="cy@example.org", display_name="Cy", website="https://cy.example/"
    )
    c = services.submit_comment(submission(post, name="", email="", user=member))
    assert (c.user, c.author_name, c.author_email, c.author_url) == (
        member,
        "Cy",
        "cy@example.org",
        "https://cy.example/",
    )


# --- moderation -------------------------------------------------------------------------------


def test_moderate_moves_and_records_the_moderator(make_comment, author):
    """Regression: approving replaced the filter's reason ("classifier: spam probability 0.62…")
    with "moderator: approved by admin"; both are kept now."""
    c = make_comment(state="pending", spam_layer="classifier", spam_score=0.62,
                     spam_reason="spam probability 0.62 between 0.09 and 0.98")  # fmt: skip
    before = timezone.now()
    assert services.moderate(c, "approve", by=author) is True
    c.refresh_from_db()
    assert (c.state, c.spam_layer, c.spam_reason, c.spam_score) == (
        "approved", "classifier", "spam probability 0.62 between 0.09 and 0.98", 0.62,
    )  # fmt: skip
    assert (c.moderated_by, c.moderator_action) == ("Ana", "approved")
    assert before <= c.moderated_at <= timezone.now()
    assert services.moderate(c, "approve", by=author) is False
    with pytest.raises(KeyError):
        services.moderate(c, "explode", by=author)


def test_marking_spam_and_not_spam_retrains(
    make_comment, author, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(
        "plnet.conversation.training.train_from_site", lambda source: calls.append(source)
    )
    c = make_comment(state="pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(c, "approve", by=author)
    assert calls == []  # approving a pending comment teaches nothing new
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(c, "spam", by=author)
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(c, "not_spam", by=author)
    assert calls == ["retrain after moderation"] * 2


def test_moderate_many_counts_changes(make_comment, author):
    ids = [make_comment(state="pending").pk for _ in range(3)] + [make_comment().pk]
    assert services.moderate_many(ids, "approve", by=author) == 3
    assert Comment.objects.approved().count() == 4


def test_edit_and_reply_as_author(make_comment, author):
    c = make_comment(state="pending")
    services.edit_comment(c, text="Fixed **typo**", name="Bo B", email="bo@example.net", url="")
    c.refresh_from_db()
    assert (c.content, c.author_name) == ("<p>Fixed <strong>typo</strong></p>\n", "Bo B")
    reply = services.reply_as_author(c, text="Thanks!", user=author)
    c.refresh_from_db()
    assert (c.state, reply.state, reply.parent, reply.user) == ("approved", "approved", c, author)


def test_empty_expired_never_sooner(make_comment, settings):
    days = settings.PLNET.spam_retention_days
    now = timezone.now()
    make_comment(state="spam", state_changed_at=now - dt.timedelta(days=days, minutes=1))
    keep = make_comment(state="trash", state_changed_at=now - dt.timedelta(days=days - 1))
    keep_ok = make_comment(state="approved", state_changed_at=now - dt.timedelta(days=400))
    assert services.empty_expired() == 1
    assert set(Comment.objects.all()) == {keep, keep_ok}


def test_tick_is_registered_and_empties(make_comment):
    make_comment(state="spam", state_changed_at=timezone.now() - dt.timedelta(days=90))
    assert "conversation.empty_expired" in ticks.registered()
    ticks.registered()["conversation.empty_expired"].func()
    assert Comment.objects.count() == 0


def test_plnet_tick_says_how_many_comments_it_emptied(make_comment):
    """Regression: `plnet tick` printed "ran conversation.empty_expired" with no count."""
    for state in ("spam", "trash"):
        make_comment(state=state, state_changed_at=timezone.now() - dt.timedelta(days=90))
    make_comment(state="spam")
    out = io.StringIO()
    call_command("tick", stdout=out)
    assert (
        "ran conversation.empty_expired: 2 comments emptied (spam and trash past the retention"
        " days)\n" in out.getvalue()
    )
    assert Comment.objects.count() == 1


# --- threads ----------------------------------------------------------------------------------


def test_thread_nests_to_the_configured_depth(make_comment, settings):
    settings.PLNET = __import__("dataclasses").replace(settings.PLNET, comment_thread_depth=3)
    a = make_comment()
    b = make_comment(parent=a)
    c = make_comment(parent=b)
    d = make_comment(parent=c)  # beyond depth 3: shown beside c
    make_comment(parent=a, state="pending")  # not shown
    e = make_comment()
    roots = services.thread(a.post)
    assert [n.comment for n in roots] == [a, e]
    level2 = roots[0].replies
    assert [n.comment for n in level2] == [b]
    assert [(n.comment, n.depth) for n in level2[0].replies] == [(c, 3), (d, 3)]
    assert services.reply_allowed(level2[0]) and not services.reply_allowed(level2[0].replies[0])


def test_thread_shows_the_visitors_own_waiting_comments(make_comment):
    mine = make_comment(state="pending")
    mine_spam = make_comment(state="spam")
    mine_trashed = make_comment(state="trash")
    other = make_comment(state="pending")
    nodes = services.thread(mine.post, extra_ids=[mine.pk, mine_spam.pk, mine_trashed.pk])
    assert [(n.comment, n.awaiting) for n in nodes] == [(mine, True), (mine_spam, True)]
    assert other not in [n.comment for n in nodes]


# --- mail -------------------------------------------------------------------------------------


def test_post_author_gets_mail_for_held_and_new_comments_once(
    post, rules, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        held = services.place_incoming(new(post, raw_content="first words"))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert "Awaiting moderation" in mail.outbox[0].subject
    assert "first words" in mail.outbox[0].body
    held.refresh_from_db()
    assert services.notify_post_author(held) is False  # already sent
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        spam = services.place_incoming(new(post), request_meta={"honeypot": "x"})
    assert spam.state == "spam" and len(mail.outbox) == 1 and callbacks == []


def test_own_post_author_gets_mail_for_an_approved_comment(
    post, rules, make_comment, django_capture_on_commit_callbacks
):
    make_comment(state="approved")  # bo is known: published at once
    with django_capture_on_commit_callbacks(execute=True):
        c = services.place_incoming(new(post, raw_content="second words"))
    assert c.state == "approved"
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert mail.outbox[0].subject == "[plnet] New comment: Hello"
    assert f"See it: http://127.0.0.1:8000/{post.published_at:%Y/%m/%d}/hello/#comment-{c.pk}" in (
        mail.outbox[0].body
    )


@pytest.fixture
def imported_post(post, django_user_model):
    """A post whose author came from a WordPress import: an account without an email."""
    post.author = django_user_model.objects.create(username="wp-admin", email="")
    post.save()
    return post


@pytest.mark.parametrize("known", [False, True], ids=["held", "approved"])
def test_imported_post_mails_the_staff_when_its_author_has_no_email(
    imported_post, rules, make_comment, django_user_model, django_capture_on_commit_callbacks, known
):
    django_user_model.objects.create(username="own", email="own@example.org", is_staff=True)
    django_user_model.objects.create(username="old", email="old@example.org", is_staff=True,
                                     is_active=False)  # fmt: skip
    django_user_model.objects.create(username="nomail", email="", is_staff=True)
    django_user_model.objects.create(username="member", email="m@example.org")
    if known:
        make_comment(state="approved")
    with django_capture_on_commit_callbacks(execute=True):
        c = services.place_incoming(new(imported_post, raw_content="on an old post"))
    assert c.state == ("approved" if known else "pending")
    assert [m.to for m in mail.outbox] == [["own@example.org"]]
    word = "New comment" if known else "Awaiting moderation"
    assert mail.outbox[0].subject == f"[plnet] {word}: Hello"
    assert "on an old post" in mail.outbox[0].body


def test_plnet_admin_email_is_told_before_the_staff(
    imported_post, rules, settings, django_user_model, django_capture_on_commit_callbacks
):
    settings.PLNET = dataclasses.replace(
        settings.PLNET, admin_email=("owner@example.org", "editor@example.org")
    )
    django_user_model.objects.create(username="own", email="own@example.org", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.place_incoming(new(imported_post))
    assert [m.to for m in mail.outbox] == [["owner@example.org", "editor@example.org"]]


def test_the_owner_is_not_mailed_about_their_own_comments(
    imported_post, rules, settings, make_comment, django_user_model,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """Regression: the admin (an account without email; PLNET_ADMIN_EMAIL set) got a "New
    comment" mail for each of their own replies, from the thread and from the queue."""
    settings.PLNET = dataclasses.replace(settings.PLNET, admin_email=("owner@example.org",))
    admin = django_user_model.objects.create(username="admin", email="", is_staff=True)
    parent = make_comment(state="pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_comment(submission(imported_post, text="My reply", user=admin,
                                           name="", email=""))  # fmt: skip
        services.reply_as_author(parent, text="From the queue", user=admin)
    assert mail.outbox == []
    # same email as the address told, without an account: not told either
    with django_capture_on_commit_callbacks(execute=True):
        services.place_incoming(new(imported_post, author_email="Owner@Example.org"))
    assert mail.outbox == []
    # a member who is not staff is someone else: the owner is told
    member = django_user_model.objects.create(username="mo", email="mo@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_comment(submission(imported_post, text="Hi", user=member, name="",
                                           email=""))  # fmt: skip
    assert [m.to for m in mail.outbox] == [["owner@example.org"]]


def test_an_author_with_email_is_not_mailed_about_their_comment_under_another_address(
    post, rules, author, django_user_model, django_capture_on_commit_callbacks
):
    """Same account, or the account's email: both are the author's own words."""
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_comment(submission(post, user=author, name="Ana", email="other@x.example"))
    assert mail.outbox == []


def test_no_owner_address_at_all_sends_nothing(imported_post, rules):
    c = services.place_incoming(new(imported_post))
    assert services.notify_post_author(c) is False
    assert mail.outbox == []
    assert Comment.objects.get(pk=c.pk).author_notified_at is None


def test_opted_in_commenter_gets_reply_mail_with_working_unsubscribe(
    post, rules, make_comment, django_capture_on_commit_callbacks
):
    parent = make_comment(notify_replies=True, author_email="Bo@Example.net")
    make_comment(notify_replies=True, author_email="bo@example.net")
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.place_incoming(
            new(post, parent=parent, author_email="cy@example.org", author_name="Cy")
        )
    assert reply.state == "pending" and len(mail.outbox) == 1  # only the post author so far
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(reply, "approve", by="ana")
    reply_mails = [m for m in mail.outbox if m.to == ["Bo@Example.net"]]
    assert len(reply_mails) == 1
    body = reply_mails[0].body
    link = next(line for line in body.split() if "/comments/unsubscribe/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert reply_mails[0].extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert services.unsubscribe(token) == 2
    assert not Comment.objects.filter(notify_replies=True).exists()
    with pytest.raises(signing.BadSignature):
        services.unsubscribe(token + "x")


def test_no_reply_mail_without_opt_in_or_to_oneself(post, rules, make_comment):
    quiet = make_comment(notify_replies=False)
    loud = make_comment(notify_replies=True, author_email="cy@example.org")
    mail.outbox.clear()
    r1 = make_comment(parent=quiet, author_email="dee@example.org")
    r2 = make_comment(parent=loud, author_email="cy@example.org")
    assert services.notify_replied_to(r1) is False
    assert services.notify_replied_to(r2) is False
    assert mail.outbox == []


def test_bulk_spam_retrains_once(
    make_comment, author, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(
        "plnet.conversation.training.train_from_site", lambda source: calls.append(source)
    )
    ids = [make_comment(state="pending").pk for _ in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.moderate_many(ids, "spam", by=author) == 4
    assert calls == ["retrain after moderation"]
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate_many(ids, "trash", by=author)  # spam -> trash is no ham judgement
    assert len(calls) == 1


def test_submitted_markdown_image_keeps_its_words(post, rules):
    """Regression: a comment made of a Markdown image was stored and published empty."""
    comment = services.submit_comment(
        submission(post, text="![img](https://tracker.example.net/pixel.png)")
    )
    assert comment.content == (
        '<p><a href="https://tracker.example.net/pixel.png" rel="nofollow ugc noopener'
        ' noreferrer">img</a></p>\n'
    )
