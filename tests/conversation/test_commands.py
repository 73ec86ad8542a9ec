"""`plnet spam train [--csv]` and `plnet spam classify --csv`, run as the command line runs them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from plnet.conversation.models import Comment, SpamExample, SpamModel

pytestmark = pytest.mark.django_db
PSY = "spam/youtube-spam-collection/Youtube01-Psy.csv"
KATY = "spam/youtube-spam-collection/Youtube02-KatyPerry.csv"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("spam", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_train_from_csv_then_classify_a_csv(corpus, capsys):
    out, err = run("train", "--csv", str(corpus / PSY))
    model = SpamModel.objects.get()
    assert f"trained spam model {model.pk} on 175 spam and " in out
    assert "kept" in err and SpamExample.objects.filter(is_spam=True).count() == 175
    out, err = run("classify", "--csv", str(corpus / KATY))
    rows = list(csv.DictReader(io.StringIO(out)))
    with (corpus / KATY).open(encoding="utf-8", newline="") as f:
        source = list(csv.DictReader(f))
    assert len(rows) == len(source) == 350
    assert [r["text"] for r in rows] == [s["CONTENT"] for s in source]
    assert {r["verdict"] for r in rows} <= {"spam", "held", "approved"}
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in rows)
    spam_caught = sum(
        r["verdict"] != "approved" for r, s in zip(rows, source, strict=True) if s["CLASS"] == "1"
    )
    assert spam_caught >= 160  # of 175: trained on another video, still stops most spam
    assert "350/350" in capsys.readouterr().err  # the tqdm bar (on the process's stderr)


def test_classify_accepts_text_only_csv(corpus, tmp_path):
    run("train", "--csv", str(corpus / PSY))
    path = tmp_path / "mine.csv"
    path.write_text("text\nCheck out my channel http://spam.example subscribe!\nLovely song\n")
    out, _ = run("classify", "--csv", str(path))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["text"] for r in rows] == [
        "Check out my channel http://spam.example subscribe!",
        "Lovely song",
    ]
    assert float(rows[0]["score"]) > float(rows[1]["score"])


def test_train_from_stored_comments(make_comment):
    for i in range(6):
        make_comment(state="spam", raw_content=f"cheap pills http://pills.example/{i}")
        make_comment(state="approved", raw_content=f"I enjoyed part {i} of this essay")
    make_comment(state="pending", raw_content="unjudged")
    out, _ = run("train")
    assert "on 6 spam and 6 ham" in out


def test_errors_are_one_clear_line(tmp_path, make_comment):
    with pytest.raises(CommandError, match="at least 5 spam"):
        run("train")
    with pytest.raises(CommandError, match="cannot read"):
        run("train", "--csv", str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("body,label\nx,spam\n")
    with pytest.raises(CommandError, match="'text'"):
        run("train", "--csv", str(bad))
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,label\nhello,maybe\n")
    with pytest.raises(CommandError, match="line 2"):
        run("train", "--csv", str(labelled))
    text_only = tmp_path / "text.csv"
    text_only.write_text("text\nhello\n")
    with pytest.raises(CommandError, match="plnet spam train"):
        run("classify", "--csv", str(text_only))
    assert SpamModel.objects.count() == 0 and Comment.objects.count() == 0


def test_a_huge_field_is_one_line_naming_the_file_and_line(tmp_path, corpus):
    """Regression: a 200,000-character text ended in `_csv.Error: field larger than field limit
    (131072)` with a full traceback, for train and classify alike."""
    big = tmp_path / "bigfield.csv"
    big.write_text("text,label\nfine,ham\n" + "x" * 200_000 + ",spam\n")
    long = tmp_path / "long.csv"
    long.write_text("text,label\n" + "y" * 10_001 + ",spam\n")
    said = (
        f"{big}: line 3: a field is longer than 131,072 characters; "
        "a comment is at most 10,000 characters"
    )
    with pytest.raises(CommandError) as err:
        run("train", "--csv", str(big))
    assert str(err.value) == said
    with pytest.raises(CommandError, match=r"long.csv: line 2: the text is 10,001 characters"):
        run("train", "--csv", str(long))
    assert SpamExample.objects.count() == 0
    run("train", "--csv", str(corpus / PSY))
    with pytest.raises(CommandError) as err:
        run("classify", "--csv", str(big))
    assert str(err.value) == said


def test_wrong_encodings_are_refused_or_read(tmp_path, corpus):
    """Regression: Latin-1 was silently stored as `caf\ufffd au lait`; a UTF-16 file (Excel's
    "Unicode text", tab-separated) was said to lack the text column it has."""
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("text,label\ncafé au lait,ham\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"latin1.csv: line 2: byte 14 \(0xe9\) is not UTF-8"):
        run("train", "--csv", str(latin1))
    assert SpamExample.objects.count() == 0
    utf16 = tmp_path / "excel.txt"
    rows = [f"{r['CONTENT']}\t{r['CLASS']}" for r in csv.DictReader((corpus / PSY).open())]
    utf16.write_text("CONTENT\tCLASS\n" + "\n".join(rows) + "\ncafé au lait\t0\n", "utf-16")
    run("train", "--csv", str(utf16))
    assert SpamExample.objects.filter(text="café au lait", is_spam=False).exists()


def test_every_csv_is_used_each_as_its_own_source(corpus, tmp_path):
    """Regression: `train --csv a1.csv --csv b1.csv` used only b1.csv."""
    out, err = run("train", "--csv", str(corpus / PSY), "--csv", str(corpus / KATY))
    sources = dict(
        SpamExample.objects.values_list("source").annotate(n=Count("id")).values_list("source", "n")
    )
    assert set(sources) == {"csv:Youtube01-Psy.csv", "csv:Youtube02-KatyPerry.csv"}
    assert sources["csv:Youtube02-KatyPerry.csv"] > 300
    model = SpamModel.objects.get()
    assert model.n_spam + model.n_ham == sum(sources.values())
    assert model.source == "csv:Youtube01-Psy.csv, csv:Youtube02-KatyPerry.csv"
    assert f"kept {sum(sources.values())} new labelled examples from" in err


def test_a_file_without_labels_is_named_and_nothing_is_retrained(corpus, tmp_path):
    """Regression: a file with no label column said "kept 0 new labelled examples", gave no
    reason, and retrained anyway (15-55 s)."""
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text("text\nhello\nbuy now\n")
    with pytest.raises(CommandError) as err:
        run("train", "--csv", str(unlabelled))
    assert str(err.value) == f"no label column: nothing to learn from {unlabelled}"
    assert SpamModel.objects.count() == 0
    run("train", "--csv", str(corpus / PSY))
    out, err = run("train", "--csv", str(corpus / PSY), "--csv", str(unlabelled))
    assert f"nothing to learn from {unlabelled}" in err
    assert "kept 0 new labelled examples" in err
    assert out == "nothing new to learn: the spam model is unchanged\n"
    assert SpamModel.objects.count() == 1


def test_classify_without_a_model_says_so_before_any_progress_bar(tmp_path, capsys):
    """Regression: classify drew a progress bar over every row, then said "no spam model yet"."""
    path = tmp_path / "mine.csv"
    path.write_text("text\nhello\n")
    with pytest.raises(CommandError, match="no spam model yet"):
        run("classify", "--csv", str(path))
    assert "classifying" not in capsys.readouterr().err
