"""Training and using the spam classifier from the site's data: the verbs behind
`plnet spam train` / `plnet spam classify` and the retrain task that follows moderation.

Training data: the site's own comments (spam = spam, approved = ham; pending and trash teach
nothing) plus the labelled examples given once with `plnet spam train --csv` (`SpamExample`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import transaction

from plnet.protocols.spam import CommentText, LabelledText, decide, read_labelled_csv
from plnet.publishing.models import Post

from . import layers
from .classifier import SpamFilter, train
from .forms import MAX_TEXT
from .models import Comment, SpamExample, SpamModel


def site_examples() -> tuple[list[CommentText], list[bool], list[str]]:
    """The site's labelled data: spam and approved comments (source "site"), then the stored CSV
    examples (source as given, e.g. "csv:file.csv"). Returns texts, labels, sources.

    Of the site's comments, only the newest PLNET_SPAM_TRAIN_SITE_MAX spam and as many approved
    ones are taken (0: all): fitting time grows with the examples, and an imported blog's 25,000
    judged comments made one retrain hold the only worker for three minutes. The newest are
    what this site's spam looks like now; Akismet, too, weighs recent spam most.
    """
    texts, labels, sources = [], [], []
    judged = _newest_judged(settings.PLNET.spam_train_site_max)
    posts = Post.objects.filter(pk__in={c.post_id for c in judged}).prefetch_related("legacy_urls")
    contexts = {post.pk: layers.post_context(post) for post in posts}
    for c in judged:
        texts.append(layers.comment_text(c, contexts[c.post_id]))
        labels.append(c.state == Comment.State.SPAM)
        sources.append("site")
    examples = SpamExample.objects.values_list("text", "is_spam", "source")
    for text, is_spam, source in examples.iterator():
        texts.append(CommentText(text))
        labels.append(is_spam)
        sources.append(source)
    return texts, labels, sources


def _newest_judged(per_class: int) -> list[Comment]:
    """The newest `per_class` spam and `per_class` approved comments (all when 0), oldest first."""
    fields = ("raw_content", "content", "author_name", "author_email", "author_url", "state")
    judged = Comment.objects.judged().only(*fields, "post_id", "created_at")
    if per_class <= 0:
        return list(judged)
    newest = []
    for state in (Comment.State.SPAM, Comment.State.APPROVED):
        newest += judged.filter(state=state).order_by("-created_at", "-id")[:per_class]
    return sorted(newest, key=lambda c: (c.created_at, c.pk))


KEEP_MODELS = 5  # older models are deleted: each retrain after moderation adds one (~1 MB)

# Training takes seconds to a minute. It runs outside any transaction: the data is read first,
# the model is fitted with no lock held, and only the result is written, in one short
# transaction. Holding SQLite's write lock while fitting made every comment POST wait for it
# (and fail after the busy timeout) and crashed the task worker.


@transaction.atomic
def store(spam_filter: SpamFilter, source: str, examples: Sequence[SpamExample] = ()) -> SpamModel:
    """Save a trained filter as the newest SpamModel (the one every process will use next),
    with the new labelled `examples` it was trained on (unsaved SpamExample), and delete all but
    the KEEP_MODELS newest models. One short transaction: call it after fitting, never around."""
    if examples:
        SpamExample.objects.bulk_create(examples, batch_size=500)
    model = SpamModel.objects.create(
        source=source[:200],
        blob=spam_filter.dumps(),
        n_spam=spam_filter.n_spam,
        n_ham=spam_filter.n_ham,
        t_low=float(spam_filter.thresholds.t_low),
        t_high=float(spam_filter.thresholds.t_high),
        metrics={k: float(v) for k, v in spam_filter.metrics.items()},
    )
    keep = SpamModel.objects.order_by("-id").values_list("id", flat=True)[:KEEP_MODELS]
    SpamModel.objects.exclude(id__in=list(keep)).delete()
    return model


def train_from_site(source: str = "comments") -> SpamModel:
    """Train on the site's labelled data and store the model.

    Raises classifier.NotEnoughData when there are too few spam or ham examples.
    """
    texts, labels, sources = site_examples()
    return store(train(texts, labels, groups=sources), source)


def new_examples(files: Iterable[tuple[Iterable[LabelledText], str]]) -> list[SpamExample]:
    """The labelled rows of each (rows, source) pair not stored yet, as unsaved SpamExample:
    rows without a label are skipped, and so are texts already stored (or given earlier in
    `files`) with the same label. Reads only; nothing is written."""
    known = set(SpamExample.objects.values_list("text", "is_spam"))
    new = []
    for rows, source in files:
        for row in rows:
            key = (row.text, row.label == "spam")
            if row.label is None or key in known:
                continue
            known.add(key)
            new.append(SpamExample(text=row.text, is_spam=key[1], source=source[:200]))
    return new


def train_from_csvs(
    files: Sequence[tuple[Iterable[LabelledText], str]],
) -> tuple[int, SpamModel | None]:
    """Keep the labelled rows of each (rows, source) pair as examples (each file its own
    source, e.g. "csv:a.csv"), then train on them with the site's comments and store both.

    Returns (examples added, the stored model), or (0, None) when no row was new: the current
    model already learnt from them, so nothing is retrained. Raises NotEnoughData when too few
    examples of one class exist; nothing is stored then.
    """
    examples = new_examples(files)
    if not examples:
        return 0, None
    texts, labels, sources = site_examples()
    texts += [CommentText(e.text) for e in examples]
    labels += [e.is_spam for e in examples]
    sources += [e.source for e in examples]
    spam_filter = train(texts, labels, groups=sources)  # no transaction: see above
    source = ", ".join(dict.fromkeys(e.source for e in examples))
    return len(examples), store(spam_filter, source, examples)


def train_from_csv(data: str | bytes, source: str) -> tuple[int, SpamModel | None]:
    """`train_from_csvs` for one CSV file's contents (texts capped like the comment form's).
    Raises CSVFormatError for a bad file."""
    return train_from_csvs([(read_labelled_csv(data, max_text=MAX_TEXT), source)])


def require_filter() -> SpamFilter:
    """The current spam filter; LookupError (a sentence for the person) when none is trained."""
    spam_filter = layers.current_filter()
    if spam_filter is None:
        raise LookupError("no spam model yet: run `plnet spam train` first")
    return spam_filter


def classify_rows(
    rows: list[LabelledText],
    progress: Callable[[int], object] | None = None,
    spam_filter: SpamFilter | None = None,
) -> list[tuple[str, str, float]]:
    """(text, verdict, score) for each row with `spam_filter` (default: the current model), in
    batches.

    Raises LookupError when no model has been trained yet.
    """
    spam_filter = spam_filter or require_filter()
    out = []
    for start in range(0, len(rows), 256):
        batch = rows[start : start + 256]
        scores = spam_filter.scores([CommentText(r.text) for r in batch])
        out += [
            (r.text, decide(float(s), spam_filter.thresholds), float(s))
            for r, s in zip(batch, scores, strict=True)
        ]
        if progress:
            progress(len(batch))
    return out
