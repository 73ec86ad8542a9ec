"""Drop enclosures and links that are not absolute http(s) URLs from entries stored before the
parsers refused them (a `javascript:` enclosure became a clickable link on the entry page)."""

from django.db import migrations

from plnet.protocols.feeds import http_url


def _safe(url) -> bool:
    return isinstance(url, str) and bool(url) and http_url("", url) == url


def drop_unsafe_urls(apps, schema_editor):
    Entry = apps.get_model("reader", "Entry")
    Source = apps.get_model("reader", "Source")
    changed = []
    for entry in Entry.objects.exclude(enclosures=[]).only("id", "enclosures").iterator():
        kept = [e for e in entry.enclosures if isinstance(e, dict) and _safe(e.get("url"))]
        if kept != entry.enclosures:
            entry.enclosures = kept
            changed.append(entry)
    Entry.objects.bulk_update(changed, ["enclosures"], batch_size=500)
    unsafe = [
        e.pk
        for e in Entry.objects.exclude(link="").only("id", "link").iterator()
        if not _safe(e.link)
    ]
    Entry.objects.filter(pk__in=unsafe).update(link="")
    for source in Source.objects.exclude(site_url="").only("id", "site_url").iterator():
        if not _safe(source.site_url):
            Source.objects.filter(pk=source.pk).update(site_url="")


class Migration(migrations.Migration):
    dependencies = [
        ("reader", "0004_source_last_warning"),
    ]

    operations = [
        migrations.RunPython(drop_unsafe_urls, migrations.RunPython.noop),
    ]
