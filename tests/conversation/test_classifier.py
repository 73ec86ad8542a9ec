"""The classifier itself (no database): the fast single-comment path agrees with scikit-learn,
thresholds come from held-out scores, and too little data is refused."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from plnet.conversation.classifier import (
    NotEnoughData,
    SpamFilter,
    build_pipeline,
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
