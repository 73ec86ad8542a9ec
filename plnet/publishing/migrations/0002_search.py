# Full-text search: a plain-text column on posts, and on SQLite an FTS5 index kept by triggers.
# The SQL is frozen here; plnet.publishing.search.ensure_sqlite_index() re-creates the same
# objects after later migrations (SQLite table rebuilds drop triggers).

import re
from html import unescape

from django.db import migrations, models
from django.utils.html import strip_tags

FTS = "publishing_post_fts"
FORWARD = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        title, excerpt, search_text,
        content='publishing_post', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON publishing_post BEGIN
        INSERT INTO {FTS}(rowid, title, excerpt, search_text)
        VALUES (new.id, new.title, new.excerpt, new.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON publishing_post BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, excerpt, search_text)
        VALUES ('delete', old.id, old.title, old.excerpt, old.search_text); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE ON publishing_post BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title, excerpt, search_text)
        VALUES ('delete', old.id, old.title, old.excerpt, old.search_text);
        INSERT INTO {FTS}(rowid, title, excerpt, search_text)
        VALUES (new.id, new.title, new.excerpt, new.search_text); END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
BLOCK = re.compile(
    r"<(/?(?:p|div|br|hr|li|h[1-6]|blockquote|pre|tr|td|th|figure|figcaption|table|dd|dt)\b)", re.I
)


def fill_search_text(apps, schema_editor):
    Post = apps.get_model("publishing", "Post")
    for post in Post.objects.only("id", "content_html").iterator():
        text = " ".join(unescape(strip_tags(BLOCK.sub(r" <\1", post.content_html))).split())
        Post.objects.filter(pk=post.pk).update(search_text=text)


def create_fts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in FORWARD:
            schema_editor.execute(sql)


def drop_fts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("publishing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="search_text",
            field=models.TextField(
                blank=True, editable=False, help_text="Plain text of the body, for full-text search."
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_fts, drop_fts),
    ]
