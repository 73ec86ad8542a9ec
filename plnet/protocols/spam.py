"""Spam features and decisions in plain Python: text normalising, link counting, labelled CSV
reading, the three-way verdict and the choice of its two thresholds.

No spec governs comment spam filtering; the names follow the field's usage:
- WordPress's `comment_max_links` (wp-includes/comment.php, `check_comment()`): a comment holding
  this many links or more is held; we count links the same way, as `<a ` tags plus bare URLs.
- The YouTube Spam Collection v1 (Alberto, Lochter & Almeida, 2015) columns `CONTENT,CLASS`
  (1 = spam, 0 = ham), accepted by `read_labelled_csv` beside our own `text,label`.
- Akismet's comment-check fields (`comment_author`, `comment_author_email`, `comment_author_url`,
  `comment_content`), which `CommentText` mirrors.

A verdict has three outcomes, the places a comment can end: `spam`, `held` (for moderation) or
`approved` (published). A spam probability above `t_high` is spam, below `t_low` is approved, in
between is held (`decide`). `choose_thresholds` picks the two from scores whose labels are known.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

SPAM, HELD, APPROVED = "spam", "held", "approved"
VERDICTS = (SPAM, HELD, APPROVED)

_TAG = re.compile(r"<[^>]*>")
_ANCHOR = re.compile(r"<a\s[^>]*href", re.IGNORECASE)
_HREF = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b[a-z0-9-]+\.(?:com|net|org|info|biz|ru|ly|co|tk|me)\b[^\s<>\"']*",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
# Calls to action that comment spam makes whatever the video or post ("check out my channel",
# "sub 4 sub", "free money"); counted into one token so they carry across audiences.
_CALL_TO_ACTION = re.compile(
    r"\b(?:subscrib\w*|subs?|my channel|my videos?|check (?:it |this |me |my )?out|visit|follow|"
    r"click|free|money|earn|giveaway|promo\w*|like 4 like|sub ?4 ?sub|thumbs up)\b",
    re.IGNORECASE,
)
_REPEAT = re.compile(r"(.)\1{3,}")
# Characters that pad text invisibly (zero-width joiners, BOM — YouTube appends U+FEFF).
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


class CSVFormatError(ValueError):
    """A labelled CSV has no usable header or a label that is not spam/ham (or 1/0).

    The message names the line and is fit to show a person.
    """


@dataclass(frozen=True)
class CommentText:
    """What a classifier sees of a comment: its text and its author fields (all str, maybe empty),
    and what it answers: the URLs of the post it was left on (`post_urls`, absolute: permalink and
    old addresses) and the post's title. Akismet's comment-check is given the same context
    (`permalink`); a comment that links to the post it answers is not link spam, and one that
    uses the post's own words is more likely on topic."""

    content: str
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    post_urls: tuple[str, ...] = ()
    post_title: str = ""


@dataclass(frozen=True)
class LabelledText:
    """One CSV row: the text and its label (`"spam"`, `"ham"`, or None when the file has none)."""

    text: str
    label: str | None
    line: int


@dataclass(frozen=True)
class Thresholds:
    """The two cut points on the spam probability (0..1): held from t_low, spam above t_high."""

    t_low: float
    t_high: float


def _compatible(raw: str) -> str:
    # NFKC folds look-alike forms into plain ones: full-width "ｈｔｔｐ://ｗｗｗ.ｅｂａｙ.ｃｏｍ"
    # becomes "http://www.ebay.com", ligatures and circled letters become letters.
    return unicodedata.normalize("NFKC", raw or "")


def plain_text(raw: str) -> str:
    """Return raw (HTML or Markdown as typed) as one line of plain text: tags dropped, entities
    decoded, Unicode compatibility forms folded (NFKC: full-width letters, ligatures), invisible
    characters removed, whitespace collapsed."""
    text = _compatible(html.unescape(_TAG.sub(" ", raw or ""))).translate(_INVISIBLE)
    return _SPACE.sub(" ", text).strip()


def find_links(raw: str) -> list[str]:
    """Return the links in raw: `<a href>` tags and bare URLs/domains (also when written in
    full-width or other compatibility characters), in order, without duplicates of a URL that
    sits inside an anchor's href."""
    anchors = len(_ANCHOR.findall(raw or ""))
    bare = _URL.findall(_TAG.sub(" ", _compatible(html.unescape(raw or ""))))
    return ["<a>"] * anchors + bare


def anchor_hosts(raw: str) -> list[str]:
    """The hosts of the `<a href>` links in raw (lower-cased, without "www."), in order; hrefs
    without a host (relative links, fragments) are left out."""
    hrefs = (html.unescape(h) for h in _HREF.findall(raw or ""))
    return [host for host in map(host_of, hrefs) if host]


def count_links(raw: str) -> int:
    """Number of links in raw, counted as WordPress's comment_max_links check counts them
    (anchor tags), plus bare URLs, which Markdown and plain text carry instead."""
    return len(find_links(raw))


def host_of(url: str) -> str:
    """The lower-cased host of url without a leading "www.", or "" when there is none."""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def _url_key(url: str) -> tuple[str, str, dict[str, str]] | None:
    try:
        parts = urlsplit(url if "//" in url else f"//{url}")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    for prefix in ("www.", "m."):
        host = host.removeprefix(prefix)
    return host, parts.path.rstrip("/"), dict(parse_qsl(parts.query))


def points_to(url: str, post_urls: Sequence[str]) -> bool:
    """Whether url (absolute, or a bare "host/path") leads to one of post_urls: the same host
    (without "www." or "m."), the same path (a trailing slash aside) and every query parameter of
    the post URL present with the same value; the scheme, a fragment and extra parameters
    ("#comment-3", "&t=2m19s", "?replytocom=5") do not matter. False for unparsable URLs."""
    key = _url_key(html.unescape(url))
    if key is None or not key[0]:
        return False
    for post_url in post_urls:
        post = _url_key(post_url)
        if (
            post is not None
            and (key[0], key[1]) == (post[0], post[1])
            and all(key[2].get(name) == value for name, value in post[2].items())
        ):
            return True
    return False


# Short words that say nothing about a post's subject, left out of its title words.
_TITLE_STOP = frozenset(
    "the and for you your are was were has have not but all can our its his her they them "
    "what when how why who will just about into out more with from this that official feat".split()
)
_WORD = re.compile(r"\w+")


def title_words(title: str) -> set[str]:
    """The words of a post title that name its subject: lower-cased, three characters or more,
    without common function words. Example: "Katy Perry - Roar (Official)" -> {"katy", "perry",
    "roar"}."""
    words = _WORD.findall(plain_text(title).lower())
    return {w for w in words if len(w) >= 3 and w not in _TITLE_STOP}


def _bucket(n: int) -> str:
    return str(n) if n < 3 else "3plus"


def meta_tokens(comment: CommentText) -> list[str]:
    """Word-like tokens describing a comment beyond its words, for a bag-of-words model.

    They encode the link count (bucketed 0, 1, 2, 3plus), the length bucket, shouting (share
    of capitals), the author name's words, the email's domain, the website's host, the number
    of calls to action (`cta_0`, `cta_1`, `cta_2` for two or more) and the text's shape (five
    or more digits, emoji, a character repeated four times, `!`, `?`).
    Example: `["links_1", "len_2", "aname_julius", "aurl_example_com", "cta_1", "bang"]`.
    """
    text = plain_text(comment.content)
    letters = [c for c in _URL.sub(" ", text) if c.isalpha()]  # URLs are not shouting
    caps = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
    tokens = [f"links_{_bucket(count_links(comment.content))}", f"len_{min(len(text) // 80, 4)}"]
    if caps > 0.5 and len(letters) > 8:
        tokens.append("shouting")
    tokens += [f"aname_{w}" for w in re.findall(r"\w+", comment.author_name.lower())[:4]]
    if "@" in comment.author_email:
        tokens.append("amail_" + _slug(comment.author_email.rsplit("@", 1)[1]))
    if comment.author_url:
        tokens.append("aurl_" + _slug(host_of(comment.author_url)))
    tokens.append(f"cta_{min(len(_CALL_TO_ACTION.findall(text)), 2)}")
    return tokens + _shape_tokens(text)


def _shape_tokens(text: str) -> list[str]:
    shape = {
        "digits_many": sum(c.isdigit() for c in text) >= 5,
        "emoji": any(ord(c) >= 0x2600 for c in text),
        "repeat": bool(_REPEAT.search(text)),
        "bang": "!" in text,
        "question": "?" in text,
    }
    return [name for name, present in shape.items() if present]


def _slug(value: str) -> str:
    return re.sub(r"\W+", "_", value.lower()).strip("_")


def model_text(comment: CommentText) -> str:
    """The text a word model reads: the plain text with URLs replaced by `urlhost_<host>` tokens
    (so a domain counts as one word), a `urlhost_<host>` token for each `<a href>` link, then the
    meta tokens. A link to the post the comment answers (`points_to` its `post_urls`) becomes
    `selflink` instead, and `topic_0`, `topic_1` or `topic_2` (two or more) counts the post
    title's words (`title_words`) the comment uses, when the title is known."""
    post_urls = comment.post_urls

    def link_token(match: re.Match) -> str:
        if post_urls and points_to(match.group(0), post_urls):
            return " selflink "
        return f" urltoken urlhost_{_slug(host_of(match.group(0)))} "

    text = _URL.sub(link_token, plain_text(comment.content))
    anchors = []
    for href in (html.unescape(h) for h in _HREF.findall(comment.content or "")):
        if post_urls and points_to(href, post_urls):
            anchors.append("selflink")
        elif host := host_of(href):
            anchors.append(f"urlhost_{_slug(host)}")
    tokens = meta_tokens(comment)
    if comment.post_title:
        shared = title_words(comment.post_title) & set(_WORD.findall(text.lower()))
        tokens.append(f"topic_{min(len(shared), 2)}")
    return f"{text} {' '.join(anchors)} {' '.join(tokens)}"


def decide(score: float, thresholds: Thresholds) -> str:
    """The verdict for a spam probability: `spam` above t_high, `held` from t_low up to t_high,
    `approved` below t_low."""
    if score > thresholds.t_high:
        return SPAM
    if score >= thresholds.t_low:
        return HELD
    return APPROVED


def choose_thresholds(
    scores: Sequence[float],
    labels: Sequence[bool],
    *,
    max_ham_to_spam: float = 0.005,
    max_spam_published: float = 0.01,
) -> Thresholds:
    """Pick t_high and t_low from scores whose labels are known (True = spam).

    t_high is the lowest cut that sends at most `max_ham_to_spam` of the ham above it (lost words);
    t_low the highest cut that lets at most `max_spam_published` of the spam below it (published
    spam). Each cut sits halfway between neighbouring scores so it generalises. When the two
    cross (a model too weak for the targets) both are set to their mean, holding nothing extra.
    Raises ValueError unless both classes are present.
    """
    ham = sorted(s for s, spam in zip(scores, labels, strict=True) if not spam)
    spam = sorted(s for s, is_spam in zip(scores, labels, strict=True) if is_spam)
    if not ham or not spam:
        raise ValueError("choosing thresholds needs both spam and ham examples")
    allowed_ham = int(max_ham_to_spam * len(ham))  # ham rows allowed above t_high
    top = ham[len(ham) - 1 - allowed_ham]
    above = [s for s in ham + spam if s > top]
    t_high = (top + min(above)) / 2 if above else min(1.0, top + 1e-9)
    allowed_spam = int(max_spam_published * len(spam))  # spam rows allowed below t_low
    bottom = spam[allowed_spam]
    below = [s for s in ham + spam if s < bottom]
    t_low = (bottom + max(below)) / 2 if below else max(0.0, bottom - 1e-9)
    if t_low > t_high:
        t_low = t_high = (t_low + t_high) / 2
    return Thresholds(t_low=t_low, t_high=t_high)


_LABELS = {"spam": "spam", "1": "spam", "ham": "ham", "0": "ham"}


# Field separators a labelled file may use: comma (CSV), tab (Excel's "Unicode text", which is
# UTF-16), semicolon (Excel's CSV where the decimal mark is a comma). The header decides.
_DELIMITERS = (",", "\t", ";")
_TEXT_COLUMNS, _LABEL_COLUMNS = ("text", "content"), ("label", "class")


def read_labelled_csv(data: str | bytes, *, max_text: int | None = None) -> list[LabelledText]:
    """Read a CSV with a header into LabelledText rows.

    Columns: `text,label` (label `spam` or `ham`, optional), or the YouTube Spam Collection's
    `CONTENT,CLASS` (1 = spam, 0 = ham); header names are matched without regard to case.
    Fields are separated by commas, tabs or semicolons: the first that gives the header a text
    column wins. Bytes are UTF-8 (a BOM is skipped) or, with a BOM, UTF-16; anything else is
    refused rather than guessed (a Latin-1 file read as UTF-8 would store damaged text).
    Rows with empty text are skipped. Raises CSVFormatError, naming the line, for bytes that are
    not UTF-8, a missing text column (saying which columns were found), a text longer than
    `max_text` characters (or the csv module's field limit), or an unknown label.
    """
    text = _decode(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    delimiter, header = _header(text)
    text_col = _column(header, _TEXT_COLUMNS)
    label_col = _column(header, _LABEL_COLUMNS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        next(reader)
        for row in reader:
            line = reader.line_num
            if text_col >= len(row) or not row[text_col].strip():
                continue
            if max_text is not None and len(row[text_col]) > max_text:
                raise CSVFormatError(_too_long(line, len(row[text_col]), max_text))
            rows.append(LabelledText(row[text_col], _label(row, label_col, line), line))
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise CSVFormatError(_too_long(reader.line_num, None, max_text)) from None
        raise CSVFormatError(f"line {reader.line_num}: {exc}") from None
    return rows


def _decode(data: bytes) -> str:
    """UTF-16 with a BOM, else UTF-8 (a BOM skipped); CSVFormatError naming the line and byte."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        return data.decode("utf-16") if utf16 else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if utf16:
            raise CSVFormatError(f"line {line}: not valid UTF-16 (at byte {exc.start})") from None
        raise CSVFormatError(
            f"line {line}: byte {exc.start} (0x{data[exc.start]:02x}) is not UTF-8; save the file"
            ' as UTF-8 (or UTF-16 with a BOM, Excel\'s "Unicode text")'
        ) from None


def _header(text: str) -> tuple[str, list[str]]:
    """The delimiter and the lower-cased header names; CSVFormatError when no delimiter gives a
    text column, naming the columns found."""
    first = text.split("\n", 1)[0].rstrip("\r")
    for delimiter in _DELIMITERS:
        header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
        if _column(header, _TEXT_COLUMNS) is not None:
            return delimiter, header
    names = {"\t": "tab", ";": "semicolon", ",": "comma"}
    split = {d: next(csv.reader([first], delimiter=d), []) for d in _DELIMITERS}
    delimiter = max(_DELIMITERS, key=lambda d: len(split[d]))  # the likeliest separator
    found = split[delimiter]
    shown = ", ".join(repr(h[:40]) for h in found[:8]) + (", …" if len(found) > 8 else "")
    raise CSVFormatError(
        "the CSV needs a header with a 'text' (or 'CONTENT') column; line 1 has "
        + (f"the columns {shown} ({names[delimiter]}-separated)" if found else "no columns")
    )


def _too_long(line: int, length: int | None, max_text: int | None) -> str:
    if length is None:  # past the csv module's own limit: the length is not known
        said = f"line {line}: a field is longer than {csv.field_size_limit():,} characters"
    else:
        said = f"line {line}: the text is {length:,} characters"
    return said + (f"; a comment is at most {max_text:,} characters" if max_text else "")


def _column(header: list[str], names: Iterable[str]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _label(row: list[str], col: int | None, line: int) -> str | None:
    if col is None or col >= len(row) or not row[col].strip():
        return None
    value = row[col].strip().lower()
    if value not in _LABELS:
        raise CSVFormatError(f"line {line}: label must be spam or ham (or 1/0), not {value[:40]!r}")
    return _LABELS[value]


def write_verdict_csv(rows: Iterable[tuple[str, str, float]]) -> str:
    """Write (text, verdict, score) rows as CSV with the header `text,verdict,score`; the score
    is printed with 4 decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["text", "verdict", "score"])
    for text, verdict, score in rows:
        writer.writerow([text, verdict, f"{score:.4f}"])
    return out.getvalue()
