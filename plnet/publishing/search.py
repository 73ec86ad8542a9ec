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
"""

from __future__ import annotations

import re

from django.db import connection, connections
from django.db.models import Case, IntegerField, When

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


def _sqlite_ranked_ids(text: str) -> list[int]:
    match = fts5_query(text)
    if not match:
        return []
    with connection.cursor() as cursor:
        cursor.execute(SEARCH, [match, MAX_RESULTS * 2])
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
    if connection.vendor == "postgresql":
        return _for_listing(_postgres_search(text))[:MAX_RESULTS]
    ids = _sqlite_ranked_ids(text)
    if not ids:
        return Post.objects.none()
    order = Case(*[When(pk=pk, then=i) for i, pk in enumerate(ids)], output_field=IntegerField())
    visible = Post.objects.published().filter(password="", pk__in=ids)
    return _for_listing(visible).order_by(order)[:MAX_RESULTS]


def _for_listing(queryset):
    return queryset.with_comment_counts().select_related("author").with_terms()
