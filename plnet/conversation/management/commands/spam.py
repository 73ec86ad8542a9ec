"""`plnet spam train [--csv FILE …]` and `plnet spam classify --csv FILE`: the spam classifier
from the command line.

train: from the comments stored on the site (spam vs approved, e.g. imported from WordPress),
plus, with --csv (repeatable), labelled CSVs (`text,label` with spam/ham, or the YouTube Spam
Collection's `CONTENT,CLASS` with 1 = spam) whose rows are kept for later retraining, each file
as its own source. A file without labels is named and teaches nothing; when no row is new the
model is not retrained (it already learnt them).
classify: reads the same CSV format (label optional) and writes `text,verdict,score` to stdout.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plnet.conversation import training
from plnet.conversation.classifier import NotEnoughData
from plnet.conversation.forms import MAX_TEXT
from plnet.protocols.spam import (
    CSVFormatError,
    LabelledText,
    read_labelled_csv,
    write_verdict_csv,
)


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def _rows(path: str) -> list[LabelledText]:
    """The file's rows; CommandError naming the file for a bad one (texts are capped like the
    comment form's, MAX_TEXT)."""
    try:
        return read_labelled_csv(_read(path), max_text=MAX_TEXT)
    except CSVFormatError as exc:
        raise CommandError(f"{path}: {exc}") from None


class Command(BaseCommand):
    help = "Train the spam classifier, or classify a CSV of comments with it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="train from stored comments (and labelled CSVs)")
        train.add_argument(
            "--csv",
            action="append",
            help="CSV with text,label (or CONTENT,CLASS) columns; give --csv again for more files",
        )
        classify = sub.add_parser("classify", help="write text,verdict,score for each CSV row")
        classify.add_argument("--csv", required=True, help="CSV with a text (or CONTENT) column")

    def handle(self, *args, action, csv=None, **options):
        try:
            if action == "train":
                self._train(csv or [])
            else:
                self._classify(csv)
        except (NotEnoughData, LookupError) as exc:
            raise CommandError(str(exc)) from None

    def _train(self, paths: list[str]):
        files = self._labelled_files(paths)
        if paths and not files:
            raise CommandError(f"no label column: nothing to learn from {', '.join(paths)}")
        with tqdm(total=1, desc="training", unit="model", file=sys.stderr) as bar:
            if files:
                added, model = training.train_from_csvs(
                    [(rows, f"csv:{Path(path).name}") for path, rows in files]
                )
                self.stderr.write(f"kept {added} new labelled examples from {', '.join(paths)}")
            else:
                model = training.train_from_site("comments")
            bar.update(1)
        if model is None:
            self.stdout.write("nothing new to learn: the spam model is unchanged")
            return
        m = model.metrics
        self.stdout.write(
            f"trained spam model {model.pk} on {model.n_spam} spam and {model.n_ham} ham; "
            f"thresholds held ≥ {model.t_low:.3f}, spam > {model.t_high:.3f}; cross-validated: "
            f"ham to spam {m.get('ham_to_spam', 0):.1%}, spam published "
            f"{m.get('spam_published', 0):.1%}, held {m.get('held', 0):.1%}"
        )

    def _labelled_files(self, paths: list[str]) -> list[tuple[str, list[LabelledText]]]:
        """(path, rows) of each file that has labels; each one without is named on stderr."""
        files = []
        for path in dict.fromkeys(paths):
            rows = _rows(path)
            if any(row.label for row in rows):
                files.append((path, rows))
            else:
                self.stderr.write(
                    f"no label column (label spam/ham, or CLASS 1/0): nothing to learn from {path}"
                )
        return files

    def _classify(self, path: str):
        spam_filter = training.require_filter()  # before reading or drawing anything
        rows = _rows(path)
        with tqdm(total=len(rows), desc="classifying", unit="comment", file=sys.stderr) as bar:
            results = training.classify_rows(rows, progress=bar.update, spam_filter=spam_filter)
        self.stdout.write(write_verdict_csv(results), ending="")
