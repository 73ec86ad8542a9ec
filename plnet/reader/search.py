"""Full-text search over entries: SQLite FTS5 (table `reader_entry_fts`, made by a migration) or
PostgreSQL full-text search (`plainto_tsquery` against the GIN expression index
`reader_entry_search`), chosen by the database vendor.

The FTS5 table holds, per entry id (rowid), the title and the plain text of the content. Services
call `index_entries` after storing; a trigger removes rows when entries are deleted.

Words in scripts written without spaces (Chinese, Japanese, Thai…: see plnet.core.search) are
matched as substrings, the query's other words through the index: on SQLite with LIKE over the
FTS5 table's own copy of the title and text, on PostgreSQL with ILIKE on the title and content.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import RawSQL

from plnet.core.search import split_terms
from plnet.protocols.feeds import plain_text

INDEXED_CHARS = 20_000

# The searched document on PostgreSQL, written exactly as the GIN expression index of migration
# 0002 (reader_entry_search) so the planner can use that index: same function, same 'english'
# configuration, same COALESCE and concatenation (columns qualified here only because the river
# joins reader_source, which has a title too; qualification does not change the expression).
PG_DOCUMENT = (
    "to_tsvector('english'::regconfig, COALESCE(\"reader_entry\".\"title\", '') || ' ' || "
    "COALESCE(\"reader_entry\".\"excerpt\", '') || ' ' || "
    'COALESCE("reader_entry"."content_html", \'\'))'
)
_WORD_RE = re.compile(r"\w+", re.UNICODE)


def fts5_query(text: str) -> str:
    """The member's words as an FTS5 query: each word a quoted string, all required (AND).

    FTS5 syntax (quotes, *, NEAR, column filters, AND/OR/NOT) in the input is neutralised.
    Returns "" when there is no word.
    """
    words = _WORD_RE.findall(text)[:20]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def index_entries(entries) -> None:
    """(Re)index entries in the FTS5 table (no-op on PostgreSQL, which searches the columns)."""
    if not _is_sqlite() or not entries:
        return
    rows = [
        (e.pk, e.title, plain_text(e.content_html or e.excerpt)[:INDEXED_CHARS]) for e in entries
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            cursor.executemany(
                "DELETE FROM reader_entry_fts WHERE rowid = %s", [(r[0],) for r in chunk]
            )
            cursor.executemany(
                "INSERT INTO reader_entry_fts (rowid, title, body) VALUES (%s, %s, %s)", chunk
            )


# From this many matches on, a search is "broad" (SQLite): see `matching`. Measured on
# bench_river's 100,000 entries: collecting and sorting N matches costs ~8 µs each; testing
# membership while walking the date index costs the whole match set once plus the walk.
BROAD_MATCHES = 2_000


def _match_count_reaches(query: str, cap: int) -> bool:
    """True when the FTS5 query matches at least `cap` entries (reads at most `cap` rowids)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT rowid FROM reader_entry_fts "
            "WHERE reader_entry_fts MATCH %s LIMIT %s)",
            [query, cap],
        )
        return cursor.fetchone()[0] >= cap


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """Filter an Entry queryset to entries matching the member's words (all of them).

    SQLite (FTS5): a narrow search (fewer than BROAD_MATCHES matches, counted here with one
    small query) drives the lookup from the matches, `id IN (matches)`: a few primary-key
    look-ups and a small sort. A broad one tests `id + 0 IN (matches)`, which keeps SQLite from
    looking up and sorting every match (0.9 s for a word in all 100,000 entries of bench_river):
    it walks the river's date index newest first, testing each entry against the match set
    built once, and stops after a page. Words of scripts written without spaces (CJK, Thai …;
    see `plnet.core.search.split_terms`) are matched as substrings with LIKE. PostgreSQL: the
    GIN expression index.
    """
    if _is_sqlite():
        words, substrings = split_terms(text)
        query = fts5_query(" ".join(words))
        if query:
            matches = RawSQL(
                "SELECT rowid FROM reader_entry_fts WHERE reader_entry_fts MATCH %s", [query]
            )
            if _match_count_reaches(query, BROAD_MATCHES):
                unindexed = ExpressionWrapper(F("id") + 0, output_field=BigIntegerField())
                queryset = queryset.alias(fts_id=unindexed).filter(fts_id__in=matches)
            else:
                queryset = queryset.filter(id__in=matches)
        for term in substrings:
            pattern = "%" + term.replace("\\", "\\\\").replace("_", "\\_") + "%"
            queryset = queryset.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM reader_entry_fts "
                    "WHERE title LIKE %s ESCAPE '\\' OR body LIKE %s ESCAPE '\\'",
                    [pattern, pattern],
                )
            )
        return queryset
    words, substrings = split_terms(text)
    for term in substrings:  # PostgreSQL's parser keeps a CJK run as one token too
        queryset = queryset.filter(Q(title__icontains=term) | Q(content_html__icontains=term))
    if not words:
        return queryset
    return queryset.filter(
        RawSQL(  # noqa: S611 - constant SQL; the member's words are a bound parameter
            f"{PG_DOCUMENT} @@ plainto_tsquery('english'::regconfig, %s)",
            [" ".join(words)],
            output_field=BooleanField(),
        )
    )
