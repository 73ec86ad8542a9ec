"""plnet.protocols.spam: text, links, meta tokens, verdicts, thresholds and labelled CSV."""

from __future__ import annotations

import csv

import pytest

from plnet.protocols.spam import (
    APPROVED,
    HELD,
    SPAM,
    CommentText,
    CSVFormatError,
    Thresholds,
    anchor_hosts,
    choose_thresholds,
    count_links,
    decide,
    host_of,
    meta_tokens,
    model_text,
    plain_text,
    points_to,
    read_labelled_csv,
    title_words,
    write_verdict_csv,
)

YOUTUBE = "spam/youtube-spam-collection"
# Rows, spam, ham per file, from SOURCES.md (the published dataset statistics).
YOUTUBE_COUNTS = {
    "Youtube01-Psy.csv": (350, 175, 175),
    "Youtube02-KatyPerry.csv": (350, 175, 175),
    "Youtube03-LMFAO.csv": (438, 236, 202),
    "Youtube04-Eminem.csv": (448, 245, 203),
    "Youtube05-Shakira.csv": (370, 174, 196),
}


def test_plain_text_drops_tags_entities_and_invisible_padding():
    assert plain_text("I always<br />end up &amp; back\ufeff") == "I always end up & back"
    assert plain_text("  a \n\n b ") == "a b"
    assert plain_text("") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("no links here", 0),
        ("see http://example.com/a and https://example.org", 2),
        ('<a href="http://x.example/">x</a> and www.spam.example', 2),
        ("visit kobyoshi02.com now", 1),
        ("[md](https://a.example/) text", 1),
    ],
)
def test_count_links(raw, expected):
    assert count_links(raw) == expected


def test_host_of():
    assert host_of("https://www.Example.com/path") == "example.com"
    assert host_of("example.org/x") == "example.org"
    assert host_of("http://[::1") == ""


def test_meta_tokens_describe_links_author_and_shouting():
    c = CommentText(
        "CHECK OUT MY CHANNEL http://a.example http://b.example http://c.example",
        author_name="Julius NM",
        author_email="j@Mail.Example",
        author_url="https://www.site.example/",
    )
    tokens = meta_tokens(c)
    assert tokens[0] == "links_3plus"
    assert "shouting" in tokens
    assert "aname_julius" in tokens and "aname_nm" in tokens
    assert "amail_mail_example" in tokens
    assert "aurl_site_example" in tokens
    assert meta_tokens(CommentText("fine"))[:1] == ["links_0"]


def test_meta_tokens_count_calls_to_action_and_describe_the_shape():
    tokens = meta_tokens(CommentText("Please subscribe to my channel!!!! 😀 call 555 1234?"))
    assert "cta_2" in tokens
    assert {"digits_many", "emoji", "repeat", "bang", "question"} <= set(tokens)
    plain = meta_tokens(CommentText("I love this song"))
    assert "cta_0" in plain
    assert not {"digits_many", "emoji", "repeat", "bang", "question"} & set(plain)


def test_model_text_turns_urls_into_host_tokens():
    text = model_text(CommentText("look http://www.shop.example/buy now"))
    assert "urlhost_shop_example" in text and "http" not in text


def test_full_width_links_are_links():
    """Regression: a full-width URL (a YouTube spam comment in the corpus) was read as words."""
    raw = "ｈｔｔｐ://ｗｗｗ.ｅｂａｙ.ｃｏｍ/ｕｓｒ/ｓｈｏｅｃｏｌｌｅｃｔｏｒ314"
    assert plain_text(raw) == "http://www.ebay.com/usr/shoecollector314"
    assert count_links(raw) == 1
    assert "urlhost_ebay_com" in model_text(CommentText(raw)).split()


def test_anchor_hosts_become_host_tokens():
    """A link written as an anchor (the corpus's Google+ mentions) names its host like a bare URL."""
    raw = (
        'subscribe to <span class="proflinkWrapper"><a class="proflink" '
        'href="https://plus.google.com/1049" oid="1">SuperMarioLogan</a></span> '
        "and <a href='/local'>here</a> <a href=\"https://www.shop.example/?a=1&amp;b=2\">x</a>"
    )
    assert anchor_hosts(raw) == ["plus.google.com", "shop.example"]
    tokens = model_text(CommentText(raw)).split()
    assert {"urlhost_plus_google_com", "urlhost_shop_example", "links_3plus"} <= set(tokens)


@pytest.mark.parametrize(
    ("score", "verdict"),
    [(0.95, SPAM), (0.8, HELD), (0.5, HELD), (0.2, HELD), (0.19, APPROVED), (0.0, APPROVED)],
)
def test_decide(score, verdict):
    assert decide(score, Thresholds(t_low=0.2, t_high=0.8)) == verdict


def test_choose_thresholds_meets_both_targets_on_the_scores_it_saw():
    ham = [i / 1000 for i in range(0, 600, 3)]  # 200 ham from 0.000 to 0.597
    spam = [0.4 + i / 1000 for i in range(0, 600, 3)]  # 200 spam from 0.400 to 0.997
    scores, labels = ham + spam, [False] * 200 + [True] * 200
    t = choose_thresholds(scores, labels, max_ham_to_spam=0.005, max_spam_published=0.01)
    ham_above = sum(s > t.t_high for s in ham)
    spam_below = sum(s < t.t_low for s in spam)
    assert ham_above == 1  # 0.5% of 200 ham
    assert spam_below == 2  # 1% of 200 spam
    # t_high halfway between the 2nd-highest ham (0.594) and the next score above it
    assert t.t_high == pytest.approx((0.594 + 0.595) / 2)
    assert t.t_low == pytest.approx((0.406 + 0.405) / 2)


def test_choose_thresholds_with_no_ham_allowed_sits_above_every_ham():
    t = choose_thresholds([0.1, 0.3, 0.7, 0.9], [False, False, True, True], max_ham_to_spam=0)
    assert t.t_high == pytest.approx(0.5)
    assert decide(0.3, t) != SPAM


def test_choose_thresholds_needs_both_classes():
    with pytest.raises(ValueError):
        choose_thresholds([0.1, 0.2], [False, False])


@pytest.mark.parametrize("name", sorted(YOUTUBE_COUNTS))
def test_read_labelled_csv_reads_the_youtube_spam_collection(corpus, name):
    path = corpus / YOUTUBE / name
    rows = read_labelled_csv(path.read_bytes())
    total, n_spam, n_ham = YOUTUBE_COUNTS[name]
    assert len(rows) == total
    assert sum(r.label == "spam" for r in rows) == n_spam
    assert sum(r.label == "ham" for r in rows) == n_ham
    with path.open(encoding="utf-8", newline="") as f:
        first = next(csv.DictReader(f))
    assert rows[0].text == first["CONTENT"]


def test_read_labelled_csv_text_label_and_optional_label():
    rows = read_labelled_csv("text,label\nbuy now,spam\nnice post,HAM\n,spam\nno label,\n")
    assert [(r.text, r.label) for r in rows] == [
        ("buy now", "spam"),
        ("nice post", "ham"),
        ("no label", None),
    ]
    assert [r.text for r in read_labelled_csv("\ufefftext\nhello\n")] == ["hello"]


def test_read_labelled_csv_errors_name_the_problem():
    with pytest.raises(CSVFormatError, match="'text'"):
        read_labelled_csv("body,label\nx,spam\n")
    with pytest.raises(CSVFormatError, match="line 3"):
        read_labelled_csv("text,label\na,spam\nb,maybe\n")


def test_a_field_past_the_csv_limit_or_the_comment_cap_is_one_error_naming_its_line():
    """Regression: a 200,000-character text ended in a raw `_csv.Error: field larger than field
    limit (131072)` traceback."""
    huge = b"text,label\nok,ham\n" + b"x" * 200_000 + b",spam\n"
    with pytest.raises(CSVFormatError, match=r"^line 3: a field is longer than 131,072 char"):
        read_labelled_csv(huge)
    with pytest.raises(CSVFormatError, match=r"line 3: .*; a comment is at most 10,000 char"):
        read_labelled_csv(huge, max_text=10_000)
    with pytest.raises(CSVFormatError, match=r"^line 3: the text is 10,001 characters; a co"):
        read_labelled_csv("text\nok\n" + "y" * 10_001 + "\n", max_text=10_000)
    assert len(read_labelled_csv("text\n" + "y" * 10_000 + "\n", max_text=10_000)) == 1


def test_encodings_utf16_with_bom_is_read_and_non_utf8_is_refused_naming_the_byte():
    """Regression: Latin-1 was read with replacement characters (`caf\ufffd au lait` stored), and
    Excel's "Unicode text" (UTF-16 with BOM, tab-separated) was said to have no text column."""
    excel = "text\tlabel\ncafé au lait\tham\n".encode("utf-16")
    assert [(r.text, r.label) for r in read_labelled_csv(excel)] == [("café au lait", "ham")]
    latin1 = "text,label\nok,ham\ncafé au lait,ham\n".encode("latin-1")
    with pytest.raises(CSVFormatError, match=r"^line 3: byte 21 \(0xe9\) is not UTF-8; save"):
        read_labelled_csv(latin1)
    bom8 = "text\ncafé\n".encode("utf-8-sig")
    assert [r.text for r in read_labelled_csv(bom8)] == ["café"]


def test_semicolon_files_are_read_and_a_missing_text_column_names_what_was_found():
    """Regression: a semicolon-separated file got "needs a 'text' column" with no hint."""
    rows = read_labelled_csv("text;label\nBuy, now;spam\n")
    assert [(r.text, r.label) for r in rows] == [("Buy, now", "spam")]
    with pytest.raises(CSVFormatError) as err:
        read_labelled_csv("body;label\nx;spam\n")
    assert str(err.value) == (
        "the CSV needs a header with a 'text' (or 'CONTENT') column; line 1 has the columns "
        "'body', 'label' (semicolon-separated)"
    )


def test_write_verdict_csv_round_trips_through_csv_reader():
    out = write_verdict_csv([('say "hi", friend', SPAM, 0.98765), ("ok", APPROVED, 0.01)])
    rows = list(csv.reader(out.splitlines()))
    assert rows == [
        ["text", "verdict", "score"],
        ['say "hi", friend', "spam", "0.9877"],
        ["ok", "approved", "0.0100"],
    ]


POST_URLS = ("https://blog.example/2024/05/01/roar/", "https://blog.example/?p=12")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://blog.example/2024/05/01/roar/", True),
        ("http://www.blog.example/2024/05/01/roar", True),  # scheme, www. and the slash aside
        ("https://blog.example/2024/05/01/roar/#comment-3", True),
        ("https://blog.example/2024/05/01/roar/?replytocom=5", True),
        ("blog.example/2024/05/01/roar/", True),  # a bare address, as typed in a comment
        ("https://blog.example/?p=12&utm_source=x", True),  # the post's parameter is there
        ("https://blog.example/?p=13", False),
        ("https://blog.example/", False),  # the site, not the post
        ("https://blog.example/2024/05/01/roar/more/", False),
        ("https://other.example/2024/05/01/roar/", False),
        ("#comment-3", False),  # no host: nothing to compare
        ("http://[::1", False),  # unparsable
    ],
)
def test_points_to(url, expected):
    assert points_to(url, POST_URLS) is expected


def test_title_words_name_the_subject():
    assert title_words("Katy Perry - Roar (Official)") == {"katy", "perry", "roar"}
    assert title_words("<b>The</b> art of the possible") == {"art", "possible"}
    assert title_words("") == set()


def test_a_link_to_the_post_itself_is_a_selflink_not_a_foreign_host():
    """Corpus: 11 ham comments in the YouTube sets share the video they sit under
    ("Katy Perry - Roar (Official): http://youtu.be/CevxZvSJLk8"); read as link spam before."""
    urls = ("https://www.youtube.com/watch?v=CevxZvSJLk8", "https://youtu.be/CevxZvSJLk8")
    raw = 'Katy Perry - Roar (Official): http://youtu.be/CevxZvSJLk8 and <a href="http://www.youtube.com/watch?v=CevxZvSJLk8&amp;t=2m19s">2:19</a>'
    words = model_text(CommentText(raw, post_urls=urls)).split()
    assert words.count("selflink") == 2
    assert not [w for w in words if w.startswith("urlhost_")]
    # Without the post's URLs the same links are hosts, as before.
    plain = model_text(CommentText(raw)).split()
    assert "selflink" not in plain and plain.count("urlhost_youtu_be") == 1


def test_topic_token_counts_the_title_words_used():
    def topic(text, title="Katy Perry - Roar (Official)"):
        return [
            w
            for w in model_text(CommentText(text, post_title=title)).split()
            if w.startswith("topic_")
        ]

    assert topic("check out my channel") == ["topic_0"]
    assert topic("katy you rock") == ["topic_1"]
    assert topic("KATY PERRY, what a roar") == ["topic_2"]
    assert topic("katy you rock", title="") == []  # no title known: no token
