"""Full-text index of entries: an FTS5 table on SQLite (filled by plnet.reader.search), a GIN
index over the searched columns on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS reader_entry_fts USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS reader_entry_fts_delete AFTER DELETE ON reader_entry "
    "BEGIN DELETE FROM reader_entry_fts WHERE rowid = old.id; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS reader_entry_fts_delete",
    "DROP TABLE IF EXISTS reader_entry_fts",
]
POSTGRES_UP = [
    "CREATE INDEX IF NOT EXISTS reader_entry_search ON reader_entry USING GIN ("
    "(to_tsvector('english'::regconfig, COALESCE(title, '') || ' ' || COALESCE(excerpt, '') "
    "|| ' ' || COALESCE(content_html, ''))))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS reader_entry_search"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("reader", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
