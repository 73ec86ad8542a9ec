"""Full-text search over entries: SQLite FTS5 (table `reader_entry_fts`, made by a migration) or
PostgreSQL full-text search, chosen by the database vendor.

The FTS5 table holds, per entry id (rowid), the title and the plain text of the content. Services
call `index_entries` after storing; a trigger removes rows when entries are deleted.

Words in scripts written without spaces (Chinese, Japanese, Thai…: see plnet.core.search) are
matched on SQLite as substrings of the indexed title and text (LIKE over the FTS5 table's own
copy of them), the query's other words through the index.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from plnet.core.search import split_terms
from plnet.protocols.feeds import plain_text

INDEXED_CHARS = 20_000
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


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """Filter an Entry queryset to entries matching the member's words (all of them)."""
    if _is_sqlite():
        words, substrings = split_terms(text)
        query = fts5_query(" ".join(words))
        if query:
            queryset = queryset.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM reader_entry_fts WHERE reader_entry_fts MATCH %s", [query]
                )
            )
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
    from django.contrib.postgres.search import SearchQuery, SearchVector

    return queryset.annotate(search=SearchVector("title", "excerpt", "content_html")).filter(
        search=SearchQuery(text, search_type="plain")
    )
