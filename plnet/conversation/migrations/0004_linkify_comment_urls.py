"""Make the plain-text web addresses of stored comments links (rel="nofollow ugc"), as new and
imported comments now get on the way in (plnet.core.html.clean_comment_html)."""

from django.db import migrations
from django.db.models import Q

from plnet.core.html import clean_comment_html

BATCH = 500


def linkify_stored(apps, schema_editor):
    Comment = apps.get_model("conversation", "Comment")
    with_addresses = Comment.objects.filter(Q(content__icontains="http") | Q(content__icontains="www."))
    changed = []
    for comment in with_addresses.only("pk", "content").iterator(chunk_size=BATCH):
        content = clean_comment_html(comment.content)
        if content != comment.content:
            comment.content = content
            changed.append(comment)
        if len(changed) >= BATCH:
            Comment.objects.bulk_update(changed, ["content"])
            changed = []
    Comment.objects.bulk_update(changed, ["content"])


class Migration(migrations.Migration):
    dependencies = [("conversation", "0003_settings_labels")]

    operations = [migrations.RunPython(linkify_stored, migrations.RunPython.noop)]
