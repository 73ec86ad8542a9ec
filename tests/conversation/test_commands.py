"""`plnet spam train [--csv]` and `plnet spam classify --csv`, run as the command line runs them."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

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
