"""plnet.protocols.opml on the real corpus: every list reads or is refused with OpmlError, counts
of outlines and folders computed independently with lxml, and OPML 2.0 written back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import lxml.etree
import pytest

from plnet.protocols.opml import OpmlError, Outline, parse_opml, write_opml
from tests.conftest import CORPUS

OPML = CORPUS / "opml"
MAIN_FILES = sorted(p.relative_to(OPML).as_posix() for p in OPML.rglob("*.opml"))
# Not well-formed (raw "&" and "<a href" inside attributes): two recovering parsers may nest the
# outlines after the break differently, so only the count and the top folder are compared there.
BROKEN = {
    "awesome-rss-feeds/recommended_with_category_Programming.opml",
    "awesome-rss-feeds/recommended_with_category_Science.opml",
}


def independent_counts(content: bytes) -> tuple[int, set[str]]:
    """Distinct xmlUrl outlines and folder names, read with lxml's recovering XML parser:
    a folder is the path of non-feed outlines above a feed, else its `category` attribute."""
    parser = lxml.etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False
    )
    root = lxml.etree.fromstring(content, parser)
    urls, folders = set(), set()
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if not url:
            continue
        urls.add(url.strip())
        path = [a.get("text") or a.get("title") for a in outline.iterancestors("outline")]
        if path:
            folders.add(" / ".join(reversed(path)))
        elif outline.get("category"):
            folders.add(outline.get("category").split(",")[0].strip("/ "))
    return len(urls), folders


@pytest.mark.parametrize("name", MAIN_FILES)
def test_counts_match_an_independent_reading(name):
    content = (OPML / name).read_bytes()
    want_count, want_folders = independent_counts(content)
    doc = parse_opml(content)
    assert len({o.url for o in doc.outlines}) == len(doc.outlines) == want_count
    if name in BROKEN:
        assert {f.split(" / ")[0] for f in doc.folders} == want_folders
    else:
        assert set(doc.folders) == want_folders


def test_known_figures():
    eng = parse_opml((OPML / "engineering_blogs.opml").read_bytes())
    assert (len(eng.outlines), eng.folders, eng.title) == (
        420,
        ["Engineering Blogs"],
        "Engineering Blogs",
    )
    frank = parse_opml((OPML / "frankmeeuwsen-blogroll-pi-before-xmldecl.opml").read_bytes())
    assert len(frank.outlines) == 48 and frank.outlines[0] == Outline(
        url="http://feeds2.feedburner.com/AustinKleon",
        title="Austin Kleon",
        folder="Recommendations",
    )


def test_malformed_raw_ampersand_is_read_leniently():
    doc = parse_opml(
        (OPML / "awesome-rss-feeds/recommended_with_category_Programming.opml").read_bytes()
    )
    titles = {o.title for o in doc.outlines}
    assert "Posts on &> /dev/null" in titles
    assert all(o.folder.startswith("Programming") for o in doc.outlines)


def test_every_listparser_case_reads_or_is_refused_clearly():
    index = json.loads((OPML / "listparser-tests/INDEX.json").read_text())
    unexpected = []
    for test in index["tests"]:
        try:
            parse_opml((OPML / "listparser-tests" / test["path"]).read_bytes())
        except OpmlError:
            pass
        except Exception as exc:  # noqa: BLE001 - the point of the test
            unexpected.append(f"{test['path']}: {exc!r}")
    assert unexpected == [] and len(index["tests"]) == 110


def test_not_a_list():
    with pytest.raises(OpmlError):
        parse_opml(b"<html><body>hello</body></html>")
    with pytest.raises(OpmlError):
        parse_opml(b"   ")
    with pytest.raises(TypeError):
        parse_opml("https://example.org/list.opml")  # a str could make listparser fetch it


def test_write_opml_2_0_and_read_it_back():
    outlines = [
        Outline("https://a.example/feed", "A & B", "https://a.example/", "Friends"),
        Outline("https://b.example/rss", "B", "", "Friends"),
        Outline("https://c.example/atom", "C <3", "", ""),
    ]
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    content = write_opml(outlines, title="Ada's subscriptions", owner_name="Ada", now=now)
    root = lxml.etree.fromstring(content)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Ada's subscriptions"
    assert parsedate_to_datetime(root.findtext("head/dateCreated")) == now
    folder = root.find("body/outline")
    assert folder.get("text") == "Friends" and folder.get("xmlUrl") is None
    feeds = root.findall(".//outline[@xmlUrl]")
    assert [(f.get("type"), f.get("text"), f.get("xmlUrl")) for f in feeds] == [
        ("rss", "A & B", "https://a.example/feed"), ("rss", "B", "https://b.example/rss"),
        ("rss", "C <3", "https://c.example/atom"),
    ]  # fmt: skip
    back = parse_opml(content)
    assert [(o.url, o.title, o.folder) for o in back.outlines] == [
        (o.url, o.title, o.folder) for o in outlines
    ]
