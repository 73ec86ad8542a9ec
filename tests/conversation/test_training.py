"""The classifier's training, storage, per-process cache, and the feedback loop from moderation."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from plnet.conversation import layers, services, training
from plnet.conversation.classifier import NotEnoughData, SpamFilter, outcome_rates, train
from plnet.conversation.models import Comment, SpamExample, SpamModel
from plnet.protocols.spam import CommentText

pytestmark = pytest.mark.django_db
PSY = "spam/youtube-spam-collection/Youtube01-Psy.csv"
SHAKIRA = "spam/youtube-spam-collection/Youtube05-Shakira.csv"


def youtube_rows(corpus, name):
    with (corpus / name).open(encoding="utf-8", newline="") as f:
        return [(r["CONTENT"], r["AUTHOR"], r["CLASS"] == "1") for r in csv.DictReader(f)]


@pytest.fixture
def psy_comments(corpus, post):
    """The Psy set stored as comments, spam as spam and ham as approved (as after an import)."""
    rows = youtube_rows(corpus, PSY)
    Comment.objects.bulk_create(
        Comment(
            post=post,
            author_name=author,
            raw_content=text,
            state="spam" if is_spam else "approved",
        )
        for text, author, is_spam in rows
    )
    return rows


def test_without_a_model_the_classifier_abstains(post, make_comment):
    assert layers.current_filter() is None
    assert layers.classifier_verdict(make_comment(state="pending")) is None


def test_too_little_data_is_refused_and_nothing_stored(make_comment):
    for _ in range(4):
        make_comment(state="spam")
        make_comment(state="approved")
    with pytest.raises(NotEnoughData, match="at least 5 spam"):
        training.train_from_site()
    assert SpamModel.objects.count() == 0


def test_train_from_site_comments_and_use_it(psy_comments, corpus, post, rules):
    model = training.train_from_site()
    n_spam = sum(s for _, _, s in psy_comments)
    assert (model.n_spam, model.n_ham) == (n_spam, len(psy_comments) - n_spam)
    assert 0 <= model.t_low <= model.t_high <= 1
    assert set(model.metrics) == {"ham_to_spam", "spam_published", "held"}
    # On an unseen set it must do far better than chance: most spam stopped, little ham lost.
    spam_filter = layers.current_filter()
    test = youtube_rows(corpus, SHAKIRA)
    verdicts = [spam_filter.classify(CommentText(t, a))[0] for t, a, _ in test]
    rates = outcome_rates(verdicts, [s for _, _, s in test])
    assert rates["spam_published"] < 0.1 and rates["ham_to_spam"] < 0.1
    # and place_incoming records the classifier's decision with its score
    spam_text = next(t for t, _, s in test if s and "subscribe" in t.lower())
    c = services.place_incoming(Comment(post=post, author_name="x", raw_content=spam_text))
    assert c.spam_score is not None and c.spam_layer in {"classifier", "moderation"}


def test_an_update_is_scored_again_by_the_classifier(psy_comments, post, rules):
    """place_update (an edited Webmention source) asks the classifier about the new words and
    keeps its new score, tightening the state when the new words look like spam."""
    training.train_from_site()
    spam_filter = layers.current_filter()
    ham_text = "I really like the dance in this video"
    spam_text = "Check out my channel and subscribe, free gift cards http://free.example"
    assert spam_filter.classify(CommentText(ham_text, "Ana"))[0] == "approved"
    assert spam_filter.classify(CommentText(spam_text, "Ana"))[0] == "spam"
    rules.hold_first_comment = False
    rules.save()
    comment = services.place_incoming(Comment(post=post, author_name="Ana", raw_content=ham_text))
    assert comment.state == "approved"
    low = comment.spam_score
    comment.raw_content = spam_text
    services.place_update(comment)
    comment.refresh_from_db()
    assert (comment.state, comment.spam_layer) == ("spam", "classifier")
    assert comment.spam_reason.startswith("updated: spam probability")
    assert comment.spam_score > spam_filter.thresholds.t_high > low


def test_the_stored_filter_round_trips_and_the_cache_follows_the_newest_row(psy_comments):
    first = training.train_from_site()
    cached = layers.current_filter()
    assert layers.current_filter() is cached  # same object: not unpickled again
    blob = SpamModel.objects.get(pk=first.pk).blob
    assert isinstance(SpamFilter.loads(bytes(blob)), SpamFilter)
    second = training.train_from_site()
    assert second.pk > first.pk
    assert layers.current_filter() is not cached


def test_feedback_loop_marking_spam_retrains_and_learns(
    psy_comments, post, author, make_comment, django_capture_on_commit_callbacks
):
    training.train_from_site()
    probe = CommentText("zorbaxil quintessa tablets at the lowest price")
    before = float(layers.current_filter().scores([probe])[0])
    for i in range(12):
        make_comment(state="spam", raw_content=f"zorbaxil quintessa tablets deal {i}")
    last = make_comment(state="pending", raw_content="zorbaxil quintessa tablets now")
    models_before = SpamModel.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(last, "spam", by=author)  # the retrain task runs (ImmediateBackend)
    assert SpamModel.objects.count() == models_before + 1
    after = float(layers.current_filter().scores([probe])[0])
    assert after > before + 0.2


def test_train_from_csv_keeps_examples_for_later_retraining(corpus):
    data = (corpus / PSY).read_bytes()
    added, model = training.train_from_csv(data, "csv:psy")
    rows = youtube_rows(corpus, PSY)
    distinct = {(t, s) for t, _, s in rows}
    assert added == len(distinct) == SpamExample.objects.count()
    assert model.n_spam + model.n_ham == len(distinct)
    assert training.train_from_csv(data, "csv:psy") == (0, None)  # already kept: no retrain
    assert SpamModel.objects.count() == 1
    assert training.train_from_site().n_spam == model.n_spam  # examples still count


def test_classify_rows_requires_a_model():
    with pytest.raises(LookupError, match="plnet spam train"):
        training.classify_rows([])


def test_only_the_newest_models_are_kept(make_comment, monkeypatch):
    for i in range(6):
        make_comment(state="spam", raw_content=f"cheap pills http://pills.example/{i}")
        make_comment(state="approved", raw_content=f"I enjoyed part {i} of this essay")
    ids = [training.train_from_site().pk for _ in range(training.KEEP_MODELS + 2)]
    assert list(SpamModel.objects.order_by("id").values_list("id", flat=True)) == ids[2:]
    assert layers.current_filter() is not None


def test_the_classifier_reads_the_post_a_comment_answers(post, make_comment, settings):
    """comment_text carries the post's absolute permalink, its old WordPress addresses and its
    title; site_examples gives the same context to training."""
    from plnet.publishing.models import LegacyURL

    settings.SITE_URL = "https://blog.example"
    LegacyURL.objects.create(path="/?p=77", post=post)
    comment = make_comment(raw_content="See https://blog.example/?p=77 again")
    text = layers.comment_text(comment)
    assert text.post_title == "Hello"
    assert set(text.post_urls) == {
        "https://blog.example" + post.get_absolute_url(),
        "https://blog.example/?p=77",
    }
    texts, labels, sources = training.site_examples()
    assert texts == [text] and labels == [False] and sources == ["site"]


@pytest.mark.django_db(transaction=True)
def test_the_model_is_fitted_outside_any_transaction(corpus, monkeypatch):
    """Regression: `plnet spam train --csv` fitted the model inside a transaction, holding
    SQLite's write lock for the whole fit (15-55 s): comment POSTs waited out the busy timeout
    and failed, and the task worker crashed on "database is locked"."""
    seen = []

    def fit(*args, **kwargs):
        seen.append(connection.in_atomic_block)
        return train(*args, **kwargs)

    monkeypatch.setattr(training, "train", fit)
    added, model = training.train_from_csv((corpus / PSY).read_bytes(), "csv:psy")
    training.train_from_site("retrain after moderation")  # the retrain task's verb
    assert seen == [False, False]
    assert SpamExample.objects.count() == added and model.n_spam + model.n_ham == added


@pytest.fixture
def csv_trained(corpus):
    """A model trained from the Psy CSV only, as `plnet spam train --csv` on a new site."""
    training.train_from_csv((corpus / PSY).read_bytes(), "csv:Youtube01-Psy.csv")
    return layers.current_filter()


def _spam_text(corpus, spam_filter):
    return next(
        t
        for t, a, s in youtube_rows(corpus, SHAKIRA)
        if s and spam_filter.classify(CommentText(t))[0] == "spam"
    )


def test_a_csv_trained_model_only_holds_until_the_site_has_taught_it(
    csv_trained, corpus, post, rules, django_capture_on_commit_callbacks
):
    """Regression: after `plnet spam train --csv`, a new commenter's comment with one ordinary
    link went to spam (0.99), unseen and unmailed; the model had learned nothing of this site."""
    text = _spam_text(corpus, csv_trained)
    with django_capture_on_commit_callbacks(execute=True):
        c = services.place_incoming(Comment(post=post, author_name="x", raw_content=text))
    assert (c.state, c.spam_layer) == ("pending", "classifier")
    assert c.spam_score > csv_trained.thresholds.t_high
    assert c.spam_reason == (
        f"spam probability {c.spam_score:.2f} above {csv_trained.thresholds.t_high:.2f} — held,"
        " not spam: the classifier has learned from 0 spam and 0 approved comments of this site"
        " (fewer than 50 of each)"
    )
    assert [m.subject for m in mail.outbox] == ["[plnet] Awaiting moderation: Hello"]


def test_once_the_site_taught_enough_of_each_the_classifiers_spam_stands(
    csv_trained, corpus, post, rules, make_comment, settings
):
    settings.PLNET = dataclasses.replace(settings.PLNET, spam_site_examples_min=3)
    text = _spam_text(corpus, csv_trained)
    for _ in range(3):
        make_comment(state="spam", author_email="s@example.net")
    for _ in range(2):
        make_comment(state="approved", author_email="h@example.net")
    held = services.place_incoming(Comment(post=post, author_name="x", raw_content=text))
    assert held.state == "pending"
    assert held.spam_reason.endswith("from 3 spam and 2 approved comments of this site (fewer"
                                      " than 3 of each)")  # fmt: skip
    make_comment(state="approved", author_email="h@example.net")
    spam = services.place_incoming(Comment(post=post, author_name="y", raw_content=text + " !"))
    assert (spam.state, spam.spam_layer) == ("spam", "classifier")
    assert spam.spam_reason == (
        f"spam probability {spam.spam_score:.2f} above {csv_trained.thresholds.t_high:.2f}"
    )
    settings.PLNET = dataclasses.replace(settings.PLNET, spam_site_examples_min=0)
    Comment.objects.judged().delete()
    off = services.place_incoming(Comment(post=post, author_name="z", raw_content=text + " ?"))
    assert off.state == "spam"


def test_a_retrain_learns_from_the_newest_site_comments_of_each_class_and_every_csv_example(
    make_comment, settings
):
    """Regression: after importing a blog with ~25k judged comments each retrain fitted all of
    them and held the only worker for ~3 minutes. PLNET_SPAM_TRAIN_SITE_MAX caps the site's
    examples per class (the newest); the CSV examples all stay."""
    settings.PLNET = dataclasses.replace(settings.PLNET, spam_train_site_max=3)
    start = timezone.now() - dt.timedelta(days=30)
    for i in range(5):
        when = start + dt.timedelta(days=i)
        for state, word in (("spam", "spam"), ("approved", "ham")):
            text = f"{word} {i}"
            make_comment(state=state, raw_content=text, content=f"<p>{text}</p>", created_at=when)
    make_comment(state="pending", raw_content="pending teaches nothing")
    SpamExample.objects.create(text="csv spam", is_spam=True, source="csv:x.csv")
    SpamExample.objects.create(text="csv ham", is_spam=False, source="csv:x.csv")
    texts, labels, sources = training.site_examples()
    site = sorted(
        (t.content.strip(), is_spam)
        for t, is_spam, s in zip(texts, labels, sources, strict=True)
        if s == "site"
    )
    assert site == [(f"ham {i}", False) for i in (2, 3, 4)] + [
        (f"spam {i}", True) for i in (2, 3, 4)
    ]
    assert sources.count("csv:x.csv") == 2
    settings.PLNET = dataclasses.replace(settings.PLNET, spam_train_site_max=0)
    assert training.site_examples()[2].count("site") == 10  # 0: all of them


@pytest.mark.django_db(transaction=True)
def test_retrains_coalesce_while_one_waits_to_start(settings):
    """Regression: each import with comments (and each moderation) queued another ~3-minute
    retrain behind the one already waiting, holding up imports, feeds and scheduled posts."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from plnet.conversation.tasks import request_retrain

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    assert request_retrain() is True
    assert request_retrain() is False  # one is waiting: it will read this change too
    assert DBTaskResult.objects.count() == 1
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING)  # the worker took it
    assert request_retrain() is True  # it may have read its data already: one more
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
