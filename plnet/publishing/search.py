"""Full-text search over published posts and pages.

SQLite (the default database): an FTS5 virtual table `publishing_post_fts` indexes each post's
title, excerpt and `search_text` (the plain text of its body). It is an *external content* table
over `publishing_post`, kept in sync by three triggers, so every write path (the editor, the admin,
the WordPress import) updates the index without having to remember to. Django's SQLite schema
editor rebuilds a table to alter it, which drops its triggers: `ensure_sqlite_index()` runs after
every `migrate` (post_migrate) and puts back missing triggers, rebuilding the index when it had to.

PostgreSQL: `SearchVector` / `SearchQuery` / `SearchRank` from django.contrib.postgres, weighted
title A, excerpt B, body C. No extension or extra table is needed.

Either way `search_posts(query)` returns published posts, best match first.

Words in scripts written without spaces (Chinese, Japanese, Thai…: see plnet.core.search) are
not tokens FTS5's unicode61 can find inside a run of text; on SQLite they are matched as
substrings of the title, excerpt and text (LIKE, a scan of the published posts, measured in
bench/bench_search.py), together with the index for the query's other words.
"""

from __future__ import annotations

import re

from django.db import connection, connections
from django.db.models import Case, IntegerField, Q, When

from plnet.core.search import split_terms

from .models import Post

FTS_TABLE = "publishing_post_fts"
MAX_RESULTS = 200
# bm25 weights in SEARCH: a word in the title counts 10, in the excerpt 4, in the body 1.

CREATE_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS publishing_post_fts USING fts5(
    title, excerpt, search_text,
    content='publishing_post', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)"""
TRIGGERS = {
    "publishing_post_fts_ai": """
CREATE TRIGGER IF NOT EXISTS publishing_post_fts_ai AFTER INSERT ON publishing_post BEGIN
  INSERT INTO publishing_post_fts(rowid, title, excerpt, search_text)
  VALUES (new.id, new.title, new.excerpt, new.search_text);
END""",
    "publishing_post_fts_ad": """
CREATE TRIGGER IF NOT EXISTS publishing_post_fts_ad AFTER DELETE ON publishing_post BEGIN
  INSERT INTO publishing_post_fts(publishing_post_fts, rowid, title, excerpt, search_text)
  VALUES ('delete', old.id, old.title, old.excerpt, old.search_text);
END""",
    "publishing_post_fts_au": """
CREATE TRIGGER IF NOT EXISTS publishing_post_fts_au AFTER UPDATE ON publishing_post BEGIN
  INSERT INTO publishing_post_fts(publishing_post_fts, rowid, title, excerpt, search_text)
  VALUES ('delete', old.id, old.title, old.excerpt, old.search_text);
  INSERT INTO publishing_post_fts(rowid, title, excerpt, search_text)
  VALUES (new.id, new.title, new.excerpt, new.search_text);
END""",
}
REBUILD = "INSERT INTO publishing_post_fts(publishing_post_fts) VALUES ('rebuild')"
SEARCH = (
    "SELECT rowid FROM publishing_post_fts WHERE publishing_post_fts MATCH %s "
    "ORDER BY bm25(publishing_post_fts, 10.0, 4.0, 1.0) LIMIT %s"
)

_WORD = re.compile(r"\w+", re.UNICODE)


def ensure_sqlite_index(using: str = "default") -> bool:
    """Create the FTS5 table and triggers where missing (SQLite only); return True if it rebuilt.

    Idempotent and cheap when everything is there. Does nothing on other databases.
    """
    conn = connections[using]
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        names = [FTS_TABLE, *TRIGGERS]
        marks = ", ".join(["%s"] * len(names))
        cursor.execute(f"SELECT name FROM sqlite_master WHERE name IN ({marks})", names)  # noqa: S608
        present = {row[0] for row in cursor.fetchall()}
        if present >= {FTS_TABLE, *TRIGGERS}:
            return False
        cursor.execute(CREATE_TABLE)
        for sql in TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(REBUILD)
    return True


def fts5_query(text: str) -> str:
    """Turn what a person typed into a safe FTS5 MATCH expression, or "" when it has no words.

    Each word becomes a quoted string (FTS5 §3.1), so quotes, `*`, `-`, `:`, `^`, `NEAR` or
    `AND`/`OR` in the input are searched as text, never parsed as syntax; the words are joined
    with implicit AND. The last word also matches as a prefix, so "learn" finds "learning".
    """
    words = _WORD.findall(text)[:32]
    if not words:
        return ""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _sqlite_ranked_ids(text: str, among=None) -> list[int]:
    """Ids of the posts matching text's words, best first (bm25), at most MAX_RESULTS * 2;
    among (a Post queryset) limits them to its posts before the cut."""
    match = fts5_query(text)
    if not match:
        return []
    sql, params = SEARCH, [match, MAX_RESULTS * 2]
    if among is not None:
        subquery, sub_params = among.values("pk").query.sql_with_params()
        sql = SEARCH.replace(" ORDER BY", f" AND rowid IN ({subquery}) ORDER BY")
        params = [match, *sub_params, MAX_RESULTS * 2]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _postgres_search(text: str):
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    if not _WORD.search(text):
        return Post.objects.none()
    vector = (
        SearchVector("title", weight="A")
        + SearchVector("excerpt", weight="B")
        + SearchVector("search_text", weight="C")
    )
    query = SearchQuery(text, search_type="websearch")
    return (
        Post.objects.published()
        .filter(password="")
        .annotate(rank=SearchRank(vector, query))
        .filter(rank__gt=0)
        .order_by("-rank", "-published_at")
    )


def search_posts(text: str):
    """Published, unprotected posts and pages matching `text`, best first (at most 200).

    `text` is free text typed by a reader; no input raises. Returns a Post queryset (authors,
    categories, tags and `approved_comment_count` loaded, as listings need) whose order is the ranking: bm25 on SQLite, ts_rank on PostgreSQL.
    Password-protected posts are left out: their words must not leak through search.
    """
    text = text.replace("\x00", "")  # PostgreSQL refuses NUL in a query
    words, substrings = split_terms(text)
    if substrings:
        return _substring_search(words, substrings)
    if connection.vendor == "postgresql":
        return _for_listing(_postgres_search(text))[:MAX_RESULTS]
    ids = _sqlite_ranked_ids(text)
    if not ids:
        return Post.objects.none()
    order = Case(*[When(pk=pk, then=i) for i, pk in enumerate(ids)], output_field=IntegerField())
    visible = Post.objects.published().filter(password="", pk__in=ids)
    return _for_listing(visible).order_by(order)[:MAX_RESULTS]


def _substring_search(words: list[str], substrings: list[str]):
    """Published, unprotected posts containing every substring (in title, excerpt or text) and
    every word (the full-text index: FTS5 or PostgreSQL's, whose parsers also keep a CJK run as
    one token): ranked by the index when there are words, else title matches first, newest
    first."""
    visible = Post.objects.published().filter(password="")
    for term in substrings:
        visible = visible.filter(
            Q(title__icontains=term) | Q(excerpt__icontains=term) | Q(search_text__icontains=term)
        )
    if words and connection.vendor == "postgresql":
        ranked = _postgres_search(" ".join(words)).filter(pk__in=visible.values("pk"))
    elif words:
        # rank by the index among the posts holding the substrings (no cut before intersecting)
        ids = _sqlite_ranked_ids(" ".join(words), among=visible)
        order = Case(
            *[When(pk=pk, then=i) for i, pk in enumerate(ids)], output_field=IntegerField()
        )
        ranked = visible.filter(pk__in=ids).order_by(order)
    else:
        in_title = Q.create([("title__icontains", t) for t in substrings], connector=Q.OR)
        title_first = Case(When(in_title, then=0), default=1, output_field=IntegerField())
        ranked = visible.order_by(title_first, "-published_at", "-id")
    return _for_listing(ranked)[:MAX_RESULTS]


def _for_listing(queryset):
    return queryset.with_comment_counts().select_related("author").with_terms()
