"""`plnet spam train [--csv FILE]` and `plnet spam classify --csv FILE`: the spam classifier from
the command line.

train: from the comments stored on the site (spam vs approved, e.g. imported from WordPress),
plus, with --csv, a labelled CSV (`text,label` with spam/ham, or the YouTube Spam Collection's
`CONTENT,CLASS` with 1 = spam) whose rows are kept for later retraining.
classify: reads the same CSV format (label optional) and writes `text,verdict,score` to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plnet.conversation import training
from plnet.conversation.classifier import NotEnoughData
from plnet.protocols.spam import CSVFormatError, read_labelled_csv, write_verdict_csv


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


class Command(BaseCommand):
    help = "Train the spam classifier, or classify a CSV of comments with it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train from stored comments (and a labelled CSV)")
        train.add_argument("--csv", help="CSV with text,label (or CONTENT,CLASS) columns")
        classify = sub.add_parser("classify", help="write text,verdict,score for each CSV row")
        classify.add_argument("--csv", required=True, help="CSV with a text (or CONTENT) column")

    def handle(self, *args, action, csv=None, **options):
        try:
            if action == "train":
                self._train(csv)
            else:
                self._classify(csv)
        except (CSVFormatError, NotEnoughData, LookupError) as exc:
            raise CommandError(str(exc)) from None

    def _train(self, path: str | None):
        with tqdm(total=1, desc="training", unit="model", file=sys.stderr) as bar:
            if path:
                added, model = training.train_from_csv(_read(path), f"csv:{Path(path).name}")
                self.stderr.write(f"kept {added} new labelled examples from {path}")
                if model is None:
                    self.stdout.write("nothing new to learn: the spam model is unchanged")
                    return
            else:
                model = training.train_from_site("comments")
            bar.update(1)
        m = model.metrics
        self.stdout.write(
            f"trained spam model {model.pk} on {model.n_spam} spam and {model.n_ham} ham; "
            f"thresholds held ≥ {model.t_low:.3f}, spam > {model.t_high:.3f}; cross-validated: "
            f"ham to spam {m.get('ham_to_spam', 0):.1%}, spam published "
            f"{m.get('spam_published', 0):.1%}, held {m.get('held', 0):.1%}"
        )

    def _classify(self, path: str):
        rows = read_labelled_csv(_read(path))
        with tqdm(total=len(rows), desc="classifying", unit="comment", file=sys.stderr) as bar:
            results = training.classify_rows(rows, progress=bar.update)
        self.stdout.write(write_verdict_csv(results), ending="")
