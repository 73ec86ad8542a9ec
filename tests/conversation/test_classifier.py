"""The classifier itself (no database): the fast single-comment path agrees with scikit-learn,
thresholds come from held-out scores, and too little data is refused."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from plnet.conversation.classifier import (
    NBAveragedLogit,
    NotEnoughData,
    SpamFilter,
    build_pipeline,
    cv_splits,
    ham_to_spam_target,
    outcome_rates,
    train,
)
from plnet.protocols.spam import CommentText, Thresholds, decide

PSY = "spam/youtube-spam-collection/Youtube01-Psy.csv"
LMFAO = "spam/youtube-spam-collection/Youtube03-LMFAO.csv"


def load(corpus, name):
    with (corpus / name).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [CommentText(r["CONTENT"], r["AUTHOR"]) for r in rows], [r["CLASS"] == "1" for r in rows]


def test_fast_path_equals_predict_proba(corpus):
    x, y = load(corpus, PSY)
    spam_filter = SpamFilter(build_pipeline().fit(x, y), None, 0, 0)
    test_x, _ = load(corpus, LMFAO)
    expected = spam_filter.pipeline.predict_proba(test_x)[:, 1]
    spam_filter.thresholds = Thresholds(0.3, 0.7)
    fast = np.array([spam_filter.classify(c)[1] for c in test_x])
    assert np.allclose(fast, expected, atol=1e-9)
    assert [spam_filter.classify(c)[0] for c in test_x[:50]] == [
        decide(s, spam_filter.thresholds) for s in expected[:50]
    ]


def test_nb_averaged_logit_is_the_mean_log_odds_of_its_two_regressions(corpus):
    """Computed independently: an LR on the features and an LR on the features scaled by the
    naive-Bayes log-count ratio, their decision functions averaged."""
    x, y = load(corpus, PSY)
    test_x, _ = load(corpus, LMFAO)
    features = build_pipeline().named_steps["features"]
    train_m = features.fit_transform(x, y)
    test_m = features.transform(test_x)
    labels = np.array(y)
    present = (train_m.toarray() > 0).astype(float)
    p = 1 + present[labels].sum(axis=0)
    q = 1 + present[~labels].sum(axis=0)
    r = np.log((p / p.sum()) / (q / q.sum()))
    plain = LogisticRegression(C=20, class_weight="balanced", solver="liblinear").fit(train_m, y)
    weighted = LogisticRegression(C=4, class_weight="balanced", solver="liblinear").fit(
        train_m.toarray() * r, y
    )
    log_odds = (
        plain.decision_function(test_m) + weighted.decision_function(test_m.toarray() * r)
    ) / 2
    model = NBAveragedLogit(C=20, nb_C=4).fit(train_m, y)
    assert np.allclose(model.decision_function(test_m), log_odds, atol=1e-6)
    assert np.allclose(model.predict_proba(test_m)[:, 1], 1 / (1 + np.exp(-log_odds)), atol=1e-6)
    assert (model.predict(test_m) == (log_odds > 0)).all()


def test_a_filter_stored_before_the_averaged_model_still_classifies(corpus):
    """Filters pickled with a plain LogisticRegression as the model step keep working."""
    x, y = load(corpus, PSY)
    pipeline = build_pipeline()
    pipeline.steps[-1] = (
        "model",
        LogisticRegression(C=20.0, class_weight="balanced", solver="liblinear"),
    )
    old = SpamFilter(pipeline.fit(x, y), Thresholds(0.3, 0.7), 175, 175)
    again = SpamFilter.loads(old.dumps())
    test_x, _ = load(corpus, LMFAO)
    expected = old.pipeline.predict_proba(test_x[:40])[:, 1]
    assert np.allclose([again.classify(c)[1] for c in test_x[:40]], expected, atol=1e-9)


def test_train_picks_thresholds_that_hold_no_held_out_ham_as_spam(corpus):
    x, y = load(corpus, PSY)
    spam_filter = train(x, y)
    assert spam_filter.metrics["ham_to_spam"] == 0.0
    assert spam_filter.metrics["spam_published"] <= 0.01
    assert 0 < spam_filter.thresholds.t_low <= spam_filter.thresholds.t_high < 1
    # pickled and back, it answers the same
    again = SpamFilter.loads(spam_filter.dumps())
    assert again.classify(x[0]) == spam_filter.classify(x[0])


def test_outcome_rates():
    verdicts = ["spam", "held", "approved", "approved", "spam", "held"]
    labels = [False, False, False, True, True, True]
    assert outcome_rates(verdicts, labels) == pytest.approx(
        {"ham_to_spam": 1 / 3, "spam_published": 1 / 3, "held": 2 / 6}
    )


def test_too_few_examples_of_a_class():
    with pytest.raises(NotEnoughData, match="have 4 spam, 6 ham"):
        train([CommentText(f"t{i}") for i in range(10)], [True] * 4 + [False] * 6)


def test_cv_splits_follow_sources_when_there_are_three_or_more():
    y = np.array([True, False] * 30)
    groups = ["a"] * 20 + ["b"] * 20 + ["c"] * 20
    splits = cv_splits(y, groups, 5, 0)
    assert len(splits) == 3
    for _, test in splits:
        assert len({groups[i] for i in test}) == 1  # each fold holds out one whole source


def test_cv_splits_are_stratified_with_fewer_or_thin_sources():
    y = np.array([True, False] * 30)
    for groups in (None, ["a"] * 30 + ["b"] * 30, ["a"] * 20 + ["b"] * 20 + ["c"] * 16 + ["d"] * 4):
        splits = cv_splits(y, groups, 5, 0)
        assert len(splits) == 5
        for _, test in splits:
            assert y[test].sum() == 6  # 30 spam spread evenly over 5 folds


def test_lost_words_margin_only_on_random_folds():
    y = np.array([True, False] * 30)
    assert ham_to_spam_target(y, ["a"] * 20 + ["b"] * 20 + ["c"] * 20) == 0.005
    assert ham_to_spam_target(y, None) == 0.0
    assert ham_to_spam_target(y, ["a"] * 30 + ["b"] * 30) == 0.0
