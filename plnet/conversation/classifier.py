"""The statistical spam classifier (scikit-learn), without Django so the benchmark can drive it.

A `SpamFilter` is a fitted pipeline plus the two thresholds of `plnet.protocols.spam.decide`.
Features: word 1–2-gram TF-IDF (words seen at least twice) over the text with links turned into
host tokens, and the author fields, link count, calls to action and the text's shape as extra
tokens (`plnet.protocols.spam.model_text`), beside character
2–5-gram TF-IDF of the plain text (catches obfuscated words, "ch3ck my channel"); the text is
NFKC-folded first, so full-width or other look-alike letters read as plain ones. The model
(`NBAveragedLogit`) averages the log-odds of two logistic regressions, one on these features and
one on the features weighted by their naive-Bayes log-count ratio (NBSVM-style); the average is
itself one linear model. Thresholds come from cross-validated scores on the
training data — folds by source when the data comes from several (CSV files, the site itself) —
so they reflect how the model does on comments it has not seen.

Stored filters written before the averaged model (a plain LogisticRegression as the last step)
load and classify unchanged: both expose `coef_` and `intercept_`, all `FastScorer` reads.

Storage (pickled in the database) lives in `plnet.conversation.models.SpamModel`.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from plnet.protocols.spam import (
    CommentText,
    Thresholds,
    choose_thresholds,
    decide,
    model_text,
    plain_text,
)

MIN_PER_CLASS = 5  # fewer spam or ham examples than this: no model (the layer abstains)


class NotEnoughData(ValueError):
    """Training needs at least MIN_PER_CLASS examples of both spam and ham."""


def _model_texts(comments: Sequence[CommentText]) -> list[str]:
    return [model_text(c) for c in comments]


def _plain_texts(comments: Sequence[CommentText]) -> list[str]:
    return [plain_text(c.content).lower() for c in comments]


class NBAveragedLogit(ClassifierMixin, BaseEstimator):
    """Two logistic regressions on the same features, their log-odds averaged: one on the TF-IDF
    features as they are, one on the features scaled by their naive-Bayes log-count ratio
    r = log((p / |p|) / (q / |q|)), p and q the smoothed (+alpha) counts of spam and ham examples
    holding each feature (the NB-weighted LR of Wang & Manning 2012, "NBSVM").

    Both are linear in the features, so their average is one linear model:
    coef_ = (w1 + r * w2) / 2, intercept_ = (b1 + b2) / 2 — which is what this estimator keeps
    after fitting (so `FastScorer`, made for a plain LogisticRegression, reads it unchanged).
    predict_proba gives the logistic of that mean log-odds.
    """

    def __init__(self, C: float = 20.0, nb_C: float = 4.0, alpha: float = 1.0):
        self.C, self.nb_C, self.alpha = C, nb_C, alpha

    def fit(self, X, y):
        y = np.asarray(y, dtype=bool)
        present = (X > 0).astype(np.float64)
        p = self.alpha + np.asarray(present[y].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(present[~y].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        plain = _logistic(self.C).fit(X, y)
        weighted = _logistic(self.nb_C).fit(sparse.csr_matrix(X.multiply(ratio)), y)
        self.coef_ = (plain.coef_ + weighted.coef_ * ratio) / 2
        self.intercept_ = (plain.intercept_ + weighted.intercept_) / 2
        self.classes_ = plain.classes_
        return self

    def decision_function(self, X) -> np.ndarray:
        """The averaged log-odds of spam, one per row."""
        return np.asarray(X @ self.coef_.T).ravel() + self.intercept_[0]

    def predict(self, X) -> np.ndarray:
        """The more likely class per row (spam when the averaged log-odds are positive)."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def predict_proba(self, X) -> np.ndarray:
        """[P(ham), P(spam)] per row: the logistic of the averaged log-odds."""
        spam = expit(self.decision_function(X))
        return np.column_stack([1 - spam, spam])


def _logistic(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear")


def build_pipeline() -> Pipeline:
    """The unfitted pipeline: CommentText list -> spam probability (predict_proba[:, 1])."""
    words = make_pipeline(
        FunctionTransformer(_model_texts),
        TfidfVectorizer(
            lowercase=True,
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=2,  # a word seen once teaches about one comment, not about spam
            token_pattern=r"\S+",  # noqa: S106 - a regex, not a password
        ),
    )
    chars = make_pipeline(
        FunctionTransformer(_plain_texts),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    return Pipeline(
        [
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            ("model", NBAveragedLogit(C=20.0, nb_C=4.0)),
        ]
    )


@dataclass
class SpamFilter:
    """A fitted pipeline and its thresholds, with the counts and cross-validated figures of its
    training (`metrics`: ham_to_spam, spam_published, held — shares from 0 to 1)."""

    pipeline: Pipeline
    thresholds: Thresholds
    n_spam: int
    n_ham: int
    metrics: dict[str, float] = field(default_factory=dict)

    def scores(self, comments: Sequence[CommentText]) -> np.ndarray:
        """Spam probabilities (0..1), one per comment."""
        if not comments:
            return np.zeros(0)
        return self.pipeline.predict_proba(list(comments))[:, 1]

    def classify(self, comment: CommentText) -> tuple[str, float]:
        """(verdict, spam probability) for one comment; verdict is spam, held or approved.

        Uses `FastScorer`, which gives the pipeline's probability without scikit-learn's
        per-call checks (a comment is scored while its author waits for the page).
        """
        if self._fast is None:
            self._fast = FastScorer(self.pipeline)
        score = self._fast.score(comment)
        return decide(score, self.thresholds), score

    _fast: FastScorer | None = field(default=None, repr=False, compare=False)

    def __getstate__(self):
        return {**self.__dict__, "_fast": None}

    def dumps(self) -> bytes:
        """The filter pickled, for storage with the site's data (never load untrusted bytes)."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def loads(blob: bytes) -> SpamFilter:
        """Unpickle a filter written by `dumps` (from our own database only)."""
        return pickle.loads(blob)  # noqa: S301 - our own blob, written by dumps()


class FastScorer:
    """The fitted pipeline's spam probability for one comment, computed directly: each TF-IDF
    block's analyzer gives the terms, the block's sublinear tf × idf vector is L2-normalised as
    TfidfVectorizer does, dotted with the logistic regression's weights for that block, and the
    sum plus intercept goes through the logistic function. Equal to predict_proba[:, 1] up to
    floating-point rounding (a test checks it on the corpus)."""

    def __init__(self, pipeline: Pipeline):
        coef = pipeline.named_steps["model"].coef_.ravel()
        self.intercept = float(pipeline.named_steps["model"].intercept_[0])
        self.blocks = []
        offset = 0
        for _, block in pipeline.named_steps["features"].transformer_list:
            select, vectorizer = block.steps[0][1].func, block.steps[1][1]
            vocab = vectorizer.vocabulary_
            weights = {
                term: (float(vectorizer.idf_[i]), float(coef[offset + i]))
                for term, i in vocab.items()
            }
            self.blocks.append((select, vectorizer.build_analyzer(), weights))
            offset += len(vocab)

    def score(self, comment: CommentText) -> float:
        total = self.intercept
        for select, analyze, weights in self.blocks:
            counts: dict[str, int] = {}
            for term in analyze(select([comment])[0]):
                if term in weights:
                    counts[term] = counts.get(term, 0) + 1
            dot, norm = 0.0, 0.0
            for term, n in counts.items():
                idf, w = weights[term]
                value = (1.0 + math.log(n)) * idf
                dot += value * w
                norm += value * value
            if norm:
                total += dot / math.sqrt(norm)
        return 1.0 / (1.0 + math.exp(-total))


def outcome_rates(verdicts: Sequence[str], labels: Sequence[bool]) -> dict[str, float]:
    """Shares that matter to the owner: ham sent to spam (of ham), spam published (of spam),
    and held (of all), each 0..1."""
    ham = [v for v, s in zip(verdicts, labels, strict=True) if not s]
    spam = [v for v, s in zip(verdicts, labels, strict=True) if s]
    return {
        "ham_to_spam": sum(v == "spam" for v in ham) / max(len(ham), 1),
        "spam_published": sum(v == "approved" for v in spam) / max(len(spam), 1),
        "held": sum(v == "held" for v in verdicts) / max(len(verdicts), 1),
    }


def folds_by_source(y: np.ndarray, groups: Sequence[str] | None) -> int:
    """How many source folds `cv_splits` can make: the number of sources when there are at least
    3 and each holds MIN_PER_CLASS spam and ham, else 0 (stratified folds then)."""
    if groups is None:
        return 0
    g = np.asarray(groups)
    names = np.unique(g)
    usable = [
        name
        for name in names
        if min(int(y[g == name].sum()), int((~y[g == name]).sum())) >= MIN_PER_CLASS
    ]
    return len(usable) if len(usable) >= 3 and len(usable) == len(names) else 0


def cv_splits(y: np.ndarray, groups: Sequence[str] | None, folds: int, seed: int):
    """Cross-validation splits: by source when `folds_by_source` allows (scores then come from a
    model that never saw that source, as a new audience will be), else stratified folds."""
    sources = folds_by_source(y, groups)
    if sources:
        return list(GroupKFold(n_splits=min(folds, sources)).split(y, y, np.asarray(groups)))
    n_spam, n_ham = int(y.sum()), int((~y).sum())
    cv = StratifiedKFold(n_splits=min(folds, n_spam, n_ham), shuffle=True, random_state=seed)
    return list(cv.split(np.zeros(len(y)), y))


LOST_WORDS_TARGET = 0.005  # at most this share of ham sent to spam


def ham_to_spam_target(y: np.ndarray, groups: Sequence[str] | None) -> float:
    """The share of held-out ham allowed above t_high: LOST_WORDS_TARGET when the folds hold out
    whole sources, else 0 (a margin: random folds flatter the model)."""
    return LOST_WORDS_TARGET if folds_by_source(y, groups) else 0.0


def train(
    comments: Sequence[CommentText],
    labels: Sequence[bool],
    *,
    groups: Sequence[str] | None = None,
    max_ham_to_spam: float | None = None,
    max_spam_published: float = 0.01,
    folds: int = 5,
    seed: int = 0,
) -> SpamFilter:
    """Fit a SpamFilter on comments with labels (True = spam).

    Thresholds are chosen on out-of-fold scores to meet the two targets. `groups` names each
    example's source (e.g. "site", "csv:file.csv"): with three or more sources the folds follow
    them (`cv_splits`), else they are stratified. `max_ham_to_spam` defaults to
    `ham_to_spam_target(...)`: the 0.5% target itself on source folds, which already score like
    a new audience, and no held-out ham at all on stratified folds, whose scores are more
    optimistic than comments from a new audience. The pipeline is then refitted on everything.
    Raises NotEnoughData when either class has fewer than MIN_PER_CLASS examples.
    """
    y = np.asarray(labels, dtype=bool)
    n_spam, n_ham = int(y.sum()), int((~y).sum())
    if min(n_spam, n_ham) < MIN_PER_CLASS:
        raise NotEnoughData(
            f"training needs at least {MIN_PER_CLASS} spam and {MIN_PER_CLASS} ham comments "
            f"(have {n_spam} spam, {n_ham} ham)"
        )
    comments = list(comments)
    splits = cv_splits(y, groups, folds, seed)
    if max_ham_to_spam is None:
        max_ham_to_spam = ham_to_spam_target(y, groups)
    oof = cross_val_predict(build_pipeline(), comments, y, cv=splits, method="predict_proba")[:, 1]
    thresholds = choose_thresholds(
        oof, y, max_ham_to_spam=max_ham_to_spam, max_spam_published=max_spam_published
    )
    metrics = outcome_rates([decide(s, thresholds) for s in oof], y)
    pipeline = build_pipeline().fit(comments, y)
    return SpamFilter(pipeline, thresholds, n_spam, n_ham, metrics)
